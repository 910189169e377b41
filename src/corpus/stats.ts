import { throwIfAborted } from '../errors.js';
import { countScripts, guessFromCounts, type LanguageGuess, type ScriptCounts } from '../text/language.js';
import { stopwordsFor } from '../text/stopwords.js';
import { words } from '../text/tokenize.js';
import type { Document } from './types.js';

export interface WordCount {
  word: string;
  count: number;
}

export interface CorpusStats {
  documents: number;
  /** Word tokens (the tokenizer's `words`). */
  tokens: number;
  /** Distinct lowercased word tokens. */
  types: number;
  /** UTF-16 code units of document text. */
  characters: number;
  tokensPerDocument: { min: number; mean: number; max: number };
  /** Corpus-level guess from the Cyrillic/Latin letter counts. */
  language: LanguageGuess;
  scripts: ScriptCounts;
  /** Most frequent lowercased words, stop words (Russian + English) and letterless tokens left out. */
  topWords: WordCount[];
}

export interface StatsOptions {
  /** How many top words to keep (default 20). */
  top?: number;
  /** Words left out of `topWords` (default: Russian and English stop words of stopwords-iso). */
  stopwords?: ReadonlySet<string>;
  signal?: AbortSignal;
}

const HAS_LETTER = /\p{L}/u;

/** One pass over the documents; memory grows with the vocabulary, not with the corpus. */
export async function computeCorpusStats(
  documents: AsyncIterable<Document> | Iterable<Document>,
  options: StatsOptions = {},
): Promise<CorpusStats> {
  const counts = new Map<string, number>();
  const scripts: ScriptCounts = { cyrillic: 0, latin: 0 };
  let docs = 0;
  let tokens = 0;
  let characters = 0;
  let minTokens = Number.POSITIVE_INFINITY;
  let maxTokens = 0;
  for await (const doc of documents) {
    if ((docs & 255) === 0) throwIfAborted(options.signal);
    docs++;
    characters += doc.text.length;
    countScripts(doc.text, scripts);
    const list = words(doc.text);
    tokens += list.length;
    if (list.length < minTokens) minTokens = list.length;
    if (list.length > maxTokens) maxTokens = list.length;
    for (const w of list) {
      const key = w.toLowerCase();
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return {
    documents: docs,
    tokens,
    types: counts.size,
    characters,
    tokensPerDocument: {
      min: docs === 0 ? 0 : minTokens,
      mean: docs === 0 ? 0 : tokens / docs,
      max: maxTokens,
    },
    language: guessFromCounts(scripts),
    scripts,
    topWords: topWords(counts, options.top ?? 20, options.stopwords ?? stopwordsFor(['ru', 'en'])),
  };
}

function topWords(counts: Map<string, number>, k: number, stop: ReadonlySet<string>): WordCount[] {
  const out: WordCount[] = [];
  for (const [word, count] of counts) {
    if (stop.has(word) || !HAS_LETTER.test(word)) continue;
    out.push({ word, count });
  }
  out.sort((a, b) => b.count - a.count || (a.word < b.word ? -1 : a.word > b.word ? 1 : 0));
  return out.slice(0, k);
}
