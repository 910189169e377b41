import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { KeyedVectors } from '../embed/static/keyed-vectors.js';
import { SmyslError } from '../errors.js';
import { pearson, spearman } from './correlation.js';

export interface WordPair {
  word1: string;
  word2: string;
  score: number;
  /** 1-based line in the source file. */
  line: number;
}

export interface WordPairSet {
  name: string;
  source: string;
  pairs: WordPair[];
}

const WORD1 = /^(word ?1|w1|first)$/i;
const WORD2 = /^(word ?2|w2|second)$/i;
const SCORE = /^(sim|similarity|score|human.*|relatedness|mean|gold)$/i;
/** MEN's `word-n` / `word-v` / `word-j` part-of-speech suffixes. */
const POS_SUFFIX = /-[nvjar]$/;

/**
 * Reads a word-pair similarity file in any of the common layouts: TSV `w1 w2 score` with `#`
 * comments (WordSim-353, SimLex-999 as gensim ships them), CSV with a header naming the columns
 * (`word1,word2,sim` of RUSSE, `,word1,word2,similarity` of the vecto benchmarks: RG-65, MEN,
 * RuSimLex-965) and MEN's `word-n` part-of-speech suffixes, which are removed.
 */
export async function readWordPairs(file: string): Promise<WordPairSet> {
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (e) {
    throw new SmyslError('E_IO', `cannot read ${file}: ${(e as Error).message}`, { cause: e });
  }
  const lines = text.split(/\r?\n/);
  let columns: { word1: number; word2: number; score: number } | undefined;
  let delimiter: string | undefined;
  const pairs: WordPair[] = [];
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i];
    if (raw.trim() === '' || raw.startsWith('#')) continue;
    delimiter ??= raw.includes('\t') ? '\t' : raw.includes(',') ? ',' : ' ';
    const fields = (delimiter === ' ' ? raw.trim().split(/\s+/) : raw.split(delimiter)).map((f) => f.trim());
    if (!columns) {
      const w1 = fields.findIndex((f) => WORD1.test(f));
      const w2 = fields.findIndex((f) => WORD2.test(f));
      const sc = fields.findIndex((f) => SCORE.test(f));
      if (w1 >= 0 && w2 >= 0 && sc >= 0) {
        columns = { word1: w1, word2: w2, score: sc };
        continue;
      }
      // No header: "w1 w2 score" or "index,w1,w2,score".
      columns =
        fields.length >= 4 && /^\d+$/.test(fields[0])
          ? { word1: 1, word2: 2, score: 3 }
          : { word1: 0, word2: 1, score: 2 };
    }
    const score = Number(fields[columns.score]);
    const word1 = fields[columns.word1];
    const word2 = fields[columns.word2];
    if (
      !word1 ||
      !word2 ||
      fields[columns.score] === undefined ||
      fields[columns.score] === '' ||
      !Number.isFinite(score)
    )
      throw new SmyslError(
        'E_INPUT',
        `expected two words and a numeric score, found ${JSON.stringify(raw.slice(0, 80))}`,
        {
          location: { source: file, line: i + 1 },
        },
      );
    pairs.push({ word1, word2, score, line: i + 1 });
  }
  if (pairs.length === 0)
    throw new SmyslError('E_INPUT', 'no word pairs found', { location: { source: file } });
  if (pairs.every((p) => POS_SUFFIX.test(p.word1) && POS_SUFFIX.test(p.word2)))
    for (const p of pairs) {
      p.word1 = p.word1.replace(POS_SUFFIX, '');
      p.word2 = p.word2.replace(POS_SUFFIX, '');
    }
  return { name: path.basename(file).replace(/\.[^.]+$/, ''), source: file, pairs };
}

export interface VocabularyOptions {
  /** Only the first `restrictVocab` words take part, as gensim's restrict_vocab (default 300000). */
  restrictVocab?: number;
  /** Compare words upper-cased, as gensim's case_insensitive (default true). */
  caseInsensitive?: boolean;
}

/**
 * gensim's evaluation vocabulary: the first `restrictVocab` words, keyed upper-cased when case
 * folding, where the most frequent (earliest) spelling of a folded word wins.
 */
export function evaluationVocabulary(kv: KeyedVectors, options: VocabularyOptions = {}): Map<string, number> {
  const limit = Math.min(kv.size, options.restrictVocab ?? 300000);
  const fold = options.caseInsensitive ?? true;
  const vocab = new Map<string, number>();
  for (let i = 0; i < limit; i++) {
    const key = fold ? kv.words[i].toUpperCase() : kv.words[i];
    if (!vocab.has(key)) vocab.set(key, i);
  }
  return vocab;
}

export interface WordPairResult {
  name: string;
  source: string;
  pairs: number;
  /** Pairs whose both words are in the (restricted, folded) vocabulary. */
  covered: number;
  coverage: number;
  spearman: number;
  pearson: number;
}

/** Spearman and Pearson between human scores and cosine similarities over the covered pairs. */
export function evaluateWordPairs(
  kv: KeyedVectors,
  set: WordPairSet,
  options: VocabularyOptions = {},
): WordPairResult {
  const vocab = evaluationVocabulary(kv, options);
  const fold = options.caseInsensitive ?? true;
  const gold: number[] = [];
  const model: number[] = [];
  const unit = kv.unitVectors;
  const dim = kv.dim;
  for (const p of set.pairs) {
    const a = vocab.get(fold ? p.word1.toUpperCase() : p.word1);
    const b = vocab.get(fold ? p.word2.toUpperCase() : p.word2);
    if (a === undefined || b === undefined) continue;
    let s = 0;
    for (let k = 0; k < dim; k++) s += unit[a * dim + k] * unit[b * dim + k];
    gold.push(p.score);
    model.push(s);
  }
  const covered = gold.length;
  return {
    name: set.name,
    source: set.source,
    pairs: set.pairs.length,
    covered,
    coverage: covered / set.pairs.length,
    spearman: covered >= 2 ? spearman(gold, model) : Number.NaN,
    pearson: covered >= 2 ? pearson(gold, model) : Number.NaN,
  };
}
