import { promises as fsp } from 'node:fs';
import { SmyslError, throwIfAborted } from '../../errors.js';
import { writeFileAtomic } from '../../util/fs.js';
import type { LongRunning } from '../../util/progress.js';
import type { DenseMatrix } from '../../vectors/types.js';
import type { WsdSentence } from './raganato.js';
import { type Sense, toWordNetPos, type WordNet, type WordNetPos } from './wordnet.js';

/**
 * Contextual vectors for pre-tokenized sentences: one matrix per sentence, one row per token
 * (e.g. a transformer's last-four-layers mean pooled over each word's subword pieces).
 */
export type TokenEmbedder = (sentences: string[][]) => Promise<DenseMatrix[]>;

const MAGIC = 'SMYSL-SENSES';
const FORMAT = 1;

/** Unit-length sense (or synset) vectors learned from a sense-annotated corpus. */
export class SenseVectors {
  private readonly index: Map<string, number>;
  constructor(
    readonly ids: string[],
    readonly dim: number,
    readonly data: Float32Array,
    /** "synset": vectors per WordNet synset (shared by its lemmas); "sense": per sense key. */
    readonly level: 'synset' | 'sense',
    readonly meta: Record<string, unknown> = {},
  ) {
    this.index = new Map(ids.map((id, i) => [id, i]));
  }

  /** The vector row for a candidate sense, or -1 when it was never seen in training. */
  row(sense: Sense): number {
    return this.index.get(this.level === 'synset' ? sense.synset : sense.key) ?? -1;
  }

  get size(): number {
    return this.ids.length;
  }

  /** Averages the contextual vectors of every tagged token per sense, then L2-normalises. */
  static async train(
    sentences: AsyncIterable<WsdSentence> | Iterable<WsdSentence>,
    gold: Map<string, string[]>,
    wordnet: WordNet,
    embed: TokenEmbedder,
    options: LongRunning & {
      level?: 'synset' | 'sense';
      batchSize?: number;
      meta?: Record<string, unknown>;
    } = {},
  ): Promise<SenseVectors> {
    const level = options.level ?? 'synset';
    const batchSize = options.batchSize ?? 64;
    const sums = new Map<string, { v: Float64Array; n: number }>();
    let dim = 0;
    let done = 0;
    let instances = 0;
    let batch: WsdSentence[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      throwIfAborted(options.signal);
      const vectors = await embed(batch.map((s) => s.tokens.map((t) => t.text)));
      for (let s = 0; s < batch.length; s++) {
        const m = vectors[s];
        dim = m.dim;
        batch[s].tokens.forEach((t, i) => {
          if (!t.instance) return;
          for (const key of gold.get(t.instance) ?? []) {
            const sense = wordnet.sense(key);
            const id = level === 'synset' ? sense?.synset : key;
            if (!id) continue;
            let e = sums.get(id);
            if (!e) sums.set(id, (e = { v: new Float64Array(m.dim), n: 0 }));
            for (let d = 0; d < m.dim; d++) e.v[d] += m.data[i * m.dim + d];
            e.n++;
            instances++;
          }
        });
      }
      done += batch.length;
      options.onProgress?.({ phase: 'sense vectors', done, unit: 'sentences', extra: { senses: sums.size } });
      batch = [];
    };
    for await (const s of sentences) {
      if (s.tokens.some((t) => t.instance)) batch.push(s);
      if (batch.length >= batchSize) await flush();
    }
    await flush();
    if (sums.size === 0) throw new SmyslError('E_INPUT', 'no tagged instance with a gold key was found');
    const ids = [...sums.keys()];
    const data = new Float32Array(ids.length * dim);
    ids.forEach((id, r) => {
      const { v } = sums.get(id)!;
      let norm = 0;
      for (let d = 0; d < dim; d++) norm += v[d] * v[d];
      norm = Math.sqrt(norm) || 1;
      for (let d = 0; d < dim; d++) data[r * dim + d] = v[d] / norm;
    });
    return new SenseVectors(ids, dim, data, level, { ...options.meta, instances, sentences: done });
  }

  /** Binary file: magic, u32 header length, JSON header, float32 rows (little-endian). */
  async save(file: string): Promise<void> {
    const header = Buffer.from(
      JSON.stringify({ format: FORMAT, level: this.level, dim: this.dim, ids: this.ids, meta: this.meta }),
    );
    const out = Buffer.alloc(MAGIC.length + 4 + header.length + this.data.byteLength);
    out.write(MAGIC, 0, 'latin1');
    out.writeUInt32LE(header.length, MAGIC.length);
    header.copy(out, MAGIC.length + 4);
    Buffer.from(this.data.buffer, this.data.byteOffset, this.data.byteLength).copy(
      out,
      MAGIC.length + 4 + header.length,
    );
    await writeFileAtomic(file, out);
  }

  static async load(file: string): Promise<SenseVectors> {
    let buf: Buffer;
    try {
      buf = await fsp.readFile(file);
    } catch (e) {
      throw new SmyslError('E_IO', `cannot read ${file}: ${(e as Error).message}`);
    }
    const bad = (why: string) =>
      new SmyslError('E_FORMAT', `not a smysl sense-vector file: ${why}`, { location: { source: file } });
    if (buf.toString('latin1', 0, MAGIC.length) !== MAGIC) throw bad('wrong magic');
    const hlen = buf.readUInt32LE(MAGIC.length);
    const h = JSON.parse(buf.toString('utf8', MAGIC.length + 4, MAGIC.length + 4 + hlen)) as {
      format: number;
      level: 'synset' | 'sense';
      dim: number;
      ids: string[];
      meta: Record<string, unknown>;
    };
    if (h.format !== FORMAT) throw bad(`format ${h.format}`);
    const start = MAGIC.length + 4 + hlen;
    const expected = h.ids.length * h.dim * 4;
    if (buf.length - start !== expected)
      throw bad(`expected ${expected} bytes of vectors, found ${buf.length - start}`);
    const data = new Float32Array(h.ids.length * h.dim);
    Buffer.from(data.buffer).set(buf.subarray(start));
    return new SenseVectors(h.ids, h.dim, data, h.level, h.meta);
  }
}

export interface WsdPrediction {
  instance: string;
  key: string;
  /** "vector" when chosen by cosine, "first-sense" when no candidate had a vector. */
  by: 'vector' | 'first-sense';
}

export interface WsdScores {
  f1: number;
  precision: number;
  recall: number;
  correct: number;
  attempted: number;
  total: number;
}

export interface WsdReport {
  system: WsdScores;
  byPos: Record<string, WsdScores>;
  firstSense: WsdScores;
  firstSenseByPos: Record<string, WsdScores>;
  /** Share of attempted instances decided by a sense vector rather than the fallback. */
  vectorCoverage: number;
}

function scores(correct: number, attempted: number, total: number): WsdScores {
  const precision = attempted === 0 ? 0 : correct / attempted;
  const recall = total === 0 ? 0 : correct / total;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { f1, precision, recall, correct, attempted, total };
}

/** Picks, for a token vector, the candidate sense with the highest cosine; first sense if none is known. */
export function chooseSense(
  candidates: readonly Sense[],
  vector: Float32Array,
  offset: number,
  senses: SenseVectors,
  priorWeight = 0,
): { sense: Sense; by: 'vector' | 'first-sense' } {
  // Sense frequency prior: add-one smoothed share of WordNet's tag counts among the candidates.
  let tagTotal = 0;
  if (priorWeight !== 0) for (const c of candidates) tagTotal += c.tagCount + 1;
  let best: Sense | null = null;
  let bestScore = Number.NEGATIVE_INFINITY;
  const dim = senses.dim;
  let norm = 0;
  for (let d = 0; d < dim; d++) norm += vector[offset + d] ** 2;
  norm = Math.sqrt(norm) || 1;
  for (const c of candidates) {
    const r = senses.row(c);
    if (r < 0) continue;
    let dot = 0;
    for (let d = 0; d < dim; d++) dot += vector[offset + d] * senses.data[r * dim + d];
    const score = dot / norm + (priorWeight === 0 ? 0 : (priorWeight * (c.tagCount + 1)) / tagTotal);
    if (score > bestScore) {
      bestScore = score;
      best = c;
    }
  }
  return best ? { sense: best, by: 'vector' } : { sense: candidates[0], by: 'first-sense' };
}

/**
 * Disambiguates every instance of an evaluation corpus and scores it (F1 overall and by POS)
 * beside WordNet's first-sense baseline.
 */
export async function evaluateWsd(
  sentences: AsyncIterable<WsdSentence> | Iterable<WsdSentence>,
  gold: Map<string, string[]>,
  wordnet: WordNet,
  senses: SenseVectors,
  embed: TokenEmbedder,
  options: LongRunning & {
    batchSize?: number;
    /** Weight of the sense-frequency prior added to the cosine (0 = cosine only). */
    priorWeight?: number;
  } = {},
): Promise<{ report: WsdReport; predictions: WsdPrediction[] }> {
  const predictions: WsdPrediction[] = [];
  const tally = new Map<string, { c: number; a: number; t: number; mc: number; ma: number }>();
  const bump = (pos: string, correct: boolean, attempted: boolean, mfsCorrect: boolean) => {
    for (const p of [pos, '*']) {
      let e = tally.get(p);
      if (!e) tally.set(p, (e = { c: 0, a: 0, t: 0, mc: 0, ma: 0 }));
      e.t++;
      if (attempted) {
        e.a++;
        e.ma++;
      }
      if (correct) e.c++;
      if (mfsCorrect) e.mc++;
    }
  };
  let byVector = 0;
  let batch: WsdSentence[] = [];
  let done = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    throwIfAborted(options.signal);
    const vectors = await embed(batch.map((s) => s.tokens.map((t) => t.text)));
    batch.forEach((s, si) => {
      s.tokens.forEach((t, i) => {
        if (!t.instance) return;
        const keys = gold.get(t.instance) ?? [];
        const pos: WordNetPos | undefined = toWordNetPos(t.pos);
        const candidates = pos ? wordnet.senses(t.lemma, pos) : [];
        const label = pos ?? 'other';
        if (candidates.length === 0) {
          bump(label, false, false, false);
          return;
        }
        const { sense, by } = chooseSense(
          candidates,
          vectors[si].data,
          i * vectors[si].dim,
          senses,
          options.priorWeight ?? 0,
        );
        if (by === 'vector') byVector++;
        predictions.push({ instance: t.instance, key: sense.key, by });
        bump(label, keys.includes(sense.key), true, keys.includes(candidates[0].key));
      });
    });
    done += batch.length;
    options.onProgress?.({ phase: 'disambiguating', done, unit: 'sentences' });
    batch = [];
  };
  for await (const s of sentences) {
    if (s.tokens.some((t) => t.instance)) batch.push(s);
    if (batch.length >= (options.batchSize ?? 64)) await flush();
  }
  await flush();
  const byPos: Record<string, WsdScores> = {};
  const firstSenseByPos: Record<string, WsdScores> = {};
  for (const [pos, e] of tally) {
    if (pos === '*') continue;
    byPos[pos] = scores(e.c, e.a, e.t);
    firstSenseByPos[pos] = scores(e.mc, e.ma, e.t);
  }
  const all = tally.get('*') ?? { c: 0, a: 0, t: 0, mc: 0, ma: 0 };
  return {
    report: {
      system: scores(all.c, all.a, all.t),
      byPos,
      firstSense: scores(all.mc, all.ma, all.t),
      firstSenseByPos,
      vectorCoverage: all.a === 0 ? 0 : byVector / all.a,
    },
    predictions,
  };
}
