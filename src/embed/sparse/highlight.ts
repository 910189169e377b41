import { tokenize } from '../../text/tokenize.js';
import { type AnalyzerConfig, SKLEARN_TOKEN_PATTERN, termsOfWord } from './analyzer.js';

/** A character range [start, end) of a text (UTF-16 offsets, as `String.prototype.slice`). */
export interface TextSpan {
  start: number;
  end: number;
}

/** Words of a text with their offsets, cut the way the analyzer's tokenizer cuts them. */
function wordsWithOffsets(text: string, c: AnalyzerConfig): { text: string; start: number; end: number }[] {
  if (c.tokenizer === 'smysl') return tokenize(text).filter((t) => t.type !== 'punct');
  const re =
    c.tokenizer === 'sklearn'
      ? new RegExp(SKLEARN_TOKEN_PATTERN.source, 'gu')
      : new RegExp(c.tokenizer.pattern, c.tokenizer.flags);
  return Array.from(text.matchAll(re), (m) => ({ text: m[0], start: m.index, end: m.index + m[0].length }));
}

/**
 * Finds the words of `text` that a query matches under an analyzer: a word matches when one of
 * its terms (stem or lemmas, after stop words) is a term of a query word. This is the index's
 * own notion of "the same word", so «рецепт борща» marks «Борщ» and «замок» marks «замке» with
 * the lemma analyzer; an ambiguous form matches through any of its readings. Character analyzers fall back to the word analyzer with the same case
 * and stop-word settings (n-grams do not say which words matched).
 */
export class Highlighter {
  private readonly config: AnalyzerConfig;
  private readonly terms: (token: string) => readonly string[];

  /** `config`: the analyzer of the index (e.g. a fitted vectorizer's `analyzerConfig`). */
  constructor(config: AnalyzerConfig) {
    const word: AnalyzerConfig =
      config.analyzer === 'word' ? config : { ...config, analyzer: 'word', ngramRange: [1, 1] };
    // every reading of an ambiguous form counts for matching: «стали» is marked for «сталь» and «стать»
    this.config = word.lemma ? { ...word, lemma: 'all' } : word;
    this.terms = termsOfWord(this.config);
  }

  /** The set of terms a query asks for. */
  queryTerms(query: string): Set<string> {
    const out = new Set<string>();
    for (const w of wordsWithOffsets(query, this.config))
      for (const t of this.terms(this.config.lowercase ? w.text.toLowerCase() : w.text)) out.add(t);
    return out;
  }

  /** Whether a single word (as written) is a form of one of `terms`. */
  matchesWord(word: string, terms: ReadonlySet<string>): boolean {
    const w = this.config.lowercase ? word.toLowerCase() : word;
    for (const t of this.terms(w)) if (terms.has(t)) return true;
    return false;
  }

  /** The spans of `text` to mark for `query` (or for a precomputed term set), in order. */
  spans(text: string, query: string | ReadonlySet<string>): TextSpan[] {
    const terms = typeof query === 'string' ? this.queryTerms(query) : query;
    if (terms.size === 0) return [];
    const out: TextSpan[] = [];
    for (const w of wordsWithOffsets(text, this.config))
      if (this.matchesWord(w.text, terms)) out.push({ start: w.start, end: w.end });
    return out;
  }
}
