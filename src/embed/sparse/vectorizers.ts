import path from 'node:path';
import type { Document } from '../../corpus/types.js';
import { SmyslError, throwIfAborted } from '../../errors.js';
import { readJsonFile, writeFileAtomic } from '../../util/fs.js';
import type { SparseMatrix } from '../../vectors/types.js';
import type { FitOptions, SparseEmbedder } from '../types.js';
import {
  type Analyze,
  type AnalyzerConfig,
  type AnalyzerOptions,
  analyzerConfig,
  analyzerFromConfig,
  wordPipeline,
  wordTokensFromConfig,
} from './analyzer.js';
import {
  type CountingAnalyzer,
  checkLimit,
  type DocumentFrequencyLimit,
  pruneVocabulary,
  sortedIds,
  TermCounter,
  TermList,
  WordGramTable,
} from './vocabulary.js';

export const SPARSE_MODEL_FORMAT = 1;
export const MANIFEST = 'manifest.json';

export interface CountVectorizerOptions extends AnalyzerOptions {
  /** Presence (1) instead of counts. */
  binary?: boolean;
  /** Keep terms in at least this many documents (integer) or this fraction of them; default 1. */
  minDf?: DocumentFrequencyLimit;
  /** Keep terms in at most this many documents (integer) or this fraction; default every document. */
  maxDf?: DocumentFrequencyLimit;
  /** Keep only the most frequent terms (total count over the corpus). */
  maxFeatures?: number | null;
  /** A fixed vocabulary: column i is term i; fit then learns only document statistics. */
  vocabulary?: readonly string[] | null;
}

export interface TfidfVectorizerOptions extends CountVectorizerOptions {
  /** Row normalization (default 'l2'). */
  norm?: 'l2' | 'l1' | 'none';
  /** Multiply by idf (default true). */
  useIdf?: boolean;
  /** idf = ln((1+n)/(1+df)) + 1 (default) instead of ln(n/df) + 1. */
  smoothIdf?: boolean;
  /** Replace tf by 1 + ln(tf). */
  sublinearTf?: boolean;
}

export interface Bm25Options extends CountVectorizerOptions {
  /** Term-frequency saturation (default 1.2). */
  k1?: number;
  /** Length normalization (default 0.75). */
  b?: number;
  /** 'okapi' (default), 'plus' (BM25+, adds delta to every matching term) or 'l' (BM25L). */
  variant?: 'okapi' | 'plus' | 'l';
  /** BM25+ / BM25L delta (defaults 1 and 0.5). */
  delta?: number;
}

type Input = readonly string[] | Iterable<Document> | AsyncIterable<Document>;

interface CommonConfig {
  analyzer: AnalyzerConfig;
  binary: boolean;
  minDf: DocumentFrequencyLimit;
  maxDf: DocumentFrequencyLimit;
  maxFeatures: number | null;
  fixedVocabulary: string[] | null;
}

function commonConfig(o: CountVectorizerOptions): CommonConfig {
  const minDf = o.minDf ?? 1;
  const maxDf = o.maxDf ?? { fraction: 1 };
  checkLimit('minDf', minDf);
  checkLimit('maxDf', maxDf);
  const maxFeatures = o.maxFeatures ?? null;
  if (maxFeatures !== null && !(Number.isInteger(maxFeatures) && maxFeatures > 0))
    throw new SmyslError('E_USAGE', `maxFeatures must be a positive integer, got ${maxFeatures}`);
  let fixedVocabulary: string[] | null = null;
  if (o.vocabulary) {
    fixedVocabulary = [...o.vocabulary];
    const seen = new Set<string>();
    for (const t of fixedVocabulary) {
      if (seen.has(t)) throw new SmyslError('E_USAGE', `vocabulary contains "${t}" twice`);
      seen.add(t);
    }
    if (fixedVocabulary.length === 0) throw new SmyslError('E_USAGE', 'the fixed vocabulary is empty');
  }
  return {
    analyzer: analyzerConfig(o),
    binary: o.binary ?? false,
    minDf,
    maxDf,
    maxFeatures,
    fixedVocabulary,
  };
}

function isStringArray(x: Input): x is readonly string[] {
  return Array.isArray(x) && (x.length === 0 || typeof x[0] === 'string');
}

/**
 * What bag-of-words, TF-IDF and BM25 share: an analyzer, a learned (or fixed) vocabulary, and
 * document statistics; subclasses only say how raw counts become weights.
 */
abstract class VocabularyVectorizer implements SparseEmbedder {
  abstract readonly name: string;
  readonly kind = 'sparse' as const;
  protected readonly common: CommonConfig;
  protected readonly analyze: Analyze;
  protected readonly counting: CountingAnalyzer;
  protected terms: string[] | null = null;
  private termList: TermList | null = null;
  /** Word n-grams as integers, when the tokenizer allows it (see WordGramTable). */
  protected grams: WordGramTable | null = null;

  constructor(options: CountVectorizerOptions) {
    this.common = commonConfig(options);
    this.analyze = analyzerFromConfig(this.common.analyzer);
    // lemmas can make several terms of one word, which the token-id fast paths do not model
    const fast = this.common.analyzer.tokenizer === 'sklearn' && !this.common.analyzer.lemma;
    this.counting = {
      analyze: this.analyze,
      // only scikit-learn's pattern guarantees tokens without spaces, which WordGramTable needs
      wordTokens: fast ? wordTokensFromConfig(this.common.analyzer) : null,
      surface: fast && this.common.analyzer.analyzer === 'word' ? wordPipeline(this.common.analyzer) : null,
      ngramRange: this.common.analyzer.ngramRange,
    };
    if (this.common.fixedVocabulary) this.setVocabulary(this.common.fixedVocabulary);
  }

  private get usesGrams(): boolean {
    return this.counting.wordTokens !== null && this.common.fixedVocabulary === null;
  }

  /** Column i's term (scikit-learn's `get_feature_names_out()`). */
  get vocabulary(): readonly string[] {
    return this.fitted().terms;
  }

  /** Column of a term, or undefined. */
  termIndex(term: string): number | undefined {
    const id = this.fitted().index.id(term);
    return id < 0 ? undefined : id;
  }

  get fittedState(): boolean {
    return this.terms !== null && this.hasStatistics();
  }

  /** How this vectorizer turns text into terms (as saved in its manifest). */
  get analyzerSettings(): AnalyzerConfig {
    return this.common.analyzer;
  }

  /** The terms a text is analyzed into (query-time analysis equals fit-time analysis). */
  analyzeText(text: string): string[] {
    return this.analyze(text);
  }

  /**
   * Learns the vocabulary and document statistics. With an array of strings it runs
   * synchronously and returns `this` (scikit-learn style); with documents (sync or async
   * iterables) it returns a Promise, as the Embedder contract says.
   */
  fit(texts: readonly string[]): this;
  fit(docs: Iterable<Document> | AsyncIterable<Document>, opts?: FitOptions): Promise<void>;
  fit(input: Input, opts?: FitOptions): this | Promise<void> {
    if (isStringArray(input)) {
      this.fitCounts(this.countAll(input));
      return this;
    }
    return this.countDocuments(input, opts).then((r) => {
      this.fitCounts(r);
    });
  }

  /** Fits and returns the matrix of the training texts in one pass (scikit-learn's fit_transform). */
  fitTransform(texts: readonly string[]): SparseMatrix {
    const counts = this.fitCounts(this.countAll(texts));
    return this.weigh(counts.counts, counts.lengths);
  }

  /** Vectors of texts over the fitted vocabulary; unknown terms are ignored. */
  transform(texts: readonly string[]): SparseMatrix {
    const r = this.countFitted(texts);
    return this.weigh(r.counts, r.lengths);
  }

  /** Raw counts over the fitted vocabulary. */
  protected countFitted(texts: readonly string[]): { counts: SparseMatrix; lengths: Float64Array } {
    const { terms } = this.fittedTerms();
    const counter = this.grams
      ? new TermCounter(this.counting, undefined, false, this.grams)
      : new TermCounter(this.counting, this.fitted().index.index, false);
    for (const t of texts) counter.add(t);
    const r = counter.finish();
    r.counts.cols = terms.length;
    return r;
  }

  async embed(texts: string[]): Promise<SparseMatrix> {
    return this.transform(texts);
  }

  /** Vectors for queries; the same as `transform` except for BM25 (query term counts). */
  transformQueries(texts: readonly string[]): SparseMatrix {
    return this.transform(texts);
  }

  async save(dir: string): Promise<void> {
    const { terms } = this.fitted();
    const manifest = {
      format: SPARSE_MODEL_FORMAT,
      method: this.name,
      analyzer: this.common.analyzer,
      binary: this.common.binary,
      minDf: this.common.minDf,
      maxDf: this.common.maxDf,
      maxFeatures: this.common.maxFeatures,
      fixedVocabulary: this.common.fixedVocabulary !== null,
      ...this.saveExtra(),
      vocabulary: terms,
    };
    await writeFileAtomic(path.join(dir, MANIFEST), JSON.stringify(manifest));
  }

  protected abstract weigh(counts: SparseMatrix, lengths: Float64Array): SparseMatrix;
  protected abstract learnStatistics(counts: SparseMatrix, lengths: Float64Array): void;
  protected abstract hasStatistics(): boolean;
  protected abstract saveExtra(): Record<string, unknown>;

  protected fittedTerms(): { terms: string[] } {
    if (!this.terms || !this.hasStatistics())
      throw new SmyslError('E_STATE', `${this.name} vectorizer is not fitted; call fit() first`);
    return { terms: this.terms };
  }

  /** The fitted vocabulary with its term → column map (built on first use). */
  protected fitted(): { terms: string[]; index: TermList } {
    const { terms } = this.fittedTerms();
    this.termList ??= new TermList(terms);
    return { terms, index: this.termList };
  }

  protected setVocabulary(terms: string[]): void {
    this.terms = terms;
    this.termList = null;
    this.grams = this.usesGrams ? WordGramTable.fromTerms(terms, this.common.analyzer.ngramRange) : null;
  }

  private countAll(texts: readonly string[]) {
    const counter = this.newCounter();
    for (const t of texts) counter.add(t);
    return counter;
  }

  private async countDocuments(docs: Iterable<Document> | AsyncIterable<Document>, opts?: FitOptions) {
    const counter = this.newCounter();
    let n = 0;
    for await (const d of docs as AsyncIterable<Document>) {
      counter.add(d.text);
      if (++n % 1000 === 0) {
        throwIfAborted(opts?.signal);
        opts?.onProgress?.({ phase: 'counting', done: n, unit: 'docs' });
      }
    }
    opts?.onProgress?.({ phase: 'counting', done: n, total: n, unit: 'docs' });
    return counter;
  }

  private newCounter(): TermCounter {
    const fixed = this.common.fixedVocabulary;
    if (this.usesGrams)
      return new TermCounter(
        this.counting,
        undefined,
        true,
        new WordGramTable(this.common.analyzer.ngramRange),
      );
    return new TermCounter(this.counting, fixed ? new Map(fixed.map((t, i) => [t, i])) : undefined, !fixed);
  }

  private fitCounts(counter: TermCounter): { counts: SparseMatrix; lengths: Float64Array } {
    const { counts, lengths } = counter.finish();
    if (this.common.binary) counts.data.fill(1);
    let result = counts;
    const prune = {
      minDf: this.common.minDf,
      maxDf: this.common.maxDf,
      maxFeatures: this.common.maxFeatures,
      binary: this.common.binary,
    };
    const grams = counter.grams;
    if (this.common.fixedVocabulary) {
      result.cols = this.common.fixedVocabulary.length;
      this.setVocabulary(this.common.fixedVocabulary);
    } else if (grams) {
      const r = pruneVocabulary(grams.sortedTermGrams(), grams.size, counts, prune);
      this.terms = Array.from(r.kept, (g) => grams.text(g));
      this.termList = null;
      grams.termOf = r.oldToNew;
      this.grams = grams;
      result = r.counts;
    } else {
      const r = pruneVocabulary(sortedIds(counter.terms), counter.terms.length, counts, prune);
      const termsById = counter.terms;
      this.setVocabulary(Array.from(r.kept, (id) => termsById[id]));
      result = r.counts;
    }
    this.learnStatistics(result, lengths);
    return { counts: result, lengths };
  }

  protected binarize(counts: SparseMatrix): SparseMatrix {
    if (this.common.binary) counts.data.fill(1);
    return counts;
  }
}

/** Bag of words: term counts (or presence with `binary`), scikit-learn's CountVectorizer. */
export class CountVectorizer extends VocabularyVectorizer {
  readonly name = 'bow';
  private fittedFlag = false;

  constructor(options: CountVectorizerOptions = {}) {
    super(options);
  }

  protected weigh(counts: SparseMatrix): SparseMatrix {
    return this.binarize(counts);
  }
  protected learnStatistics(): void {
    this.fittedFlag = true;
  }
  protected hasStatistics(): boolean {
    return this.fittedFlag || this.common.fixedVocabulary !== null;
  }
  protected saveExtra(): Record<string, unknown> {
    return {};
  }

  static async load(dir: string): Promise<CountVectorizer> {
    const m = await readManifest(dir, 'bow');
    const v = new CountVectorizer(optionsFromManifest(m));
    v.setVocabulary(m.vocabulary);
    v.fittedFlag = true;
    return v;
  }
}

/** TF-IDF exactly as scikit-learn's TfidfVectorizer (idf, sublinear tf, l1/l2 norms). */
export class TfidfVectorizer extends VocabularyVectorizer {
  readonly name = 'tfidf';
  readonly norm: 'l2' | 'l1' | 'none';
  readonly useIdf: boolean;
  readonly smoothIdf: boolean;
  readonly sublinearTf: boolean;
  /** Inverse document frequency per column (float64), once fitted. */
  idf: Float64Array | null = null;
  private fittedFlag = false;

  constructor(options: TfidfVectorizerOptions = {}) {
    super(options);
    this.norm = options.norm ?? 'l2';
    if (!['l2', 'l1', 'none'].includes(this.norm))
      throw new SmyslError('E_USAGE', `norm must be l2, l1 or none, got ${this.norm}`);
    this.useIdf = options.useIdf ?? true;
    this.smoothIdf = options.smoothIdf ?? true;
    this.sublinearTf = options.sublinearTf ?? false;
  }

  protected learnStatistics(counts: SparseMatrix): void {
    this.fittedFlag = true;
    if (!this.useIdf) return;
    const df = new Float64Array(counts.cols);
    const nnz = counts.indptr[counts.rows];
    for (let k = 0; k < nnz; k++) if (counts.data[k] !== 0) df[counts.indices[k]]++;
    const extra = this.smoothIdf ? 1 : 0;
    const n = counts.rows + extra;
    const idf = new Float64Array(counts.cols);
    for (let j = 0; j < counts.cols; j++) idf[j] = Math.log(n / (df[j] + extra)) + 1;
    this.idf = idf;
  }

  protected hasStatistics(): boolean {
    return this.fittedFlag;
  }

  protected weigh(counts: SparseMatrix): SparseMatrix {
    this.binarize(counts);
    const idf = this.useIdf ? this.idf : null;
    const sublinear = this.sublinearTf;
    const norm = this.norm;
    const data = counts.data;
    const indices = counts.indices;
    for (let i = 0; i < counts.rows; i++) {
      const s = counts.indptr[i];
      const e = counts.indptr[i + 1];
      // weights are computed in float64 and rounded to float32 once, after normalization
      let acc = 0;
      for (let k = s; k < e; k++) {
        let w = data[k];
        if (sublinear) w = Math.log(w) + 1;
        if (idf) w *= idf[indices[k]];
        acc += norm === 'l2' ? w * w : Math.abs(w);
      }
      const scale = norm === 'none' || acc === 0 ? 1 : norm === 'l2' ? Math.sqrt(acc) : acc;
      for (let k = s; k < e; k++) {
        let w = data[k];
        if (sublinear) w = Math.log(w) + 1;
        if (idf) w *= idf[indices[k]];
        data[k] = w / scale;
      }
    }
    return counts;
  }

  protected saveExtra(): Record<string, unknown> {
    return {
      norm: this.norm,
      useIdf: this.useIdf,
      smoothIdf: this.smoothIdf,
      sublinearTf: this.sublinearTf,
      idf: this.idf ? Array.from(this.idf) : null,
    };
  }

  static async load(dir: string): Promise<TfidfVectorizer> {
    const m = await readManifest(dir, 'tfidf');
    const v = new TfidfVectorizer({
      ...optionsFromManifest(m),
      norm: m.norm as TfidfVectorizerOptions['norm'],
      useIdf: m.useIdf as boolean,
      smoothIdf: m.smoothIdf as boolean,
      sublinearTf: m.sublinearTf as boolean,
    });
    v.setVocabulary(m.vocabulary);
    v.idf = Array.isArray(m.idf) ? Float64Array.from(m.idf as number[]) : null;
    if (v.useIdf && (!v.idf || v.idf.length !== m.vocabulary.length))
      throw new SmyslError('E_FORMAT', 'idf does not match the vocabulary', {
        location: { source: path.join(dir, MANIFEST) },
      });
    v.fittedFlag = true;
    return v;
  }
}

/**
 * Okapi BM25 (and BM25+ / BM25L) as sparse vectors: `transform` gives document vectors whose
 * entries are each term's BM25 contribution, `transformQueries` gives query term counts, and
 * their dot product is the BM25 score — so an inverted index scores queries without knowing BM25.
 * idf is Lucene's ln(1 + (N - df + 0.5)/(df + 0.5)) (never negative); BM25L uses
 * ln((N + 1)/(df + 0.5)).
 */
export class Bm25Vectorizer extends VocabularyVectorizer {
  readonly name = 'bm25';
  readonly k1: number;
  readonly b: number;
  readonly variant: 'okapi' | 'plus' | 'l';
  readonly delta: number;
  idf: Float64Array | null = null;
  averageLength = 0;

  constructor(options: Bm25Options = {}) {
    super(options);
    this.k1 = options.k1 ?? 1.2;
    this.b = options.b ?? 0.75;
    this.variant = options.variant ?? 'okapi';
    if (!['okapi', 'plus', 'l'].includes(this.variant))
      throw new SmyslError('E_USAGE', `BM25 variant must be okapi, plus or l, got ${this.variant}`);
    this.delta = options.delta ?? (this.variant === 'plus' ? 1 : this.variant === 'l' ? 0.5 : 0);
    if (!(this.k1 >= 0) || !(this.b >= 0 && this.b <= 1))
      throw new SmyslError('E_USAGE', `BM25 needs k1 >= 0 and 0 <= b <= 1 (got k1=${this.k1}, b=${this.b})`);
  }

  protected learnStatistics(counts: SparseMatrix, lengths: Float64Array): void {
    const n = counts.rows;
    const df = new Float64Array(counts.cols);
    const nnz = counts.indptr[counts.rows];
    for (let k = 0; k < nnz; k++) df[counts.indices[k]]++;
    const idf = new Float64Array(counts.cols);
    for (let j = 0; j < counts.cols; j++)
      idf[j] =
        this.variant === 'l'
          ? Math.log((n + 1) / (df[j] + 0.5))
          : Math.log(1 + (n - df[j] + 0.5) / (df[j] + 0.5));
    this.idf = idf;
    let total = 0;
    for (let i = 0; i < lengths.length; i++) total += lengths[i];
    this.averageLength = n > 0 ? total / n : 0;
  }

  protected hasStatistics(): boolean {
    return this.idf !== null;
  }

  protected weigh(counts: SparseMatrix, lengths: Float64Array): SparseMatrix {
    this.binarize(counts);
    const idf = this.idf!;
    const { k1, b, delta, variant } = this;
    const avg = this.averageLength || 1;
    for (let i = 0; i < counts.rows; i++) {
      const lengthNorm = 1 - b + (b * lengths[i]) / avg;
      for (let k = counts.indptr[i]; k < counts.indptr[i + 1]; k++) {
        const tf = counts.data[k];
        let w: number;
        if (variant === 'l') {
          const c = tf / lengthNorm;
          w = ((k1 + 1) * (c + delta)) / (k1 + c + delta);
        } else {
          w = (tf * (k1 + 1)) / (tf + k1 * lengthNorm) + delta;
        }
        counts.data[k] = idf[counts.indices[k]] * w;
      }
    }
    return counts;
  }

  /** Query vectors: how often each vocabulary term occurs in the query. */
  override transformQueries(texts: readonly string[]): SparseMatrix {
    return this.binarize(this.countFitted(texts).counts);
  }

  protected saveExtra(): Record<string, unknown> {
    return {
      k1: this.k1,
      b: this.b,
      variant: this.variant,
      delta: this.delta,
      averageLength: this.averageLength,
      idf: this.idf ? Array.from(this.idf) : null,
    };
  }

  static async load(dir: string): Promise<Bm25Vectorizer> {
    const m = await readManifest(dir, 'bm25');
    const v = new Bm25Vectorizer({
      ...optionsFromManifest(m),
      k1: m.k1 as number,
      b: m.b as number,
      variant: m.variant as Bm25Options['variant'],
      delta: m.delta as number,
    });
    v.setVocabulary(m.vocabulary);
    v.idf = Float64Array.from(m.idf as number[]);
    v.averageLength = m.averageLength as number;
    return v;
  }
}

interface Manifest {
  format: number;
  method: string;
  analyzer: AnalyzerConfig;
  binary: boolean;
  minDf: DocumentFrequencyLimit;
  maxDf: DocumentFrequencyLimit;
  maxFeatures: number | null;
  fixedVocabulary: boolean;
  vocabulary: string[];
  [extra: string]: unknown;
}

export async function readManifest(dir: string, method?: string): Promise<Manifest> {
  const file = path.join(dir, MANIFEST);
  const m = await readJsonFile<Manifest>(file);
  if (m.format !== SPARSE_MODEL_FORMAT)
    throw new SmyslError('E_FORMAT', `unsupported sparse model format ${m.format}`, {
      location: { source: file },
    });
  if (method && m.method !== method)
    throw new SmyslError('E_FORMAT', `this is a ${m.method} model, not ${method}`, {
      location: { source: file },
    });
  return m;
}

function optionsFromManifest(m: Manifest): CountVectorizerOptions {
  const a = m.analyzer;
  return {
    analyzer: a.analyzer,
    ngramRange: a.ngramRange,
    lowercase: a.lowercase,
    tokenizer:
      typeof a.tokenizer === 'string' ? a.tokenizer : new RegExp(a.tokenizer.pattern, a.tokenizer.flags),
    stopWords: a.stopWords,
    stem: a.stem,
    lemma: a.lemma ?? false,
    binary: m.binary,
    minDf: m.minDf,
    maxDf: m.maxDf,
    maxFeatures: m.maxFeatures,
    vocabulary: m.fixedVocabulary ? m.vocabulary : null,
  };
}
