import { SmyslError } from '../../errors.js';
import { lemmas } from '../../text/lemma.js';
import { charNgrams, charWbNgrams, wordNgrams } from '../../text/ngrams.js';
import { stem as snowballStem } from '../../text/stem.js';
import { type Language, stopwordsFor } from '../../text/stopwords.js';
import { words } from '../../text/tokenize.js';

/**
 * scikit-learn's default `token_pattern`, `(?u)\b\w\w+\b`, in JavaScript. Python's Unicode `\w`
 * is "letter, number or underscore" (str.isalnum() or "_"); JavaScript's `\w` and `\b` are ASCII
 * even under the `u` flag, so the class is spelled with property escapes. A maximal run of word
 * characters is what `\b…\b` delimits, and `{2,}` counts code points as Python does.
 */
export const SKLEARN_TOKEN_PATTERN = /[\p{L}\p{N}_]{2,}/gu;

export type AnalyzerKind = 'word' | 'char' | 'char_wb';

/** How text becomes terms; shared by every sparse vectorizer and BM25, at fit and at query time. */
export interface AnalyzerOptions {
  /** 'word' (default), or character n-grams over the text ('char') or inside words ('char_wb'). */
  analyzer?: AnalyzerKind;
  /** Inclusive n-gram range [min, max]; default [1, 1]. */
  ngramRange?: readonly [number, number];
  /** Lowercase before tokenizing (default true). */
  lowercase?: boolean;
  /**
   * Word tokenizer: 'sklearn' (default; scikit-learn's token pattern, exact), 'smysl' (the
   * project's Russian/English tokenizer, `words()` from the text stage), or a RegExp whose
   * matches are the tokens (must have the `g` flag).
   */
  tokenizer?: 'sklearn' | 'smysl' | RegExp;
  /** Stop words removed before n-grams: a language ('en', 'ru', 'auto' = both) or a list. */
  stopWords?: Language | 'auto' | readonly string[] | null;
  /** Snowball-stem word tokens (after stop-word removal): true/'auto' picks the stemmer by script. */
  stem?: boolean | Language | 'auto';
  /**
   * Russian words become their OpenCorpora lemmas (npm `az`); other words are stemmed as `stem`
   * says. 'all' keeps every dictionary reading as a term («стали» → стать, сталь); 'best' (or
   * true) keeps the most likely one, which ranks better (docs/sparse.md). Default false.
   */
  lemma?: boolean | 'best' | 'all';
}

/** The analyzer options in plain JSON form, as saved in a model manifest. */
export interface AnalyzerConfig {
  analyzer: AnalyzerKind;
  ngramRange: [number, number];
  lowercase: boolean;
  tokenizer: 'sklearn' | 'smysl' | { pattern: string; flags: string };
  stopWords: Language | 'auto' | string[] | null;
  stem: false | Language | 'auto';
  /** Absent in manifests written before lemmas existed (= false). */
  lemma?: 'best' | 'all';
}

export function analyzerConfig(o: AnalyzerOptions = {}): AnalyzerConfig {
  const ngramRange: [number, number] = o.ngramRange ? [o.ngramRange[0], o.ngramRange[1]] : [1, 1];
  const [lo, hi] = ngramRange;
  if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < 1 || hi < lo)
    throw new SmyslError('E_USAGE', `ngramRange must be [min, max] with 1 <= min <= max, got [${lo}, ${hi}]`);
  const analyzer = o.analyzer ?? 'word';
  if (analyzer !== 'word' && analyzer !== 'char' && analyzer !== 'char_wb')
    throw new SmyslError('E_USAGE', `analyzer must be word, char or char_wb, got ${String(analyzer)}`);
  let tokenizer: AnalyzerConfig['tokenizer'] = 'sklearn';
  if (o.tokenizer instanceof RegExp) {
    if (!o.tokenizer.global) throw new SmyslError('E_USAGE', 'a tokenizer RegExp needs the g flag');
    tokenizer = { pattern: o.tokenizer.source, flags: o.tokenizer.flags };
  } else if (o.tokenizer !== undefined) tokenizer = o.tokenizer;
  const stem = o.stem === true ? 'auto' : (o.stem ?? false);
  const stopWords =
    o.stopWords == null ? null : typeof o.stopWords === 'string' ? o.stopWords : [...o.stopWords];
  const out: AnalyzerConfig = {
    analyzer,
    ngramRange,
    lowercase: o.lowercase ?? true,
    tokenizer,
    stopWords,
    stem,
  };
  // written only when on, so manifests of analyzers without lemmas stay as they were
  if (o.lemma) out.lemma = o.lemma === 'all' ? 'all' : 'best';
  return out;
}

/** Turns a text into its list of terms (with repeats, in order). */
export type Analyze = (text: string) => string[];

/**
 * Builds the analyzer: lowercase → tokenize → drop stop words → stem → n-grams, which is
 * scikit-learn's order (it has no stemming; stems are taken after stop words so that the stop
 * list, which holds surface forms, still applies).
 */
export function buildAnalyzer(options: AnalyzerOptions = {}): Analyze {
  return analyzerFromConfig(analyzerConfig(options));
}

const SURROGATES = /[\uD800-\uDFFF]/;
const MULTI_SPACE = /\s\s+/gu;
const SPACES = /\s+/u;

/**
 * `charNgrams` for text without surrogate pairs, where a code point is one UTF-16 unit, so
 * n-grams are plain slices (no array of characters, no joins). Same output, same order.
 */
function bmpCharNgrams(text: string, minN: number, maxN: number): string[] {
  const s = text.replace(MULTI_SPACE, ' ');
  const len = s.length;
  const out: string[] = [];
  for (let n = minN; n <= Math.min(maxN, len); n++)
    for (let i = 0; i + n <= len; i++) out.push(s.slice(i, i + n));
  return out;
}

/** `charWbNgrams` for text without surrogate pairs (see bmpCharNgrams). */
function bmpCharWbNgrams(text: string, minN: number, maxN: number): string[] {
  const out: string[] = [];
  for (const word of text.replace(MULTI_SPACE, ' ').split(SPACES)) {
    if (word === '') continue;
    const w = ` ${word} `;
    const wl = w.length;
    for (let n = minN; n <= maxN; n++) {
      let offset = 0;
      out.push(w.slice(0, n));
      while (offset + n < wl) {
        offset++;
        out.push(w.slice(offset, offset + n));
      }
      if (offset === 0) break;
    }
  }
  return out;
}

/** The analyzer a saved configuration describes. */
export function analyzerFromConfig(c: AnalyzerConfig): Analyze {
  const [minN, maxN] = c.ngramRange;
  const lower = c.lowercase;
  if (c.analyzer === 'char')
    return (text) => {
      const t = lower ? text.toLowerCase() : text;
      return SURROGATES.test(t) ? charNgrams(t, minN, maxN) : bmpCharNgrams(t, minN, maxN);
    };
  if (c.analyzer === 'char_wb')
    return (text) => {
      const t = lower ? text.toLowerCase() : text;
      return SURROGATES.test(t) ? charWbNgrams(t, minN, maxN) : bmpCharWbNgrams(t, minN, maxN);
    };
  const tokens = wordTokensFromConfig(c)!;
  if (minN === 1 && maxN === 1) return tokens;
  if (!c.lemma) return (text) => wordNgrams(tokens(text), minN, maxN);
  // lemmas: unigrams keep every reading, longer n-grams use each word's most likely lemma
  const all = wordTokensFromConfig({ ...c, ngramRange: [1, 1] })!;
  return (text) => {
    const grams = minN > 1 ? [] : all(text);
    if (maxN > 1) for (const g of wordNgrams(tokens(text), Math.max(2, minN), maxN)) grams.push(g);
    return grams;
  };
}

/**
 * For the word analyzer, the tokens before n-grams are formed (lowercased, stop words dropped,
 * stemmed); null for character analyzers. Counting code forms n-grams from token ids itself.
 * With lemmas a word can give several terms: all of them are unigrams, and n-grams are formed
 * from each word's most likely lemma (see `analyzerFromConfig`).
 */
export function wordTokensFromConfig(c: AnalyzerConfig): ((text: string) => string[]) | null {
  if (c.analyzer !== 'word') return null;
  const lower = c.lowercase;
  const tokenize = tokenizerFor(c.tokenizer);
  const { stop, stem } = wordPipeline(c);
  if (c.lemma) {
    const terms = termsOfWord(c);
    const [minN, maxN] = c.ngramRange;
    return (text) => {
      const out: string[] = [];
      for (const t of tokenize(lower ? text.toLowerCase() : text)) {
        const ts = terms(t);
        if (minN === 1 && maxN === 1) for (let i = 0; i < ts.length; i++) out.push(ts[i]);
        else if (ts.length > 0) out.push(ts[0]);
      }
      return out;
    };
  }
  const stemLang = c.stem;
  const stemOf = stem!;
  if (!stop && !stemLang) return (text) => tokenize(lower ? text.toLowerCase() : text);
  return (text) => {
    let tokens = tokenize(lower ? text.toLowerCase() : text);
    if (stop) tokens = tokens.filter((t) => !stop.has(t));
    if (stemLang) for (let i = 0; i < tokens.length; i++) tokens[i] = stemOf(tokens[i]);
    return tokens;
  };
}

const NO_TERMS: readonly string[] = [];
const CYRILLIC = /[\u0400-\u04FF]/;

/**
 * The terms one token (already lowercased when the analyzer lowercases) becomes: none for a stop
 * word, else its lemmas (Russian, with `lemma`), its stem, or itself. This is what matching word
 * forms means everywhere — highlighting a hit, finding a word in a sentence — so that every
 * place agrees with the index about which forms are one word.
 */
export function termsOfWord(c: AnalyzerConfig): (token: string) => readonly string[] {
  const { stop, stem } = wordPipeline(c);
  const lemma = c.lemma;
  return (token) => {
    if (stop?.has(token)) return NO_TERMS;
    if (lemma && CYRILLIC.test(token)) {
      const all = lemmas(token);
      return lemma === 'all' || all.length === 1 ? all : all.slice(0, 1);
    }
    return [stem ? stem(token) : token];
  };
}

/** Stop-word set and (caching) stemmer of a word analyzer. */
export function wordPipeline(c: AnalyzerConfig): {
  lowercase: boolean;
  stop: ReadonlySet<string> | null;
  stem: ((word: string) => string) | null;
} {
  const stemLang = c.stem;
  const stemCache = new Map<string, string>();
  const stem = (w: string): string => {
    let s = stemCache.get(w);
    if (s === undefined) {
      s = snowballStem(w, stemLang || 'auto');
      if (stemCache.size > 1_000_000) stemCache.clear();
      stemCache.set(w, s);
    }
    return s;
  };
  return { lowercase: c.lowercase, stop: stopSet(c.stopWords), stem: stemLang ? stem : null };
}

function tokenizerFor(t: AnalyzerConfig['tokenizer']): (text: string) => string[] {
  if (t === 'sklearn') return (text) => text.match(SKLEARN_TOKEN_PATTERN) ?? [];
  if (t === 'smysl') return words;
  let re: RegExp;
  try {
    re = new RegExp(t.pattern, t.flags);
  } catch (e) {
    throw new SmyslError('E_USAGE', `bad tokenizer pattern /${t.pattern}/: ${(e as Error).message}`);
  }
  return (text) => text.match(re) ?? [];
}

function stopSet(s: AnalyzerConfig['stopWords']): ReadonlySet<string> | null {
  if (s === null) return null;
  if (s === 'auto') return stopwordsFor(['ru', 'en']);
  if (s === 'en' || s === 'ru') return stopwordsFor([s]);
  return new Set(s);
}
