import { readFile } from 'node:fs/promises';
import { SmyslError } from '../../errors.js';
import { writeFileAtomic } from '../../util/fs.js';
import { BertWordScanner, type WordSink } from './bert.js';
import { cleanUpTokenization, type Decoder, decoderFromJSON } from './decoders.js';
import { modelFromJSON, type SubwordModel, UnigramModel } from './models.js';
import { AlignedString, BertNormalizer, type Normalizer, normalizerFromJSON } from './normalizers.js';
import {
  BertPreTokenizer,
  ByteLevelPreTokenizer,
  type PreTokenizer,
  preTokenizerFromJSON,
} from './pretokenizers.js';

/** A token added on top of the model's vocabulary (special tokens such as [CLS]). */
export interface AddedToken {
  id: number;
  content: string;
  special: boolean;
  singleWord: boolean;
  lstrip: boolean;
  rstrip: boolean;
  normalized: boolean;
}

/** One encoded text (or pair). Offsets are [start, end) UTF-16 indices into the original string. */
export interface Encoding {
  ids: number[];
  tokens: string[];
  offsets: [number, number][];
  typeIds: number[];
  attentionMask: number[];
  specialTokensMask: number[];
  /** For pairs: 0 for tokens of the first text, 1 for the second, null for special tokens. */
  sequenceIds: (number | null)[];
  /** Further windows when truncation with `stride` cut the text (each a complete encoding). */
  overflowing: Encoding[];
}

export type TruncationStrategy = 'longest_first' | 'only_first' | 'only_second';

export interface TruncationOptions {
  maxLength: number;
  strategy?: TruncationStrategy;
  /** Tokens repeated between consecutive overflow windows. */
  stride?: number;
  direction?: 'right' | 'left';
}

export interface PaddingOptions {
  /** 'longest': to the longest in the batch; a number: to that length. */
  length?: 'longest' | number;
  direction?: 'right' | 'left';
  padToMultipleOf?: number;
  padId?: number;
  padTypeId?: number;
  padToken?: string;
}

export interface EncodeOptions {
  pair?: string;
  addSpecialTokens?: boolean;
  truncation?: TruncationOptions | false;
  padding?: PaddingOptions | false;
  /** Unigram only: sample a segmentation ∝ exp(alpha · score) instead of the best one (subword regularization). */
  sampling?: { alpha: number; random?: () => number };
}

export interface BatchOptions {
  pairs?: string[];
  addSpecialTokens?: boolean;
  /** Shorthand for truncation {maxLength} and, unless padding says otherwise, the cap of padding. */
  maxLength?: number;
  truncation?: boolean | TruncationStrategy;
  /** true/'longest': pad to the longest row; 'max_length': pad to maxLength; false: no padding (rows ragged; arrays still rectangular up to the longest). */
  padding?: boolean | 'longest' | 'max_length';
}

/**
 * A batch as flat row-major typed arrays of shape [size, length], ready for onnxruntime.
 * Rows shorter than `length` are padded (attention 0).
 */
export interface BatchEncoding {
  size: number;
  length: number;
  ids: Int32Array;
  attentionMask: Int32Array;
  typeIds: Int32Array;
  /** Unpadded length of every row. */
  lengths: Int32Array;
}

/** Copies an Int32Array into the BigInt64Array onnxruntime wants for int64 inputs. */
export function toBigInt64(values: Int32Array): BigInt64Array {
  const out = new BigInt64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = BigInt(values[i]);
  return out;
}

type TemplatePiece = { special: string; typeId: number } | { sequence: 'A' | 'B'; typeId: number };

/** Where special tokens go: BERT's [CLS] A [SEP] B [SEP], RoBERTa's <s> A </s></s> B </s>, or any template. */
export class PostProcessor {
  constructor(
    readonly single: TemplatePiece[],
    readonly pair: TemplatePiece[],
    readonly specialTokens: Map<string, { ids: number[]; tokens: string[] }>,
    readonly json: Record<string, unknown>,
    readonly trimOffsets = false,
  ) {}

  static bert(cls: [string, number], sep: [string, number]): PostProcessor {
    return new PostProcessor(
      [
        { special: cls[0], typeId: 0 },
        { sequence: 'A', typeId: 0 },
        { special: sep[0], typeId: 0 },
      ],
      [
        { special: cls[0], typeId: 0 },
        { sequence: 'A', typeId: 0 },
        { special: sep[0], typeId: 0 },
        { sequence: 'B', typeId: 1 },
        { special: sep[0], typeId: 1 },
      ],
      new Map([
        [cls[0], { ids: [cls[1]], tokens: [cls[0]] }],
        [sep[0], { ids: [sep[1]], tokens: [sep[0]] }],
      ]),
      { type: 'BertProcessing', sep, cls },
    );
  }

  static roberta(cls: [string, number], sep: [string, number], trimOffsets: boolean): PostProcessor {
    return new PostProcessor(
      [
        { special: cls[0], typeId: 0 },
        { sequence: 'A', typeId: 0 },
        { special: sep[0], typeId: 0 },
      ],
      [
        { special: cls[0], typeId: 0 },
        { sequence: 'A', typeId: 0 },
        { special: sep[0], typeId: 0 },
        { special: sep[0], typeId: 0 },
        { sequence: 'B', typeId: 0 },
        { special: sep[0], typeId: 0 },
      ],
      new Map([
        [cls[0], { ids: [cls[1]], tokens: [cls[0]] }],
        [sep[0], { ids: [sep[1]], tokens: [sep[0]] }],
      ]),
      { type: 'RobertaProcessing', sep, cls, trim_offsets: trimOffsets, add_prefix_space: true },
      trimOffsets,
    );
  }

  /** Number of special tokens added around one text (pair = false) or a pair. */
  added(pair: boolean): number {
    let n = 0;
    for (const piece of pair ? this.pair : this.single)
      if ('special' in piece) n += this.specialTokens.get(piece.special)?.ids.length ?? 0;
    return n;
  }

  toJSON() {
    return this.json;
  }
}

// biome-ignore lint/suspicious/noExplicitAny: tokenizer.json is untyped JSON
export function postProcessorFromJSON(config: any): PostProcessor | null {
  if (config === null || config === undefined) return null;
  switch (config.type) {
    case 'TemplateProcessing': {
      // biome-ignore lint/suspicious/noExplicitAny: untyped JSON
      const convert = (items: any[]): TemplatePiece[] =>
        items.map((item) =>
          'SpecialToken' in item
            ? { special: item.SpecialToken.id, typeId: item.SpecialToken.type_id ?? 0 }
            : { sequence: item.Sequence.id, typeId: item.Sequence.type_id ?? 0 },
        );
      const special = new Map<string, { ids: number[]; tokens: string[] }>();
      for (const [name, value] of Object.entries(config.special_tokens ?? {}))
        special.set(name, value as { ids: number[]; tokens: string[] });
      return new PostProcessor(convert(config.single ?? []), convert(config.pair ?? []), special, config);
    }
    case 'BertProcessing':
      return PostProcessor.bert(config.cls, config.sep);
    case 'RobertaProcessing':
      return PostProcessor.roberta(config.cls, config.sep, config.trim_offsets ?? true);
    case 'ByteLevel':
      return new PostProcessor(
        [{ sequence: 'A', typeId: 0 }],
        [
          { sequence: 'A', typeId: 0 },
          { sequence: 'B', typeId: 1 },
        ],
        new Map(),
        config,
        config.trim_offsets ?? true,
      );
    case 'Sequence': {
      const parts = (config.processors ?? []).map(postProcessorFromJSON).filter(Boolean) as PostProcessor[];
      const template = parts
        .filter((p) => p.specialTokens.size > 0 || p.json.type === 'TemplateProcessing')
        .pop();
      const trim = parts.some((p) => p.trimOffsets);
      if (!template)
        return parts[0] ? new PostProcessor(parts[0].single, parts[0].pair, new Map(), config, trim) : null;
      return new PostProcessor(template.single, template.pair, template.specialTokens, config, trim);
    }
    default:
      throw new SmyslError('E_MODEL', `unsupported post-processor in tokenizer.json: ${config.type}`);
  }
}

/** Tokens of one text before special tokens: ids with [start, end) offsets. */
interface Sequence {
  ids: number[];
  offsets: number[];
}

export interface TokenizerParts {
  model: SubwordModel;
  normalizer?: Normalizer | null;
  preTokenizer?: PreTokenizer | null;
  postProcessor?: PostProcessor | null;
  decoder?: Decoder | null;
  addedTokens?: AddedToken[];
  truncation?: Record<string, unknown> | null;
  padding?: Record<string, unknown> | null;
}

/**
 * A Hugging Face-shaped tokenizer: normalizer → pre-tokenizer → model → post-processor, and a
 * decoder back. Loads and saves tokenizer.json.
 */
export class Tokenizer {
  readonly model: SubwordModel;
  readonly normalizer: Normalizer | null;
  readonly preTokenizer: PreTokenizer | null;
  readonly postProcessor: PostProcessor | null;
  readonly decoder: Decoder | null;
  readonly addedTokens: AddedToken[];
  /** The truncation and padding sections of the file, kept for saving (encode takes its own). */
  readonly fileTruncation: Record<string, unknown> | null;
  readonly filePadding: Record<string, unknown> | null;
  private readonly addedByContent = new Map<string, AddedToken>();
  private readonly rawSplitter: RegExp | null;
  private readonly rawFirstChars: string[];
  private readonly normalizedSplitter: RegExp | null;
  private readonly specialIds = new Set<number>();
  private readonly bertScanner: BertWordScanner | null;
  private readonly trimOffsets: boolean;

  constructor(parts: TokenizerParts) {
    this.model = parts.model;
    this.normalizer = parts.normalizer ?? null;
    this.preTokenizer = parts.preTokenizer ?? null;
    this.postProcessor = parts.postProcessor ?? null;
    this.decoder = parts.decoder ?? null;
    this.addedTokens = parts.addedTokens ?? [];
    this.fileTruncation = parts.truncation ?? null;
    this.filePadding = parts.padding ?? null;
    const raw: string[] = [];
    const normalized: string[] = [];
    for (const token of this.addedTokens) {
      this.model.addToken(token.content, token.id);
      this.addedByContent.set(token.content, token);
      if (token.special) this.specialIds.add(token.id);
      (token.normalized && this.normalizer ? normalized : raw).push(token.content);
    }
    this.rawSplitter = alternation(raw);
    this.rawFirstChars = [...new Set(raw.map((t) => t[0]))];
    this.normalizedSplitter = alternation(
      normalized.map((t) => (this.normalizer ? this.normalizer.normalize(AlignedString.from(t)).text : t)),
    );
    for (const t of this.addedTokens.filter((t) => t.normalized && this.normalizer))
      this.addedByContent.set(this.normalizer!.normalize(AlignedString.from(t.content)).text, t);
    const bertNormalizer = this.normalizer === null || this.normalizer instanceof BertNormalizer;
    this.bertScanner =
      bertNormalizer && this.preTokenizer instanceof BertPreTokenizer && normalized.length === 0
        ? new BertWordScanner(this.normalizer as BertNormalizer | null)
        : null;
    this.trimOffsets =
      (this.preTokenizer instanceof ByteLevelPreTokenizer && this.preTokenizer.trimOffsets) ||
      (this.postProcessor?.trimOffsets ?? false);
  }

  // biome-ignore lint/suspicious/noExplicitAny: tokenizer.json is untyped JSON
  static fromJSON(json: any): Tokenizer {
    if (!json || typeof json !== 'object' || !json.model)
      throw new SmyslError('E_MODEL', 'not a tokenizer.json: no "model" section');
    const addedTokens: AddedToken[] = (json.added_tokens ?? []).map(
      // biome-ignore lint/suspicious/noExplicitAny: untyped JSON
      (t: any): AddedToken => ({
        id: t.id,
        content: t.content,
        special: t.special ?? false,
        singleWord: t.single_word ?? false,
        lstrip: t.lstrip ?? false,
        rstrip: t.rstrip ?? false,
        normalized: t.normalized ?? !(t.special ?? false),
      }),
    );
    return new Tokenizer({
      model: modelFromJSON(json.model),
      normalizer: normalizerFromJSON(json.normalizer),
      preTokenizer: preTokenizerFromJSON(json.pre_tokenizer),
      postProcessor: postProcessorFromJSON(json.post_processor),
      decoder: decoderFromJSON(json.decoder),
      addedTokens,
      truncation: json.truncation ?? null,
      padding: json.padding ?? null,
    });
  }

  /** Reads a Hugging Face tokenizer.json. */
  static async load(path: string): Promise<Tokenizer> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      throw new SmyslError('E_IO', `cannot read tokenizer ${path}: ${(error as Error).message}`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new SmyslError('E_FORMAT', `${path} is not valid JSON: ${(error as Error).message}`);
    }
    try {
      return Tokenizer.fromJSON(json);
    } catch (error) {
      if (error instanceof SmyslError) throw new SmyslError(error.code, `${path}: ${error.message}`);
      throw error;
    }
  }

  toJSON(): Record<string, unknown> {
    return {
      version: '1.0',
      truncation: this.fileTruncation,
      padding: this.filePadding,
      added_tokens: this.addedTokens.map((t) => ({
        id: t.id,
        content: t.content,
        single_word: t.singleWord,
        lstrip: t.lstrip,
        rstrip: t.rstrip,
        normalized: t.normalized,
        special: t.special,
      })),
      normalizer: this.normalizer?.toJSON() ?? null,
      pre_tokenizer: this.preTokenizer?.toJSON() ?? null,
      post_processor: this.postProcessor?.toJSON() ?? null,
      decoder: this.decoder?.toJSON() ?? null,
      model: this.model.toJSON(),
    };
  }

  async save(path: string): Promise<void> {
    await writeFileAtomic(path, JSON.stringify(this.toJSON()));
  }

  get vocabSize(): number {
    let size = this.model.vocabSize;
    for (const t of this.addedTokens) size = Math.max(size, t.id + 1);
    return size;
  }
  tokenToId(token: string): number | undefined {
    return this.addedByContent.get(token)?.id ?? this.model.tokenToId(token);
  }
  idToToken(id: number): string | undefined {
    return this.model.idToToken(id);
  }

  /** Model tokens of one text, with offsets; `withOffsets` false skips offset work (batch path). */
  private encodeSequence(text: string, withOffsets: boolean, sampling?: EncodeOptions['sampling']): Sequence {
    const ids: number[] = [];
    const offsets: number[] = [];
    const emitWord = this.makeWordSink(ids, offsets, withOffsets, text, sampling);
    const needsSplit = this.rawSplitter !== null && this.rawFirstChars.some((c) => text.includes(c));
    if (!needsSplit) {
      this.encodeSection(text, 0, text.length, 0, emitWord, ids, offsets);
      return { ids, offsets };
    }
    const sections = splitOnAdded(text, this.rawSplitter!, this.addedByContent);
    let sectionIndex = 0;
    for (const s of sections) {
      if (s.token) {
        ids.push(s.token.id);
        offsets.push(s.start, s.end);
      } else if (s.end > s.start)
        this.encodeSection(text, s.start, s.end, sectionIndex++, emitWord, ids, offsets);
    }
    return { ids, offsets };
  }

  private makeWordSink(
    ids: number[],
    offsets: number[],
    withOffsets: boolean,
    text: string,
    sampling?: EncodeOptions['sampling'],
  ): WordSink {
    const model = this.model;
    const trim = this.trimOffsets;
    const sampler = sampling && model instanceof UnigramModel ? model : null;
    return (word, origStart, origEnd, starts, ends) => {
      const pieces = sampler
        ? sampler.sampleWord(word, sampling!.alpha, sampling!.random)
        : model.tokenizeWord(word);
      const identity = starts === null && origEnd - origStart === word.length;
      let previous = 0;
      for (let k = 0; k < pieces.length; k += 2) {
        ids.push(pieces[k]);
        const end = pieces[k + 1];
        if (withOffsets) {
          let s: number;
          let e: number;
          if (starts !== null) {
            s = starts[previous];
            e = ends![end - 1];
          } else if (identity) {
            s = origStart + previous;
            e = origStart + end;
          } else {
            s = origStart;
            e = origEnd;
          }
          if (trim) {
            while (s < e && /\s/.test(text[s])) s++;
            while (e > s && /\s/.test(text[e - 1])) e--;
          }
          offsets.push(s, e);
        }
        previous = end;
      }
    };
  }

  private encodeSection(
    text: string,
    from: number,
    to: number,
    sectionIndex: number,
    emitWord: WordSink,
    ids: number[],
    offsets: number[],
  ): void {
    if (this.bertScanner?.scan(text, from, to, emitWord)) return;
    let aligned = AlignedString.from(from === 0 && to === text.length ? text : text.slice(from, to), from);
    if (this.normalizer) aligned = this.normalizer.normalize(aligned);
    const parts: (AlignedString | AddedToken)[] = [];
    if (this.normalizedSplitter) {
      for (const s of splitOnAdded(aligned.text, this.normalizedSplitter, this.addedByContent)) {
        if (s.token) parts.push(s.token);
        else if (s.end > s.start) parts.push(aligned.slice(s.start, s.end));
      }
    } else parts.push(aligned);
    for (const part of parts) {
      if (!(part instanceof AlignedString)) {
        ids.push(part.id);
        offsets.push(from, from);
        continue;
      }
      const words = this.preTokenizer
        ? this.preTokenizer.split(part, sectionIndex)
        : part.text.length
          ? [part]
          : [];
      for (const w of words) emitWord(w.text, 0, 0, w.starts, w.ends);
    }
  }

  /** Encodes one text (or a pair) into ids, tokens, offsets, type ids and masks. */
  encode(text: string, options: EncodeOptions = {}): Encoding {
    const addSpecial = options.addSpecialTokens ?? true;
    const first = this.encodeSequence(text, true, options.sampling);
    const second =
      options.pair !== undefined ? this.encodeSequence(options.pair, true, options.sampling) : null;
    const pair = second !== null;
    const added = addSpecial && this.postProcessor ? this.postProcessor.added(pair) : 0;
    let windows: Sequence[] = [first];
    let secondSeq = second;
    if (options.truncation) {
      const t = options.truncation;
      const budget = t.maxLength - added;
      if (budget < 0)
        throw new SmyslError(
          'E_USAGE',
          `maxLength ${t.maxLength} leaves no room for ${added} special tokens`,
        );
      const stride = t.stride ?? 0;
      const direction = t.direction ?? 'right';
      const strategy = t.strategy ?? 'longest_first';
      if (!second) windows = truncateWindows(first, budget, stride, direction);
      else if (strategy === 'only_first')
        windows = truncateWindows(first, budget - second.ids.length, stride, direction);
      else if (strategy === 'only_second') {
        const seconds = truncateWindows(second, budget - first.ids.length, stride, direction);
        const encodings = seconds.map((s) => this.assemble(first, s, addSpecial));
        return withOverflow(encodings, this.paddingDefaults(options.padding));
      } else {
        const [a, b] = truncateLongestFirst(first, second, budget, direction);
        windows = [a];
        secondSeq = b;
      }
    }
    const encodings = windows.map((w) => this.assemble(w, secondSeq, addSpecial));
    return withOverflow(encodings, this.paddingDefaults(options.padding));
  }

  private assemble(first: Sequence, second: Sequence | null, addSpecial: boolean): Encoding {
    const enc: Encoding = {
      ids: [],
      tokens: [],
      offsets: [],
      typeIds: [],
      attentionMask: [],
      specialTokensMask: [],
      sequenceIds: [],
      overflowing: [],
    };
    const pushSequence = (s: Sequence, typeId: number, sequenceId: number) => {
      for (let i = 0; i < s.ids.length; i++) {
        enc.ids.push(s.ids[i]);
        enc.offsets.push([s.offsets[2 * i], s.offsets[2 * i + 1]]);
        enc.typeIds.push(typeId);
        enc.specialTokensMask.push(this.specialIds.has(s.ids[i]) ? 1 : 0);
        enc.sequenceIds.push(sequenceId);
      }
    };
    if (!this.postProcessor) {
      pushSequence(first, 0, 0);
      if (second) pushSequence(second, 0, 1);
    } else {
      for (const piece of second ? this.postProcessor.pair : this.postProcessor.single) {
        if ('sequence' in piece) {
          if (piece.sequence === 'A') pushSequence(first, piece.typeId, 0);
          else if (second) pushSequence(second, piece.typeId, 1);
        } else if (addSpecial) {
          const special = this.postProcessor.specialTokens.get(piece.special);
          if (!special)
            throw new SmyslError('E_MODEL', `post-processor uses unknown special token ${piece.special}`);
          for (const id of special.ids) {
            enc.ids.push(id);
            enc.offsets.push([0, 0]);
            enc.typeIds.push(piece.typeId);
            enc.specialTokensMask.push(1);
            enc.sequenceIds.push(null);
          }
        }
      }
    }
    enc.tokens = enc.ids.map((id) => this.model.idToToken(id) ?? '');
    enc.attentionMask = new Array(enc.ids.length).fill(1);
    return enc;
  }

  /**
   * Encodes many texts into flat typed arrays [size × length]; the fast path the transformer
   * encoder uses. Truncation keeps the special tokens (as Hugging Face's Python tokenizers do).
   */
  encodeBatch(texts: string[], options: BatchOptions = {}): BatchEncoding {
    const addSpecial = options.addSpecialTokens ?? true;
    const maxLength = options.maxLength;
    const truncate = options.truncation ?? maxLength !== undefined;
    const strategy: TruncationStrategy = typeof truncate === 'string' ? truncate : 'longest_first';
    const padding = options.padding ?? true;
    const rows: Sequence[] = [];
    const rowSeconds: (Sequence | null)[] = [];
    for (let i = 0; i < texts.length; i++) {
      let first = this.encodeSequence(texts[i], false);
      let second = options.pairs ? this.encodeSequence(options.pairs[i], false) : null;
      if (truncate && maxLength !== undefined) {
        const added = addSpecial && this.postProcessor ? this.postProcessor.added(second !== null) : 0;
        const budget = Math.max(0, maxLength - added);
        if (!second) first = { ids: first.ids.slice(0, budget), offsets: [] };
        else if (strategy === 'only_first')
          first = { ids: first.ids.slice(0, Math.max(0, budget - second.ids.length)), offsets: [] };
        else if (strategy === 'only_second')
          second = { ids: second.ids.slice(0, Math.max(0, budget - first.ids.length)), offsets: [] };
        else [first, second] = truncateLongestFirst(first, second, budget, 'right');
      }
      rows.push(first);
      rowSeconds.push(second);
    }
    const assembled = rows.map((r, i) => this.assembleIds(r, rowSeconds[i], addSpecial));
    let length = 0;
    for (const a of assembled) length = Math.max(length, a.ids.length);
    if (padding === 'max_length' && maxLength !== undefined) length = Math.max(length, maxLength);
    const size = texts.length;
    const padId = this.padId();
    const ids = new Int32Array(size * length).fill(padId);
    const attentionMask = new Int32Array(size * length);
    const typeIds = new Int32Array(size * length);
    const lengths = new Int32Array(size);
    for (let r = 0; r < size; r++) {
      const a = assembled[r];
      const base = r * length;
      lengths[r] = a.ids.length;
      ids.set(a.ids, base);
      typeIds.set(a.typeIds, base);
      attentionMask.fill(1, base, base + a.ids.length);
    }
    return { size, length, ids, attentionMask, typeIds, lengths };
  }

  private paddingDefaults(padding: PaddingOptions | false | undefined): PaddingOptions | false | undefined {
    if (!padding) return padding;
    const padId = padding.padId ?? this.padId();
    return { ...padding, padId, padToken: padding.padToken ?? this.idToToken(padId) ?? '[PAD]' };
  }

  private padId(): number {
    const fromFile = this.filePadding?.pad_id;
    if (typeof fromFile === 'number') return fromFile;
    for (const name of ['[PAD]', '<pad>', '<|padding|>']) {
      const id = this.tokenToId(name);
      if (id !== undefined) return id;
    }
    return 0;
  }

  private assembleIds(
    first: Sequence,
    second: Sequence | null,
    addSpecial: boolean,
  ): { ids: number[]; typeIds: number[] } {
    const ids: number[] = [];
    const typeIds: number[] = [];
    const push = (s: Sequence, typeId: number) => {
      for (const id of s.ids) {
        ids.push(id);
        typeIds.push(typeId);
      }
    };
    if (!this.postProcessor) {
      push(first, 0);
      if (second) push(second, 0);
      return { ids, typeIds };
    }
    for (const piece of second ? this.postProcessor.pair : this.postProcessor.single) {
      if ('sequence' in piece) {
        if (piece.sequence === 'A') push(first, piece.typeId);
        else if (second) push(second, piece.typeId);
      } else if (addSpecial) {
        for (const id of this.postProcessor.specialTokens.get(piece.special)?.ids ?? []) {
          ids.push(id);
          typeIds.push(piece.typeId);
        }
      }
    }
    return { ids, typeIds };
  }

  /** Tokens of a text without special tokens (as the reference's tokenize()). */
  tokenize(text: string): string[] {
    return this.encode(text, { addSpecialTokens: false }).tokens;
  }

  decode(
    ids: ArrayLike<number>,
    options: { skipSpecialTokens?: boolean; cleanUpTokenizationSpaces?: boolean } = {},
  ): string {
    const skip = options.skipSpecialTokens ?? true;
    const tokens: string[] = [];
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (skip && this.specialIds.has(id)) continue;
      const token = this.model.idToToken(id);
      if (token !== undefined) tokens.push(token);
    }
    const special = new Set(this.addedTokens.map((t) => t.content));
    let text = this.decoder ? this.decoder.decodeChain(tokens, special).join('') : tokens.join(' ');
    if (options.cleanUpTokenizationSpaces) text = cleanUpTokenization(text);
    return text;
  }
}

function alternation(tokens: string[]): RegExp | null {
  if (tokens.length === 0) return null;
  const sorted = [...tokens].sort((a, b) => b.length - a.length);
  return new RegExp(sorted.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
}

interface Section {
  start: number;
  end: number;
  token?: AddedToken;
}

/** Splits text around added tokens (leftmost-longest), honouring lstrip/rstrip/single_word. */
function splitOnAdded(text: string, splitter: RegExp, byContent: Map<string, AddedToken>): Section[] {
  const sections: Section[] = [];
  let last = 0;
  splitter.lastIndex = 0;
  for (const m of text.matchAll(splitter)) {
    const token = byContent.get(m[0]);
    if (!token) continue;
    let start = m.index!;
    const end = start + m[0].length;
    if (token.singleWord) {
      const before = start > 0 ? text[start - 1] : ' ';
      const after = end < text.length ? text[end] : ' ';
      if (/[\p{L}\p{N}_]/u.test(before) || /[\p{L}\p{N}_]/u.test(after)) continue;
    }
    if (start < last) continue;
    if (token.lstrip) while (start > last && /\s/.test(text[start - 1])) start--;
    sections.push({ start: last, end: start });
    let stripEnd = end;
    if (token.rstrip) while (stripEnd < text.length && /\s/.test(text[stripEnd])) stripEnd++;
    sections.push({ start: m.index!, end, token });
    last = stripEnd;
  }
  sections.push({ start: last, end: text.length });
  return sections;
}

/** Cuts a sequence into windows of `budget` tokens, consecutive windows sharing `stride` tokens. */
function truncateWindows(
  s: Sequence,
  budget: number,
  stride: number,
  direction: 'right' | 'left',
): Sequence[] {
  const n = s.ids.length;
  if (n <= budget) return [s];
  if (budget <= 0) return [{ ids: [], offsets: [] }];
  if (stride >= budget)
    throw new SmyslError(
      'E_USAGE',
      `stride ${stride} must be smaller than the room left for tokens (${budget})`,
    );
  const step = budget - stride;
  const windows: Sequence[] = [];
  const cut = (from: number, to: number): Sequence => ({
    ids: s.ids.slice(from, to),
    offsets: s.offsets.slice(2 * from, 2 * to),
  });
  if (direction === 'right') {
    for (let start = 0; ; start += step) {
      const stop = Math.min(start + budget, n);
      windows.push(cut(start, stop));
      if (stop === n) break;
    }
  } else {
    for (let stop = n; ; stop -= step) {
      const start = Math.max(stop - budget, 0);
      windows.push(cut(start, stop));
      if (start === 0) break;
    }
  }
  return windows;
}

/** Removes tokens from the longer of the two until both fit (Hugging Face's longest_first). */
function truncateLongestFirst(
  a: Sequence,
  b: Sequence | null,
  budget: number,
  direction: 'right' | 'left',
): [Sequence, Sequence | null] {
  if (!b) return [truncateWindows(a, budget, 0, direction)[0], null];
  let na = a.ids.length;
  let nb = b.ids.length;
  while (na + nb > budget) {
    if (na >= nb && na > 0) na--;
    else nb--;
  }
  const keep = (s: Sequence, n: number): Sequence =>
    direction === 'right'
      ? { ids: s.ids.slice(0, n), offsets: s.offsets.slice(0, 2 * n) }
      : { ids: s.ids.slice(s.ids.length - n), offsets: s.offsets.slice(2 * (s.ids.length - n)) };
  return [keep(a, na), keep(b, nb)];
}

function withOverflow(encodings: Encoding[], padding: PaddingOptions | false | undefined): Encoding {
  if (padding) {
    const longest = Math.max(...encodings.map((e) => e.ids.length));
    for (const e of encodings) pad(e, padding, longest);
  }
  const [head, ...rest] = encodings;
  head.overflowing = rest;
  return head;
}

/** Pads an encoding in place to `padding.length` (or `longest`), rounded up to padToMultipleOf. */
export function pad(e: Encoding, padding: PaddingOptions, longest: number): void {
  let target = padding.length === undefined || padding.length === 'longest' ? longest : padding.length;
  const multiple = padding.padToMultipleOf;
  if (multiple && target % multiple) target += multiple - (target % multiple);
  const missing = target - e.ids.length;
  if (missing <= 0) return;
  const fill = <T>(arr: T[], value: T) => {
    const extra = new Array<T>(missing).fill(value);
    return padding.direction === 'left' ? [...extra, ...arr] : [...arr, ...extra];
  };
  e.ids = fill(e.ids, padding.padId ?? 0);
  e.tokens = fill(e.tokens, padding.padToken ?? '[PAD]');
  e.offsets = fill(e.offsets, [0, 0] as [number, number]);
  e.typeIds = fill(e.typeIds, padding.padTypeId ?? 0);
  e.attentionMask = fill(e.attentionMask, 0);
  e.specialTokensMask = fill(e.specialTokensMask, 1);
  e.sequenceIds = fill(e.sequenceIds, null);
}
