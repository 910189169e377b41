/**
 * Vocabulary induction from context ("à la carte" embeddings, Khodak et al., ACL 2018).
 *
 * Why: the student only has word and stem rows for words of its training translations (STSb:
 * news, captions, forum questions). Everyday Russian words outside them — «роман», «стихи»,
 * «поэт» — are represented by their character n-grams alone, which carry a generic "rare word"
 * direction more than the word. Running Russian text without a teacher signal still tells what a
 * word means through the words around it: à la carte learns one linear map A from the average
 * context of a word (the mean of its neighbours' student vectors) to the word's own vector,
 * fitted by ridge regression on the words that do have trained rows, and gives every frequent
 * unknown word the vector A·(its average context) + b. The teacher signal is indirect: it comes
 * through the rows the student learned by distillation.
 *
 * Induced rows are keyed per Snowball stem (`i <stem>`: all inflections of a stem pool their
 * contexts, Russian text spreads a word over many forms). A word without a word row whose stem
 * has an induced row takes it with a share of 0.7 and its character n-grams share the rest
 * (FeatureSettings.induced), so forms still differ and a rare word still matches itself. Only
 * stems without a trained stem row (and without a form that has a word row) get one, so trained
 * rows are never overridden. Three choices beyond the paper, each measured (docs/encoder.md):
 * the new rows are centered (their occurrence-weighted mean taken out), rescaled to the mean
 * length of the examples' vectors (ridge predictions are shrunk, and a row's length is its
 * word's weight in a sentence), and mixed with the n-grams.
 */
import { stem } from '../../text/stem.js';
import { dotBatch } from '../../vectors/dense.js';
import {
  charNgramsOf,
  type FeatureVocabulary,
  gramKey,
  inducedKey,
  stemKey,
  studentWords,
  wordKey,
} from './features.js';

/** Share of an induced row in its word's vector by default (FeatureSettings.induced). */
export const DEFAULT_INDUCED_SHARE = 0.7;

export interface InductionOptions {
  /** Words on each side that make a word's context (default 20). */
  window?: number;
  /** Occurrences a new stem needs in the text to get a row (default 5). */
  minCount?: number;
  /** Occurrences a word with a trained row needs to be a regression example (default 5). */
  minFitCount?: number;
  /**
   * Ridge penalty, relative to the mean diagonal of the centered XᵀX (default 0.1).
   */
  lambda?: number;
  /** At most this many new rows, most frequent stems first (default: no cap). */
  maxRows?: number;
  /**
   * Also regress on the word's character n-gram vector (the mean of its n-gram rows; what the
   * student makes of an unknown word today), so the map learns how far to trust each
   * (default false: context alone, as in à la carte).
   */
  subwords?: boolean;
  /**
   * Take the occurrence-weighted mean of the new rows out of them (default true). Rare words'
   * contexts share a direction of their own (the text's register, its names); left in, every
   * induced word would carry it, and texts full of them would drift together — the same
   * drift the student's centering removes from its trained rows (center.ts).
   */
  center?: boolean;
  /**
   * Share of the induced row in its word's vector, the word's character n-grams sharing the
   * rest (FeatureSettings.induced; default 0.7). Used by StudentEmbedder.induced.
   */
  share?: number;
  /**
   * Rescale every new row to the mean length of the examples' vectors (default true). Ridge
   * predictions are shrunk toward the mean by design; a word's length in the student is its
   * weight in a sentence, and shrunk rows make the new words count for less than trained ones.
   */
  matchNorms?: boolean;
  /** Only words matching this get rows or serve as examples (default: Cyrillic words). */
  wordPattern?: RegExp;
}

/** What the model card records about an induction. */
export interface InductionRecord {
  source: string;
  /** Word occurrences read. */
  tokens: number;
  window: number;
  minCount: number;
  minFitCount: number;
  lambda: number;
  subwords: boolean;
  centered: boolean;
  matchedNorms: boolean;
  /** Words with trained rows the map was fitted on. */
  examples: number;
  /** Share of the examples' variance the map explains (R², in-sample). */
  r2: number;
  /** Mean cosine between held-out examples' vectors (every 10th) and their prediction. */
  heldOutCosine: number;
  /** New rows. */
  rows: number;
}

/**
 * The fitted map of an induction, kept with the model so that later text (a collection's own
 * documents) gets rows the same way: row = normalize(ctx·W + bias − drift) · norm, where ctx is
 * a word's average context (the sum of its `window` neighbours' vectors on each side, averaged
 * over its occurrences). float32, as stored.
 */
export interface InductionMap {
  dim: number;
  window: number;
  /** dim x dim, row-major: context component j → row component k at j·dim + k. */
  weights: Float32Array;
  bias: Float32Array;
  /** The occurrence-weighted mean of the fitted rows (taken out; zeros when not centered). */
  drift: Float32Array;
  /** Length every new row is scaled to (0: left as predicted). */
  norm: number;
  /** Share of a new row in its word's vector, the word's n-grams sharing the rest. */
  share: number;
}

/**
 * Average contexts (rows x dim) → new rows: ctx·W + bias − drift, scaled to `norm` — one batched
 * product with the transposed weights (`transposeMap`, made once per map), then bias, drift and
 * length row by row.
 */
export function applyInductionMapRows(
  map: InductionMap,
  transposed: Float32Array,
  contexts: Float32Array,
  rows: number,
): Float32Array {
  const { dim, bias, drift } = map;
  const out = dotBatch({ rows, dim, data: contexts }, { rows: dim, dim, data: transposed });
  for (let r = 0; r < rows; r++) {
    const o = r * dim;
    let n2 = 0;
    for (let k = 0; k < dim; k++) {
      const v = out[o + k] + bias[k] - drift[k];
      out[o + k] = v;
      n2 += v * v;
    }
    const f = map.norm > 0 && n2 > 0 ? map.norm / Math.sqrt(n2) : 1;
    for (let k = 0; k < dim; k++) out[o + k] *= f;
  }
  return out;
}

/** The map's weights transposed (row k = the weights into output component k), for applyInductionMapRows. */
export function transposeMap(map: InductionMap): Float32Array {
  const { dim, weights } = map;
  const t = new Float32Array(dim * dim);
  for (let j = 0; j < dim; j++) for (let k = 0; k < dim; k++) t[k * dim + j] = weights[j * dim + k];
  return t;
}

export interface RidgeFit {
  /** p x q coefficients (row-major): y ≈ x·W + bias. */
  weights: Float64Array;
  bias: Float64Array;
}

/**
 * Cholesky factorization of a symmetric positive-definite n x n matrix, in place (lower
 * triangle holds L, the rest is left as is). Throws when the matrix is not positive definite.
 */
export function cholesky(a: Float64Array, n: number): void {
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j];
    for (let k = 0; k < j; k++) d -= a[j * n + k] * a[j * n + k];
    if (!(d > 0)) throw new Error('matrix is not positive definite');
    const l = Math.sqrt(d);
    a[j * n + j] = l;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j];
      for (let k = 0; k < j; k++) s -= a[i * n + k] * a[j * n + k];
      a[i * n + j] = s / l;
    }
  }
}

/** Solves L Lᵀ X = B for X in place (B is n x m, row-major), L from `cholesky`. */
export function choleskySolve(l: Float64Array, n: number, b: Float64Array, m: number): void {
  for (let c = 0; c < m; c++) {
    for (let i = 0; i < n; i++) {
      let s = b[i * m + c];
      for (let k = 0; k < i; k++) s -= l[i * n + k] * b[k * m + c];
      b[i * m + c] = s / l[i * n + i];
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = b[i * m + c];
      for (let k = i + 1; k < n; k++) s -= l[k * n + i] * b[k * m + c];
      b[i * m + c] = s / l[i * n + i];
    }
  }
}

/**
 * Ridge regression with an unpenalized intercept: minimizes Σ‖x_i W + bias − y_i‖² + λ‖W‖²
 * over n examples (X n x p, Y n x q, row-major). λ is absolute here.
 */
export function ridgeRegression(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  n: number,
  p: number,
  q: number,
  lambda: number,
): RidgeFit {
  const mx = new Float64Array(p);
  const my = new Float64Array(q);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < p; j++) mx[j] += x[i * p + j];
    for (let k = 0; k < q; k++) my[k] += y[i * q + k];
  }
  for (let j = 0; j < p; j++) mx[j] /= n;
  for (let k = 0; k < q; k++) my[k] /= n;
  const xtx = new Float64Array(p * p);
  const xty = new Float64Array(p * q);
  const xi = new Float64Array(p);
  const yi = new Float64Array(q);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < p; j++) xi[j] = x[i * p + j] - mx[j];
    for (let k = 0; k < q; k++) yi[k] = y[i * q + k] - my[k];
    for (let a = 0; a < p; a++) {
      const v = xi[a];
      if (v === 0) continue;
      const ra = a * p;
      for (let b = a; b < p; b++) xtx[ra + b] += v * xi[b];
      const qa = a * q;
      for (let k = 0; k < q; k++) xty[qa + k] += v * yi[k];
    }
  }
  for (let a = 0; a < p; a++) {
    for (let b = 0; b < a; b++) xtx[a * p + b] = xtx[b * p + a];
    xtx[a * p + a] += lambda;
  }
  cholesky(xtx, p);
  choleskySolve(xtx, p, xty, q);
  const bias = new Float64Array(q);
  for (let k = 0; k < q; k++) {
    let s = my[k];
    for (let j = 0; j < p; j++) s -= mx[j] * xty[j * q + k];
    bias[k] = s;
  }
  return { weights: xty, bias };
}

/**
 * A word's vector in the student: Σ (1/k)·row over its k rows of `table` (weights folded in),
 * exactly its term in a sentence's sum. Zero when the word has no rows.
 */
function wordVector(
  vocab: FeatureVocabulary,
  table: Float32Array,
  dim: number,
  word: string,
  out: Float64Array,
) {
  out.fill(0);
  const rows = vocab.rowsOfWord(word);
  if (rows.length === 0) return;
  for (let k = 0; k < rows.length; k++) {
    const c = vocab.coefficient(rows, k);
    const e = rows[k] * dim;
    for (let j = 0; j < dim; j++) out[j] += c * table[e + j];
  }
}

/** Each word's mean character n-gram row (zero when it has none), words x dim. */
function gramVectors(
  vocab: FeatureVocabulary,
  table: Float32Array,
  dim: number,
  words: string[],
): Float32Array {
  const out = new Float32Array(words.length * dim);
  for (let id = 0; id < words.length; id++) {
    const rows: number[] = [];
    for (const g of charNgramsOf(words[id], vocab.settings.minn, vocab.settings.maxn)) {
      const r = vocab.row(gramKey(g));
      if (r !== undefined) rows.push(r);
    }
    for (const r of rows) for (let j = 0; j < dim; j++) out[id * dim + j] += table[r * dim + j] / rows.length;
  }
  return out;
}

const CYRILLIC_WORD = /^[а-я][а-я-]*$/;

/** Texts as lines of word ids (the student's words), the distinct words by id, and how many words were read. */
export function wordIdLines(texts: Iterable<string>): {
  lines: Int32Array[];
  words: string[];
  tokens: number;
} {
  const ids = new Map<string, number>();
  const words: string[] = [];
  const lines: Int32Array[] = [];
  let tokens = 0;
  for (const text of texts) {
    const ws = studentWords(text);
    const line = new Int32Array(ws.length);
    for (let i = 0; i < ws.length; i++) {
      let id = ids.get(ws[i]);
      if (id === undefined) {
        id = words.length;
        ids.set(ws[i], id);
        words.push(ws[i]);
      }
      line[i] = id;
    }
    tokens += ws.length;
    lines.push(line);
  }
  return { lines, words, tokens };
}

/**
 * À la carte's contexts: for every occurrence of a word whose `slot` is a target (≥ 0), the sum
 * of the vectors of the `window` words on each side in its line is added to that target's
 * `sums` (row stride `stride`, the first `dim` values) and the occurrence counted. `vectors`
 * holds each word id's vector; `ensure(id)`, when given, makes it before its first use.
 */
export function addContextSums(
  lines: readonly Int32Array[],
  slot: ArrayLike<number>,
  window: number,
  dim: number,
  vectors: Float32Array,
  sums: Float64Array,
  stride: number,
  occurrences: Float64Array,
  ensure?: (id: number) => void,
): void {
  const ctx = new Float64Array(dim);
  for (const line of lines) {
    for (let i = 0; i < line.length; i++) {
      const t = slot[line[i]];
      if (t < 0) continue;
      ctx.fill(0);
      const lo = Math.max(0, i - window);
      const hi = Math.min(line.length - 1, i + window);
      for (let p = lo; p <= hi; p++) {
        if (p === i) continue;
        ensure?.(line[p]);
        const e = line[p] * dim;
        for (let j = 0; j < dim; j++) ctx[j] += vectors[e + j];
      }
      const o = t * stride;
      for (let j = 0; j < dim; j++) sums[o + j] += ctx[j];
      occurrences[t]++;
    }
  }
}

/**
 * New rows for the stems of `texts` that the student has no rows for (keys `i <stem>`, rows
 * texts x dim in the space of `table`), and the record of how they were made. `table` is the
 * student's weighted table (what encoding sums); `vocab` its vocabulary. Deterministic: the
 * result depends only on the inputs.
 */
export function induceRows(
  vocab: FeatureVocabulary,
  table: Float32Array,
  dim: number,
  texts: Iterable<string>,
  source: string,
  opts: InductionOptions = {},
): { keys: string[]; rows: Float32Array; record: InductionRecord; map?: InductionMap } {
  const window = opts.window ?? 20;
  const minCount = opts.minCount ?? 5;
  const minFitCount = opts.minFitCount ?? 5;
  const lambdaRel = opts.lambda ?? 0.1;
  const pattern = opts.wordPattern ?? CYRILLIC_WORD;

  // Pass 1: the text as word ids, and counts.
  const { lines, words: wordsById, tokens } = wordIdLines(texts);
  const counts = new Int32Array(wordsById.length);
  for (const line of lines) for (let i = 0; i < line.length; i++) counts[line[i]]++;

  // Targets: examples (words with a trained word row) and new stems (no word row, no stem row,
  // and no form of the stem with a word row: its trained forms already speak for it).
  const stemCounts = new Map<string, number>();
  const coveredStems = new Set<string>();
  const stemOf: string[] = new Array(wordsById.length);
  for (let id = 0; id < wordsById.length; id++) {
    const w = wordsById[id];
    if (!pattern.test(w)) continue;
    const s = stem(w);
    stemOf[id] = s;
    if (vocab.row(wordKey(w)) !== undefined) coveredStems.add(s);
    else stemCounts.set(s, (stemCounts.get(s) ?? 0) + counts[id]);
  }
  let newStems = [...stemCounts]
    .filter(([s, c]) => c >= minCount && !coveredStems.has(s) && vocab.row(stemKey(s)) === undefined)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([s]) => s);
  if (opts.maxRows !== undefined) newStems = newStems.slice(0, opts.maxRows);
  const stemSlot = new Map<string, number>();
  newStems.forEach((s, i) => {
    stemSlot.set(s, i);
  });
  // slot per word id: examples 0..E-1, new stems E..E+S-1, -1 = neither
  const slot = new Int32Array(wordsById.length).fill(-1);
  const examples: number[] = [];
  for (let id = 0; id < wordsById.length; id++) {
    const w = wordsById[id];
    if (!pattern.test(w)) continue;
    if (vocab.row(wordKey(w)) !== undefined) {
      if (counts[id] >= minFitCount) {
        slot[id] = examples.length;
        examples.push(id);
      }
    }
  }
  const E = examples.length;
  for (let id = 0; id < wordsById.length; id++) {
    const s = stemOf[id];
    if (s === undefined || vocab.row(wordKey(wordsById[id])) !== undefined) continue;
    const k = stemSlot.get(s);
    if (k !== undefined) slot[id] = E + k;
  }
  const targets = E + newStems.length;

  // Pass 2: context sums. Each word's vector once, then a sliding window per line.
  const vectors = new Float32Array(wordsById.length * dim);
  const v = new Float64Array(dim);
  for (let id = 0; id < wordsById.length; id++) {
    wordVector(vocab, table, dim, wordsById[id], v);
    for (let j = 0; j < dim; j++) vectors[id * dim + j] = v[j];
  }
  const P = opts.subwords ? 2 * dim : dim;
  const sums = new Float64Array(targets * P);
  const occurrences = new Float64Array(targets);
  addContextSums(lines, slot, window, dim, vectors, sums, P, occurrences);
  if (opts.subwords) {
    const grams = gramVectors(vocab, table, dim, wordsById);
    for (const line of lines)
      for (let i = 0; i < line.length; i++) {
        const t = slot[line[i]];
        if (t < 0) continue;
        const o = t * P + dim;
        const g = line[i] * dim;
        for (let j = 0; j < dim; j++) sums[o + j] += grams[g + j];
      }
  }
  for (let t = 0; t < targets; t++)
    if (occurrences[t] > 0) for (let j = 0; j < P; j++) sums[t * P + j] /= occurrences[t];

  // The map, fitted on the examples: average context → the word's own vector.
  const y = new Float64Array(E * dim);
  for (let e = 0; e < E; e++) for (let j = 0; j < dim; j++) y[e * dim + j] = vectors[examples[e] * dim + j];
  const x = sums.subarray(0, E * P);
  let trace = 0;
  const mean = new Float64Array(P);
  for (let e = 0; e < E; e++) for (let j = 0; j < P; j++) mean[j] += x[e * P + j] / E;
  for (let e = 0; e < E; e++) for (let j = 0; j < P; j++) trace += (x[e * P + j] - mean[j]) ** 2;
  const lambda = (lambdaRel * trace) / P;
  const predict = (fit: RidgeFit, t: number, out: Float64Array) => {
    for (let k = 0; k < dim; k++) out[k] = fit.bias[k];
    for (let j = 0; j < P; j++) {
      const c = sums[t * P + j];
      if (c === 0) continue;
      const wj = j * dim;
      for (let k = 0; k < dim; k++) out[k] += c * fit.weights[wj + k];
    }
  };
  const cosine = (a: ArrayLike<number>, ao: number, b: Float64Array) => {
    let d = 0;
    let na = 0;
    let nb = 0;
    for (let k = 0; k < dim; k++) {
      d += a[ao + k] * b[k];
      na += a[ao + k] ** 2;
      nb += b[k] ** 2;
    }
    return na > 0 && nb > 0 ? d / Math.sqrt(na * nb) : 0;
  };
  // held out: every 10th example predicted by a map fitted on the others (the record's measure
  // of how well context predicts a word here)
  let heldOutCosine = 0;
  const held = Array.from({ length: E }, (_, e) => e).filter((e) => e % 10 === 9);
  if (held.length > 0) {
    const keep = Array.from({ length: E }, (_, e) => e).filter((e) => e % 10 !== 9);
    const xs = new Float64Array(keep.length * P);
    const ys = new Float64Array(keep.length * dim);
    keep.forEach((e, i) => {
      xs.set(x.subarray(e * P, e * P + P), i * P);
      ys.set(y.subarray(e * dim, e * dim + dim), i * dim);
    });
    const part = ridgeRegression(xs, ys, keep.length, P, dim, lambda);
    for (const e of held) {
      predict(part, e, v);
      heldOutCosine += cosine(y, e * dim, v) / held.length;
    }
  }
  const fit = ridgeRegression(x, y, E, P, dim, lambda);
  // in-sample R²
  const ym = new Float64Array(dim);
  for (let e = 0; e < E; e++) for (let k = 0; k < dim; k++) ym[k] += y[e * dim + k] / E;
  let ssRes = 0;
  let ssTot = 0;
  for (let e = 0; e < E; e++) {
    predict(fit, e, v);
    for (let k = 0; k < dim; k++) {
      ssRes += (y[e * dim + k] - v[k]) ** 2;
      ssTot += (y[e * dim + k] - ym[k]) ** 2;
    }
  }

  const rows = new Float32Array(newStems.length * dim);
  const drift = new Float64Array(dim);
  let total = 0;
  for (let s = 0; s < newStems.length; s++) {
    predict(fit, E + s, v);
    const n = occurrences[E + s];
    for (let k = 0; k < dim; k++) {
      rows[s * dim + k] = v[k];
      drift[k] += n * v[k];
    }
    total += n;
  }
  const centered = (opts.center ?? true) && total > 0;
  if (centered)
    for (let s = 0; s < newStems.length; s++)
      for (let k = 0; k < dim; k++) rows[s * dim + k] -= drift[k] / total;
  let target = 0;
  for (let e = 0; e < E; e++) {
    let n2 = 0;
    for (let k = 0; k < dim; k++) n2 += y[e * dim + k] ** 2;
    target += Math.sqrt(n2) / E;
  }
  if ((opts.matchNorms ?? true) && newStems.length > 0) {
    for (let s = 0; s < newStems.length; s++) {
      let n2 = 0;
      for (let k = 0; k < dim; k++) n2 += rows[s * dim + k] ** 2;
      const f = n2 > 0 ? target / Math.sqrt(n2) : 0;
      for (let k = 0; k < dim; k++) rows[s * dim + k] *= f;
    }
  }
  // the map for later text (a collection's words, words.ts); the subword variant reads more than
  // contexts, so it has none
  const map: InductionMap | undefined = opts.subwords
    ? undefined
    : {
        dim,
        window,
        weights: Float32Array.from(fit.weights),
        bias: Float32Array.from(fit.bias),
        drift: centered ? Float32Array.from(drift, (d) => d / total) : new Float32Array(dim),
        norm: (opts.matchNorms ?? true) ? target : 0,
        share: opts.share ?? DEFAULT_INDUCED_SHARE,
      };
  return {
    keys: newStems.map(inducedKey),
    rows,
    map,
    record: {
      source,
      tokens,
      window,
      minCount,
      minFitCount,
      lambda: lambdaRel,
      subwords: !!opts.subwords,
      centered: opts.center ?? true,
      matchedNorms: opts.matchNorms ?? true,
      examples: E,
      r2: ssTot > 0 ? 1 - ssRes / ssTot : 0,
      heldOutCosine,
      rows: newStems.length,
    },
  };
}
