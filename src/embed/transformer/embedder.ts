import { statSync } from 'node:fs';
import path from 'node:path';
import { SmyslError, throwIfAborted } from '../../errors.js';
import { type Token, tokenize } from '../../text/index.js';
import { readJsonFile, writeFileAtomic } from '../../util/fs.js';
import type { LongRunning } from '../../util/progress.js';
import type { DenseMatrix } from '../../vectors/types.js';
import type { DenseEmbedder } from '../types.js';
import { type BertConfig, maxSequenceLength } from './config.js';
import { type EncoderBatch, EncoderSession, onnxRuntimeKind } from './encoder.js';
import { EncoderPool } from './encoder-pool.js';
import type { EncoderDtype } from './graph.js';
import { applyDense, type DenseLayer, loadDenseLayer, type Prompts, type SentencePooling } from './layout.js';
import { DEFAULT_MODEL, ensureEncoderFile, type ModelSource, resolveModel } from './models.js';
import { loadPieceTokenizer, type Pieces, type PieceTokenizer } from './tokenizer.js';

export type { Prompts, SentencePooling } from './layout.js';
export type LongTextStrategy = 'truncate' | 'window';

/**
 * What a text is, for models trained with a prompt per role (e5: "query: " / "passage: "):
 * 'query' for search queries, 'document' for what is indexed. Without a role a text gets the
 * model's default prompt (usually none), as sentence-transformers' plain encode() does.
 */
export type TextRole = 'query' | 'document';

export interface EmbedOptions extends LongRunning {
  role?: TextRole;
}

export interface TransformerEmbedderOptions {
  /** "minilm" (default), a name given to `smysl model import`, or a checkpoint directory. */
  model?: string;
  dtype?: EncoderDtype;
  /** Sentence pooling; default from the model (mean for minilm). */
  pooling?: SentencePooling;
  /** Average the hidden states of the last N layers for sentence vectors (default 1 = last). */
  layers?: number;
  /** L2-normalize sentence vectors; default from the model (on for minilm). */
  normalize?: boolean;
  /** Sequences per onnxruntime call (default 32). */
  batchSize?: number;
  /** onnxruntime intra-op threads (default: onnxruntime's choice, all cores). */
  threads?: number;
  /**
   * Encoder sessions on worker threads (one onnxruntime thread each) that bulk work — many
   * batches, or calls overlapping one another — moves to after its first ~128 texts (default 1 =
   * none: on a quiet 2-core machine two one-thread workers indexed ~15% slower than one 2-thread
   * session; under heavy load 1.2-1.6x faster). Queries and small calls stay on the in-process
   * session, so a one-query search starts no thread.
   */
  workers?: number;
  /** Maximum tokens per sequence including [CLS]/[SEP]; default from the model (256 for minilm). */
  maxLength?: number;
  /** What to do with texts longer than maxLength (default 'truncate'). */
  long?: LongTextStrategy;
  /** Pieces shared by consecutive windows when long = 'window' (default maxLength / 4). */
  stride?: number;
  /** Texts per streamed chunk (sorted by length inside a chunk; default 1024). */
  chunkSize?: number;
  /** Sort sequences by length before batching, to cut padding (default true). */
  sortByLength?: boolean;
  /**
   * Prompts by role, replacing the model's (from config_sentence_transformers.json or
   * `smysl model import --query-prompt/--document-prompt`); "" turns a role's prompt off.
   */
  prompts?: Prompts;
  /** Use this tokenizer instead of the model's own tokenizer files. */
  tokenizer?: PieceTokenizer;
  /** Where the one-line "building the encoder" message goes (default stderr). */
  log?: (line: string) => void;
}

export interface TokenVectors {
  /** Word pieces of the text (no [CLS]/[SEP]) with UTF-16 offsets into the text. */
  pieces: { id: number; start: number; end: number }[];
  /** One row per piece. */
  vectors: DenseMatrix;
}

export interface WordVectors {
  /** Words from the text stage's `tokenize()`. */
  words: Token[];
  /** One row per word: its pieces pooled; all zeros for a word with no piece (e.g. truncated). */
  vectors: DenseMatrix;
}

interface Window {
  text: number;
  /** Index of the window's first content piece within its text's pieces. */
  firstPiece: number;
  /** Token ids including [CLS] and [SEP]. */
  ids: Int32Array;
}

const MANIFEST = 'manifest.json';

/**
 * Contextual token, word and sentence embeddings from a BERT-family encoder that smysl builds
 * as an ONNX graph and runs on onnxruntime. Sentence vectors follow the model's
 * sentence-transformers recipe: prompt, pooling, Dense layers, normalization.
 */
export class TransformerEmbedder implements DenseEmbedder {
  readonly kind = 'dense' as const;
  readonly name: string;
  /** Dimensions of sentence vectors (the last Dense layer's output, else the hidden size). */
  readonly dim: number;
  /** Dimensions of token and word vectors: the encoder's hidden size. */
  readonly hiddenSize: number;
  /** Effective prompts per role ({} for models without prompts). */
  readonly prompts: Prompts;
  readonly pooling: SentencePooling;
  readonly normalize: boolean;
  readonly layers: number;
  readonly maxLength: number;
  readonly batchSize: number;
  readonly long: LongTextStrategy;
  readonly stride: number;
  readonly dtype: EncoderDtype;

  /** Batches sent to the in-process session and not yet answered. */
  private inFlight = 0;
  /** Texts that went through the in-process session while another batch was in flight. */
  private bulkTexts = 0;
  private pool?: EncoderPool;
  private poolStarted = false;
  private disposed = false;

  private constructor(
    readonly source: ModelSource,
    readonly config: BertConfig,
    private readonly session: EncoderSession,
    private readonly encoderFile: string,
    readonly tokenizer: PieceTokenizer,
    private readonly opts: TransformerEmbedderOptions,
    private readonly dense: DenseLayer[],
  ) {
    this.hiddenSize = config.hiddenSize;
    this.dim = dense.length ? dense[dense.length - 1].outFeatures : config.hiddenSize;
    const prompts: Prompts = { ...source.defaults.prompts };
    for (const role of ['query', 'document', 'default'] as const) {
      const given = opts.prompts?.[role];
      if (given !== undefined) prompts[role] = given;
      if (!prompts[role]) delete prompts[role];
    }
    this.prompts = prompts;
    this.dtype = opts.dtype ?? 'fp32';
    this.pooling = opts.pooling ?? source.defaults.pooling;
    this.normalize = opts.normalize ?? source.defaults.normalize;
    this.layers = opts.layers ?? 1;
    this.maxLength = Math.min(opts.maxLength ?? source.defaults.maxLength, maxSequenceLength(config));
    this.batchSize = opts.batchSize ?? 32;
    this.long = opts.long ?? 'truncate';
    this.stride = opts.stride ?? Math.floor(this.maxLength / 4);
    this.name = `transformer:${path.basename(source.name)}:${this.dtype}`;
    if (this.maxLength < 3) throw new SmyslError('E_USAGE', 'maxLength must be at least 3');
    if (this.stride < 0 || this.stride >= this.maxLength - 2)
      throw new SmyslError('E_USAGE', `stride must be in [0, ${this.maxLength - 3}]`);
    if (this.layers < 1 || this.layers > config.numHiddenLayers + 1)
      throw new SmyslError('E_USAGE', `layers must be in [1, ${config.numHiddenLayers + 1}]`);
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1)
      throw new SmyslError('E_USAGE', 'batch size must be a positive integer');
  }

  /** Languages the model reads well, when its source says (the built-in minilm: English). */
  get languages(): readonly string[] | undefined {
    return this.source.defaults.languages;
  }

  /** Word pieces of a text, without [CLS]/[SEP] (what chunking by encoder tokens counts). */
  countTokens(text: string): number {
    return this.tokenizer.encodePieces(text).ids.length;
  }

  /** Pieces of one text the encoder reads: maxLength less [CLS] and [SEP]. */
  get maxTextTokens(): number {
    return this.maxLength - 2;
  }

  /** Resolves the model, builds/loads its ONNX encoder (cached) and opens a session. */
  static async create(opts: TransformerEmbedderOptions = {}): Promise<TransformerEmbedder> {
    const source = await resolveModel(opts.model ?? DEFAULT_MODEL);
    const dtype = opts.dtype ?? 'fp32';
    const built = await ensureEncoderFile(source, dtype, opts.log);
    const session = await EncoderSession.create(
      built.file,
      built.config.hiddenSize,
      built.config.numHiddenLayers,
      {
        threads: opts.threads,
        log: opts.log,
      },
    );
    const tokenizer = opts.tokenizer ?? (await loadPieceTokenizer(source.tokenizerFile));
    const dense = await Promise.all(source.dense.map(loadDenseLayer));
    return new TransformerEmbedder(source, built.config, session, built.file, tokenizer, opts, dense);
  }

  /** Re-creates an embedder saved with `save(dir)`. */
  static async load(dir: string, overrides: TransformerEmbedderOptions = {}): Promise<TransformerEmbedder> {
    const manifest = await readJsonFile<{
      method: string;
      format: number;
      options: TransformerEmbedderOptions;
    }>(path.join(dir, MANIFEST));
    if (manifest.method !== 'transformer' || manifest.format !== 1)
      throw new SmyslError('E_FORMAT', 'not a transformer embedder manifest', {
        location: { source: path.join(dir, MANIFEST) },
      });
    return TransformerEmbedder.create({ ...manifest.options, ...overrides });
  }

  /** Writes a manifest naming the model and the settings; the model itself is not copied. */
  async save(dir: string): Promise<void> {
    const options: TransformerEmbedderOptions = {
      model: this.source.name,
      dtype: this.dtype,
      pooling: this.pooling,
      layers: this.layers,
      normalize: this.normalize,
      maxLength: this.maxLength,
      long: this.long,
      stride: this.stride,
      prompts: {
        query: this.prompts.query ?? '',
        document: this.prompts.document ?? '',
        default: this.prompts.default ?? '',
      },
    };
    await writeFileAtomic(
      path.join(dir, MANIFEST),
      JSON.stringify({ format: 1, method: 'transformer', name: this.name, dim: this.dim, options }, null, 2),
    );
  }

  /** Encoder sessions on worker threads now taking batches (0 until bulk work starts them). */
  get workerSessions(): number {
    return this.pool?.size ?? 0;
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    await this.pool?.release();
    this.pool = undefined;
    await this.session.release();
  }

  /**
   * One batch through the pool once it runs, else through the in-process session. Bulk work
   * (a batch arriving while another is in flight, ~128 texts of it) starts the pool in the
   * background; batches keep going to the in-process session until it is ready.
   */
  private async runBatch(batch: EncoderBatch, layers: number): Promise<Float32Array[]> {
    if (this.pool) return this.pool.run(batch, layers);
    if (this.inFlight > 0) {
      this.bulkTexts += batch.rows;
      if (this.bulkTexts >= 128 && !this.poolStarted) this.startPool();
    }
    this.inFlight++;
    try {
      return await this.session.run(batch, layers);
    } finally {
      this.inFlight--;
    }
  }

  private startPool(): void {
    this.poolStarted = true;
    const size = this.opts.workers ?? 1;
    if (size < 2) return;
    void (async () => {
      // one copy of the weights per worker: only for encoders of modest size, on native onnxruntime
      if ((await onnxRuntimeKind()) !== 'native' || statSync(this.encoderFile).size > 512 * 2 ** 20) return;
      const pool = await EncoderPool.create(
        { file: this.encoderFile, hiddenSize: this.hiddenSize, numLayers: this.config.numHiddenLayers },
        size,
      );
      if (this.disposed) await pool.release();
      else this.pool = pool;
    })().catch(() => {
      // the in-process session keeps working; the pool is only a speed-up
    });
  }

  /**
   * Sentence vectors, one row per text, in input order. `role` picks the model's query or
   * document prompt (see `embedQueries` / `embedDocuments`); without it the default prompt.
   */
  async embed(texts: string[], opts: EmbedOptions = {}): Promise<DenseMatrix> {
    const data = new Float32Array(texts.length * this.dim);
    let row = 0;
    for await (const chunk of this.embedStream(texts, opts)) {
      data.set(chunk.data, row * this.dim);
      row += chunk.rows;
    }
    return { rows: texts.length, dim: this.dim, data };
  }

  /** Vectors of search queries: the model's query prompt is put first (e5: "query: "). */
  embedQueries(texts: string[], opts: LongRunning = {}): Promise<DenseMatrix> {
    return this.embed(texts, { ...opts, role: 'query' });
  }

  /** Vectors of documents to index: the model's document prompt is put first (e5: "passage: "). */
  embedDocuments(texts: string[], opts: LongRunning = {}): Promise<DenseMatrix> {
    return this.embed(texts, { ...opts, role: 'document' });
  }

  /** The prompt put before texts of this role ("" when the model has none). */
  promptFor(role?: TextRole): string {
    return (role ? this.prompts[role] : undefined) ?? this.prompts.default ?? '';
  }

  /**
   * Streams sentence vectors for any number of texts, in input order, one chunk of up to
   * `chunkSize` rows at a time, reporting sentences/s and (for arrays) the ETA.
   */
  async *embedStream(
    texts: Iterable<string> | AsyncIterable<string>,
    opts: EmbedOptions = {},
  ): AsyncGenerator<DenseMatrix> {
    const chunkSize = this.opts.chunkSize ?? 1024;
    const total = Array.isArray(texts) ? texts.length : undefined;
    const started = Date.now();
    let done = 0;
    let chunk: string[] = [];
    const flush = async (): Promise<DenseMatrix> => {
      const out = await this.embedChunk(chunk, this.promptFor(opts.role), opts.signal);
      done += chunk.length;
      chunk = [];
      const seconds = (Date.now() - started) / 1000;
      opts.onProgress?.({
        phase: 'encoding',
        done,
        total,
        unit: 'sentences',
        extra: seconds > 0 ? { 'sentences/s': Math.round(done / seconds) } : undefined,
      });
      return out;
    };
    for await (const text of texts) {
      chunk.push(text);
      if (chunk.length >= chunkSize) yield await flush();
    }
    if (chunk.length > 0) yield await flush();
  }

  /** Contextual vectors of every word piece (mean of the last `layers` layers, default 4). */
  async tokenVectors(
    texts: string[],
    opts: { layers?: number; signal?: AbortSignal } = {},
  ): Promise<TokenVectors[]> {
    const layers = Math.min(opts.layers ?? 4, this.config.numHiddenLayers + 1);
    // Offsets must stay offsets into the caller's text: lowercase only where lengths agree.
    const encoded = texts.map((t) => {
      const lower = this.source.defaults.lowercase ? t.toLowerCase() : t;
      return this.tokenizer.encodePieces(lower.length === t.length ? lower : t);
    });
    const sums = encoded.map((p) => new Float64Array(p.ids.length * this.hiddenSize));
    const counts = encoded.map((p) => new Uint16Array(p.ids.length));
    const h = this.hiddenSize;
    await this.runWindows(this.windowsOf(encoded), layers, opts.signal, (window, hidden, offset) => {
      const content = window.ids.length - 2;
      const sum = sums[window.text];
      const count = counts[window.text];
      for (let t = 0; t < content; t++) {
        const piece = window.firstPiece + t;
        const from = offset + (t + 1) * h;
        for (let j = 0; j < h; j++) sum[piece * h + j] += hidden[from + j];
        count[piece]++;
      }
    });
    return encoded.map((p, i) => {
      const data = new Float32Array(p.ids.length * h);
      for (let piece = 0; piece < p.ids.length; piece++) {
        const c = counts[i][piece];
        if (c === 0) continue; // cut off by truncation
        for (let j = 0; j < h; j++) data[piece * h + j] = sums[i][piece * h + j] / c;
      }
      const pieces = Array.from(p.ids, (id, k) => ({ id, start: p.starts[k], end: p.ends[k] }));
      return { pieces, vectors: { rows: p.ids.length, dim: h, data } };
    });
  }

  /**
   * Word vectors aligned to the text stage's `tokenize()` words: each word's pieces (found by
   * character overlap) pooled by their first piece or their mean.
   */
  async wordVectors(
    texts: string[],
    opts: {
      layers?: number;
      pool?: 'first' | 'mean';
      signal?: AbortSignal;
      /** Pre-split words per text (e.g. a corpus's own tokens) instead of `tokenize()`. */
      words?: Token[][];
    } = {},
  ): Promise<WordVectors[]> {
    const pool = opts.pool ?? 'mean';
    const tokens = await this.tokenVectors(texts, opts);
    const h = this.hiddenSize;
    return texts.map((text, i) => {
      const words = opts.words?.[i] ?? tokenize(text);
      const { pieces, vectors } = tokens[i];
      const data = new Float32Array(words.length * h);
      let p = 0;
      for (let w = 0; w < words.length; w++) {
        const word = words[w];
        while (p < pieces.length && pieces[p].end <= word.start) p++;
        let n = 0;
        for (let k = p; k < pieces.length && pieces[k].start < word.end; k++) {
          if (pieces[k].end <= word.start) continue;
          if (pool === 'first' && n > 0) break;
          for (let j = 0; j < h; j++) data[w * h + j] += vectors.data[k * h + j];
          n++;
        }
        if (n > 1) for (let j = 0; j < h; j++) data[w * h + j] /= n;
      }
      return { words, vectors: { rows: words.length, dim: h, data } };
    });
  }

  private async embedChunk(texts: string[], prompt: string, signal?: AbortSignal): Promise<DenseMatrix> {
    const h = this.hiddenSize;
    const lowercase = this.source.defaults.lowercase === true;
    // sentence-transformers tokenizes prompt + text as one string, then lowercases if asked.
    const encoded = texts.map((t) => {
      const full = prompt + t;
      return this.tokenizer.encodePieces(lowercase ? full.toLowerCase() : full);
    });
    // Pooling's include_prompt = false leaves out [CLS] and the prompt's pieces (counted, as
    // sentence-transformers counts them, on the prompt tokenized alone).
    const skip =
      prompt && this.source.defaults.includePrompt === false
        ? 1 + this.tokenizer.encodePieces(lowercase ? prompt.toLowerCase() : prompt).ids.length
        : 0;
    const sums = new Float64Array(texts.length * h);
    const windowsPerText = new Uint32Array(texts.length);
    const pooled = new Float64Array(h);
    await this.runWindows(this.windowsOf(encoded), this.layers, signal, (window, hidden, offset) => {
      const length = window.ids.length;
      const first = window.firstPiece === 0 ? Math.min(skip, length - 1) : 0;
      pooled.fill(this.pooling === 'max' ? Number.NEGATIVE_INFINITY : 0);
      if (this.pooling === 'cls') {
        for (let j = 0; j < h; j++) pooled[j] = hidden[offset + j];
      } else if (this.pooling === 'max') {
        for (let t = first; t < length; t++)
          for (let j = 0; j < h; j++) {
            const v = hidden[offset + t * h + j];
            if (v > pooled[j]) pooled[j] = v;
          }
      } else {
        // Mean over the real tokens, [CLS] and [SEP] included, as sentence-transformers does.
        for (let t = first; t < length; t++)
          for (let j = 0; j < h; j++) pooled[j] += hidden[offset + t * h + j];
        for (let j = 0; j < h; j++) pooled[j] /= length - first;
      }
      const base = window.text * h;
      for (let j = 0; j < h; j++) sums[base + j] += pooled[j];
      windowsPerText[window.text]++;
    });
    const dim = this.dim;
    const data = new Float32Array(texts.length * dim);
    const mean = new Float64Array(h);
    for (let i = 0; i < texts.length; i++) {
      const n = windowsPerText[i] || 1;
      for (let j = 0; j < h; j++) mean[j] = sums[i * h + j] / n;
      // Dense layers (LaBSE's tanh projection) act on the pooled vector, before normalization.
      const out = this.dense.length ? applyDense(this.dense, mean) : mean;
      let norm = 0;
      for (let j = 0; j < dim; j++) norm += out[j] * out[j];
      const scale = this.normalize && norm > 0 ? 1 / Math.sqrt(norm) : 1;
      for (let j = 0; j < dim; j++) data[i * dim + j] = out[j] * scale;
    }
    return { rows: texts.length, dim, data };
  }

  /** Splits texts into model-sized windows: one (truncated) window, or overlapping windows. */
  private windowsOf(encoded: Pieces[]): Window[] {
    const capacity = this.maxLength - 2;
    const { clsId, sepId } = this.tokenizer;
    const windows: Window[] = [];
    const make = (text: number, ids: Pieces['ids'], first: number, end: number): Window => {
      const out = new Int32Array(end - first + 2);
      out[0] = clsId;
      for (let k = first; k < end; k++) out[k - first + 1] = ids[k];
      out[out.length - 1] = sepId;
      return { text, firstPiece: first, ids: out };
    };
    for (let i = 0; i < encoded.length; i++) {
      const n = encoded[i].ids.length;
      if (n <= capacity || this.long === 'truncate') {
        windows.push(make(i, encoded[i].ids, 0, Math.min(n, capacity)));
        continue;
      }
      const step = capacity - this.stride;
      for (let first = 0; ; first += step) {
        const end = Math.min(n, first + capacity);
        windows.push(make(i, encoded[i].ids, first, end));
        if (end >= n) break;
      }
    }
    return windows;
  }

  /**
   * Runs windows through the encoder in batches of similar length (sorting cuts padding) and
   * hands each window's hidden states — averaged over the last `layers` layers — to `visit`.
   */
  private async runWindows(
    windows: Window[],
    layers: number,
    signal: AbortSignal | undefined,
    visit: (window: Window, hidden: Float32Array, offset: number) => void,
  ): Promise<void> {
    const order = windows.map((_, i) => i);
    if (this.opts.sortByLength !== false) order.sort((a, b) => windows[b].ids.length - windows[a].ids.length);
    const h = this.hiddenSize;
    const pad = BigInt(this.config.padTokenId);
    const batches = Math.ceil(order.length / this.batchSize);
    const running: { members: Window[]; length: number; states: Promise<Float32Array[]> }[] = [];
    const submit = (b: number) => {
      const members = order.slice(b * this.batchSize, (b + 1) * this.batchSize).map((i) => windows[i]);
      let length = 0;
      for (const w of members) length = Math.max(length, w.ids.length);
      const batch: EncoderBatch = {
        rows: members.length,
        length,
        ids: new BigInt64Array(members.length * length).fill(pad),
        mask: new BigInt64Array(members.length * length),
      };
      members.forEach((w, r) => {
        for (let t = 0; t < w.ids.length; t++) {
          batch.ids[r * length + t] = BigInt(w.ids[t]);
          batch.mask[r * length + t] = 1n;
        }
      });
      const states = this.runBatch(batch, layers);
      // awaited in order below; a rejection is handled there
      states.catch(() => {});
      running.push({ members, length, states });
    };
    // Batches in flight: one more than the pool has sessions, so a freed session finds the next
    // batch waiting while this thread pools the previous one (2 without a pool: the overlap is
    // what tells runBatch that bulk work is under way). Results are taken in order.
    let submitted = 0;
    for (let b = 0; b < batches; b++) {
      throwIfAborted(signal);
      while (submitted < batches && submitted - b < (this.pool?.size ?? 1) + 1) submit(submitted++);
      const { members, length, states: pending } = running[b];
      running[b] = undefined as never;
      const states = await pending;
      let hidden = states[states.length - 1];
      if (states.length > 1) {
        hidden = new Float32Array(hidden.length);
        for (const s of states) for (let k = 0; k < s.length; k++) hidden[k] += s[k];
        for (let k = 0; k < hidden.length; k++) hidden[k] /= states.length;
      }
      for (let r = 0; r < members.length; r++) visit(members[r], hidden, r * length * h);
    }
  }
}
