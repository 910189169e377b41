import { existsSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import { SmyslError } from '../../errors.js';
import {
  type AddedToken,
  BertNormalizer,
  BertPreTokenizer,
  PostProcessor,
  Tokenizer,
  WordPieceModel,
} from '../../text/subword/index.js';

/** Word pieces of one text, without special tokens, with UTF-16 offsets into the text. */
export interface Pieces {
  ids: ArrayLike<number>;
  starts: ArrayLike<number>;
  ends: ArrayLike<number>;
}

/** What the encoder needs from a tokenizer: pieces with offsets, and the special token ids. */
export interface PieceTokenizer {
  encodePieces(text: string): Pieces;
  readonly clsId: number;
  readonly sepId: number;
}

/**
 * The model's tokenizer — the text stage's Hugging Face-compatible `Tokenizer` — read from
 * tokenizer.json, or assembled from a BERT vocab.txt (BERT normalizer and pre-tokenizer,
 * WordPiece; lowercasing from tokenizer_config.json's do_lower_case when present, else on
 * unless the vocabulary has cased entries).
 */
export async function loadPieceTokenizer(file: string): Promise<PieceTokenizer> {
  const tokenizer =
    path.basename(file) === 'vocab.txt' ? await fromVocabTxt(file) : await Tokenizer.load(file);
  return adapt(tokenizer, file);
}

export function adapt(tokenizer: Tokenizer, source = 'tokenizer'): PieceTokenizer {
  const { clsId, sepId } = specialTokens(tokenizer, source);
  return {
    clsId,
    sepId,
    encodePieces(text: string): Pieces {
      const e = tokenizer.encode(text, { addSpecialTokens: false });
      const starts = new Int32Array(e.ids.length);
      const ends = new Int32Array(e.ids.length);
      for (let i = 0; i < e.ids.length; i++) {
        starts[i] = e.offsets[i][0];
        ends[i] = e.offsets[i][1];
      }
      return { ids: e.ids, starts, ends };
    },
  };
}

/**
 * The ids the encoder puts around every text. A post-processor decides them (BERT's
 * [CLS] $A [SEP], XLM-R's <s> $A </s>); a file without one falls back on the usual names. A
 * template of another shape is refused: the encoder would not see what the model was trained on.
 */
function specialTokens(tokenizer: Tokenizer, source: string): { clsId: number; sepId: number } {
  const post = tokenizer.postProcessor;
  if (post) {
    const single = post.single;
    const ids = (piece: (typeof single)[number] | undefined): number[] | undefined =>
      piece && 'special' in piece ? post.specialTokens.get(piece.special)?.ids : undefined;
    const first = ids(single[0]);
    const last = ids(single[2]);
    if (single.length === 3 && 'sequence' in single[1] && first?.length === 1 && last?.length === 1)
      return { clsId: first[0], sepId: last[0] };
    throw new SmyslError(
      'E_MODEL',
      `"post_processor" wraps a text as ${single.map((p) => ('special' in p ? p.special : `$${p.sequence}`)).join(' ')}; the encoder supports <cls> $A <sep> only`,
      { location: { source } },
    );
  }
  const special = (names: string[]): number => {
    for (const n of names) {
      const id = tokenizer.tokenToId(n);
      if (id !== undefined) return id;
    }
    throw new SmyslError('E_MODEL', `the tokenizer has none of ${names.join(', ')}`, {
      location: { source },
    });
  };
  return { clsId: special(['[CLS]', '<s>']), sepId: special(['[SEP]', '</s>']) };
}

async function fromVocabTxt(file: string): Promise<Tokenizer> {
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (e) {
    throw new SmyslError('E_IO', `cannot read ${file}: ${(e as Error).message}`, { cause: e });
  }
  const tokens = text.split(/\r?\n/);
  if (tokens[tokens.length - 1] === '') tokens.pop();
  const vocab = new Map<string, number>();
  tokens.forEach((t, i) => {
    if (!vocab.has(t)) vocab.set(t, i);
  });
  for (const need of ['[UNK]', '[CLS]', '[SEP]'])
    if (!vocab.has(need))
      throw new SmyslError('E_FORMAT', `vocab.txt has no ${need} entry`, { location: { source: file } });
  let lowercase: boolean | undefined;
  const configFile = path.join(path.dirname(file), 'tokenizer_config.json');
  if (existsSync(configFile)) {
    try {
      const config = JSON.parse(await fsp.readFile(configFile, 'utf8')) as { do_lower_case?: unknown };
      if (typeof config.do_lower_case === 'boolean') lowercase = config.do_lower_case;
    } catch {
      // a broken tokenizer_config.json only loses the hint; the vocabulary decides below
    }
  }
  lowercase ??= !tokens.some((t) => !/^\[.*\]$/.test(t) && t !== t.toLowerCase());
  const addedTokens: AddedToken[] = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']
    .filter((t) => vocab.has(t))
    .map((content) => ({
      id: vocab.get(content) as number,
      content,
      special: true,
      singleWord: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
    }));
  return new Tokenizer({
    model: new WordPieceModel(vocab, { unkToken: '[UNK]' }),
    normalizer: new BertNormalizer({ lowercase }),
    preTokenizer: new BertPreTokenizer(),
    postProcessor: PostProcessor.bert(
      ['[CLS]', vocab.get('[CLS]') as number],
      ['[SEP]', vocab.get('[SEP]') as number],
    ),
    addedTokens,
  });
}
