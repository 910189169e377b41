import { promises as fsp } from 'node:fs';
import { SmyslError, throwIfAborted } from '../../errors.js';
import { writeFileAtomic } from '../../util/fs.js';
import type { LongRunning } from '../../util/progress.js';
import type { DenseMatrix } from '../../vectors/types.js';
import type { WsdSentence, WsdToken } from './raganato.js';
import { type Sense, toWordNetPos, type WordNet, type WordNetPos } from './wordnet.js';

/**
 * Contextual vectors for pre-tokenized sentences: one matrix per sentence, one row per token
 * (e.g. a transformer's last-four-layers mean pooled over each word's subword pieces).
 */
export type TokenEmbedder = (sentences: string[][]) => Promise<DenseMatrix[]>;

const MAGIC = 'SMYSL-SENSES';
/** 1: token-level vectors only; 2: optionally followed by the same rows of topic vectors. */
const FORMAT = 2;

/** A sentence with the words of its neighbours: `tokens` = before + own tokens + after. */
export interface SentenceInContext {
  sentence: WsdSentence;
  tokens: string[];
  /** Index in `tokens` of the sentence's first token. */
  offset: number;
}

/** The document a sentence belongs to: its id up to the first "." ("d000.s001" -> "d000"). */
function documentOf(sentenceId: string): string {
  const dot = sentenceId.indexOf('.');
  return dot < 0 ? sentenceId : sentenceId.slice(0, dot);
}

/**
 * Pairs each sentence with up to `context` sentences of the same document on each side (a
 * target word is read with its neighbours, as a reader would). Streams, holding 2 x context + 1
 * sentences.
 */
export async function* withContext(
  sentences: AsyncIterable<WsdSentence> | Iterable<WsdSentence>,
  context: number,
): AsyncGenerator<SentenceInContext> {
  const window: WsdSentence[] = [];
  let current = 0;
  const emit = (): SentenceInContext => {
    const sentence = window[current];
    const doc = documentOf(sentence.id);
    const before: string[] = [];
    for (let k = current - 1; k >= 0 && documentOf(window[k].id) === doc; k--)
      before.unshift(...window[k].tokens.map((t) => t.text));
    const tokens = [...before, ...sentence.tokens.map((t) => t.text)];
    for (let k = current + 1; k < window.length && documentOf(window[k].id) === doc; k++)
      tokens.push(...window[k].tokens.map((t) => t.text));
    return { sentence, tokens, offset: before.length };
  };
  for await (const s of sentences) {
    window.push(s);
    if (window.length > current + context) {
      yield emit();
      current++;
      if (current > context) {
        window.shift();
        current--;
      }
    }
  }
  while (current < window.length) {
    yield emit();
    current++;
  }
}

const GLOSS_WORD = /[\p{L}\p{N}'_-]+|\S/gu;

/**
 * The text a sense's gloss vector is read from: the sense's own lemma, then the synset's other
 * lemmas, then the gloss (definition and examples), as words: "bank, depository financial
 * institution - a financial institution that accepts deposits ...".
 */
export async function glossWords(wordnet: WordNet, sense: Sense): Promise<string[]> {
  const synset = await wordnet.synset(sense.synset);
  const lemma = sense.key.slice(0, sense.key.indexOf('%')).toLowerCase();
  const names = [lemma, ...synset.words.filter((w) => w !== lemma)].map((w) => w.replace(/_/g, ' '));
  return `${names.join(', ')} - ${synset.gloss}`.match(GLOSS_WORD) ?? [];
}

/**
 * Unit gloss vectors per sense key, embedded on first use with the same token embedder as the
 * contexts (the mean of the gloss's word vectors), so every candidate has one, seen in the
 * training corpus or not.
 */
export class GlossVectors {
  private readonly vectors = new Map<string, Float32Array>();
  constructor(
    private readonly wordnet: WordNet,
    private readonly embed: TokenEmbedder,
  ) {}

  get(key: string): Float32Array | undefined {
    return this.vectors.get(key);
  }

  /** Embeds the glosses of the senses that have no vector yet. */
  async ensure(senses: Iterable<Sense>): Promise<void> {
    const missing = new Map<string, Sense>();
    for (const s of senses) if (!this.vectors.has(s.key)) missing.set(s.key, s);
    if (missing.size === 0) return;
    const list = [...missing.values()];
    const texts = await Promise.all(list.map((s) => glossWords(this.wordnet, s)));
    const matrices = await this.embed(texts);
    list.forEach((s, i) => {
      const m = matrices[i];
      const sum = new Float64Array(m.dim);
      for (let r = 0; r < m.rows; r++) for (let d = 0; d < m.dim; d++) sum[d] += m.data[r * m.dim + d];
      this.vectors.set(s.key, unit(sum));
    });
  }
}

/**
 * The topic vector of a passage: the unit mean of its words' vectors, i.e. the sentence embedding
 * a sentence model such as MiniLM is trained to produce. It says what the passage is about.
 * Training and evaluation take it over the whole window read (the sentence and its neighbours).
 */
export function topicVector(m: DenseMatrix, from = 0, to = m.rows): Float32Array {
  const sum = new Float64Array(m.dim);
  for (let r = from; r < to; r++) for (let d = 0; d < m.dim; d++) sum[d] += m.data[r * m.dim + d];
  return unit(sum);
}

function unit(v: Float64Array): Float32Array {
  let norm = 0;
  for (let d = 0; d < v.length; d++) norm += v[d] * v[d];
  norm = Math.sqrt(norm) || 1;
  const out = new Float32Array(v.length);
  for (let d = 0; d < v.length; d++) out[d] = v[d] / norm;
  return out;
}

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
    /**
     * Per row, the unit mean of the topic vectors (see `topicVector`) of the passages the sense
     * was tagged in: what its texts are about, beside how the word itself reads.
     */
    readonly topicData?: Float32Array,
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
      /** Sentences of the same document on each side read with each sentence (default 0). */
      context?: number;
      /**
       * Also keep per sense the mean topic vector of its passages (`topicData`, for
       * `topicWeight`; off by default: it doubles the file and the default scoring does not use it).
       */
      topicVectors?: boolean;
      meta?: Record<string, unknown>;
    } = {},
  ): Promise<SenseVectors> {
    const level = options.level ?? 'sense';
    const keepTopics = options.topicVectors ?? false;
    const context = options.context ?? 0;
    const batchSize = options.batchSize ?? 64;
    const sums = new Map<string, { v: Float64Array; topic: Float64Array; n: number }>();
    let dim = 0;
    let done = 0;
    let instances = 0;
    let batch: SentenceInContext[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      throwIfAborted(options.signal);
      const vectors = await embed(batch.map((s) => s.tokens));
      for (let s = 0; s < batch.length; s++) {
        const m = vectors[s];
        dim = m.dim;
        const offset = batch[s].offset;
        let about: Float32Array | null = null;
        batch[s].sentence.tokens.forEach((t, k) => {
          if (!t.instance) return;
          if (keepTopics) about ??= topicVector(m);
          const i = offset + k;
          for (const key of gold.get(t.instance) ?? []) {
            // a key missing from WordNet could never be a candidate
            const sense = wordnet.sense(key);
            if (!sense) continue;
            const id = level === 'synset' ? sense.synset : key;
            let e = sums.get(id);
            if (!e) sums.set(id, (e = { v: new Float64Array(m.dim), topic: new Float64Array(m.dim), n: 0 }));
            for (let d = 0; d < m.dim; d++) e.v[d] += m.data[i * m.dim + d];
            if (about) for (let d = 0; d < m.dim; d++) e.topic[d] += about[d];
            e.n++;
            instances++;
          }
        });
      }
      done += batch.length;
      options.onProgress?.({ phase: 'sense vectors', done, unit: 'sentences', extra: { senses: sums.size } });
      batch = [];
    };
    for await (const s of withContext(sentences, context)) {
      if (s.sentence.tokens.some((t) => t.instance)) batch.push(s);
      if (batch.length >= batchSize) await flush();
    }
    await flush();
    if (sums.size === 0) throw new SmyslError('E_INPUT', 'no tagged instance with a gold key was found');
    const ids = [...sums.keys()];
    const data = new Float32Array(ids.length * dim);
    const topicData = keepTopics ? new Float32Array(ids.length * dim) : undefined;
    ids.forEach((id, r) => {
      const e = sums.get(id)!;
      data.set(unit(e.v), r * dim);
      topicData?.set(unit(e.topic), r * dim);
    });
    return new SenseVectors(
      ids,
      dim,
      data,
      level,
      { ...options.meta, context, instances, sentences: done },
      topicData,
    );
  }

  /**
   * Binary file: magic, u32 header length, JSON header, float32 rows (little-endian), then (when
   * the header says `topicVectors`) as many rows of topic vectors.
   */
  async save(file: string): Promise<void> {
    const header = Buffer.from(
      JSON.stringify({
        format: FORMAT,
        level: this.level,
        dim: this.dim,
        ids: this.ids,
        topicVectors: this.topicData !== undefined,
        meta: this.meta,
      }),
    );
    const blocks = [this.data, ...(this.topicData ? [this.topicData] : [])];
    const start = MAGIC.length + 4 + header.length;
    const out = Buffer.alloc(start + this.data.byteLength * blocks.length);
    out.write(MAGIC, 0, 'latin1');
    out.writeUInt32LE(header.length, MAGIC.length);
    header.copy(out, MAGIC.length + 4);
    blocks.forEach((block, b) => {
      Buffer.from(block.buffer, block.byteOffset, block.byteLength).copy(
        out,
        start + b * this.data.byteLength,
      );
    });
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
      topicVectors?: boolean;
      meta: Record<string, unknown>;
    };
    if (h.format !== 1 && h.format !== FORMAT) throw bad(`format ${h.format}`);
    const start = MAGIC.length + 4 + hlen;
    const blockBytes = h.ids.length * h.dim * 4;
    const blocks = h.format >= 2 && h.topicVectors ? 2 : 1;
    if (buf.length - start !== blockBytes * blocks)
      throw bad(`expected ${blockBytes * blocks} bytes of vectors, found ${buf.length - start}`);
    const read = (b: number) => {
      const out = new Float32Array(h.ids.length * h.dim);
      Buffer.from(out.buffer).set(buf.subarray(start + b * blockBytes, start + (b + 1) * blockBytes));
      return out;
    };
    return new SenseVectors(h.ids, h.dim, read(0), h.level, h.meta, blocks === 2 ? read(1) : undefined);
  }
}

export interface WsdPrediction {
  instance: string;
  key: string;
  /**
   * "vector" when chosen among candidates with a sense vector, "gloss" when no candidate had one
   * and the glosses decided, "first-sense" when neither could.
   */
  by: Decision;
}

export type Decision = 'vector' | 'gloss' | 'first-sense';

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
  /** Share of attempted instances decided by a sense vector rather than a fallback. */
  vectorCoverage: number;
  /** Attempted instances per way of deciding. */
  decidedBy: Record<Decision, number>;
}

function scores(correct: number, attempted: number, total: number): WsdScores {
  const precision = attempted === 0 ? 0 : correct / attempted;
  const recall = total === 0 ? 0 : correct / total;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { f1, precision, recall, correct, attempted, total };
}

/** How candidates are scored beside the cosine to their sense vector. */
export interface SenseScoring {
  /**
   * Weight of the sense-frequency prior: weight x (tag count + 1) / (sum over the candidates of
   * tag count + 1) is added to the score (0 = off).
   */
  priorWeight?: number;
  /** Weight of the cosine between the context and the candidate's gloss vector (0 = off). */
  glossWeight?: number;
  /** Gloss vectors of the candidates (needed when glossWeight is not 0). */
  glosses?: GlossVectors;
  /** Gloss vectors compared with the topic vector (default: `glosses`). */
  topicGlosses?: GlossVectors;
  /**
   * Weight of the cosine between the instance's topic vector (`topicVector` of its window) and
   * the candidate's mean topic vector from training (0 = off; needs vectors trained with them).
   */
  topicWeight?: number;
  /**
   * Weight of the cosine between the instance's topic vector and the candidate's gloss vector
   * (both from `topicGlosses`' embedder, so both are sentence embeddings of the same kind).
   */
  topicGlossWeight?: number;
}

/**
 * Picks a sense for a token vector: among the candidates with a sense vector, the highest
 * cosine + glossWeight x gloss cosine + priorWeight x prior share (+ the topic terms when a
 * unit topic vector is given); when no candidate has a sense vector, the highest score of the
 * terms that need none (if glosses are on); else WordNet's first sense.
 */
export function chooseSense(
  candidates: readonly Sense[],
  vector: Float32Array,
  offset: number,
  senses: SenseVectors,
  scoring: SenseScoring = {},
  topic?: Float32Array,
  /** The topic vector compared with the glosses when it comes from another embedder. */
  glossTopic: Float32Array | undefined = topic,
): { sense: Sense; by: Decision } {
  const priorWeight = scoring.priorWeight ?? 0;
  const glossWeight = scoring.glosses ? (scoring.glossWeight ?? 0) : 0;
  const topicWeight = topic && senses.topicData ? (scoring.topicWeight ?? 0) : 0;
  const topicGlosses = scoring.topicGlosses ?? scoring.glosses;
  const topicGlossWeight = glossTopic && topicGlosses ? (scoring.topicGlossWeight ?? 0) : 0;
  const glossesOn = glossWeight !== 0 || topicGlossWeight !== 0;
  let tagTotal = 0;
  for (const c of candidates) tagTotal += c.tagCount + 1;
  const dim = senses.dim;
  let norm = 0;
  for (let d = 0; d < dim; d++) norm += vector[offset + d] ** 2;
  norm = Math.sqrt(norm) || 1;
  const cosine = (other: Float32Array, at: number) => {
    let dot = 0;
    for (let d = 0; d < dim; d++) dot += vector[offset + d] * other[at + d];
    return dot / norm;
  };
  const dot = (unitVector: Float32Array, other: Float32Array, at: number) => {
    let sum = 0;
    for (let d = 0; d < dim; d++) sum += unitVector[d] * other[at + d];
    return sum;
  };
  const extra = (c: Sense) => {
    let score = priorWeight === 0 ? 0 : (priorWeight * (c.tagCount + 1)) / tagTotal;
    if (glossWeight !== 0) {
      const g = scoring.glosses?.get(c.key);
      if (g) score += glossWeight * cosine(g, 0);
    }
    if (topicGlossWeight !== 0) {
      const g = topicGlosses?.get(c.key);
      if (g) score += topicGlossWeight * dot(glossTopic as Float32Array, g, 0);
    }
    return score;
  };
  let best: Sense | null = null;
  let bestScore = Number.NEGATIVE_INFINITY;
  for (const c of candidates) {
    const r = senses.row(c);
    if (r < 0) continue;
    let score = cosine(senses.data, r * dim) + extra(c);
    if (topicWeight !== 0)
      score += topicWeight * dot(topic as Float32Array, senses.topicData as Float32Array, r * dim);
    if (score > bestScore) {
      bestScore = score;
      best = c;
    }
  }
  if (best) return { sense: best, by: 'vector' };
  if (glossesOn) {
    for (const c of candidates) {
      const score = extra(c);
      if (score > bestScore) {
        bestScore = score;
        best = c;
      }
    }
    if (best) return { sense: best, by: 'gloss' };
  }
  return { sense: candidates[0], by: 'first-sense' };
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
  options: LongRunning &
    SenseScoring & {
      batchSize?: number;
      /** Sentences of the same document on each side (use the value the vectors were trained with). */
      context?: number;
      /**
       * Embeds passages and glosses for the topic-gloss term (default `embed`); e.g. a sentence
       * model's last layer, the layer its sentence embeddings are trained on.
       */
      topicEmbed?: TokenEmbedder;
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
  const glosses =
    (options.glossWeight ?? 0) !== 0 ? (options.glosses ?? new GlossVectors(wordnet, embed)) : undefined;
  const topicGlossesOn = (options.topicGlossWeight ?? 0) !== 0;
  const topicEmbed = topicGlossesOn ? options.topicEmbed : undefined;
  const scoring: SenseScoring = {
    priorWeight: options.priorWeight ?? 0,
    glossWeight: options.glossWeight ?? 0,
    topicWeight: options.topicWeight ?? 0,
    topicGlossWeight: options.topicGlossWeight ?? 0,
    glosses,
    topicGlosses: topicGlossesOn
      ? (options.topicGlosses ??
        (topicEmbed ? new GlossVectors(wordnet, topicEmbed) : (glosses ?? new GlossVectors(wordnet, embed))))
      : undefined,
  };
  if ((options.topicWeight ?? 0) !== 0 && !senses.topicData)
    throw new SmyslError(
      'E_USAGE',
      'these sense vectors have no topic vectors: train them with topicVectors (wsd train --topic-vectors) or set the topic weight to 0',
    );
  const decidedBy: Record<Decision, number> = { vector: 0, gloss: 0, 'first-sense': 0 };
  let batch: SentenceInContext[] = [];
  let done = 0;
  const candidatesOf = (t: WsdToken) => {
    const pos = toWordNetPos(t.pos);
    return pos ? wordnet.senses(t.lemma, pos) : [];
  };
  const flush = async () => {
    if (batch.length === 0) return;
    throwIfAborted(options.signal);
    const vectors = await embed(batch.map((s) => s.tokens));
    const topicVectors = topicEmbed ? await topicEmbed(batch.map((s) => s.tokens)) : vectors;
    const candidates = batch.flatMap((s) =>
      s.sentence.tokens.flatMap((t) => (t.instance ? candidatesOf(t) : [])),
    );
    for (const store of new Set([scoring.glosses, scoring.topicGlosses])) await store?.ensure(candidates);
    batch.forEach((inContext, si) => {
      const { sentence, offset } = inContext;
      const about = topicVector(vectors[si]);
      const aboutForGlosses = topicVectors === vectors ? about : topicVector(topicVectors[si]);
      sentence.tokens.forEach((t, k) => {
        if (!t.instance) return;
        const keys = gold.get(t.instance) ?? [];
        const pos: WordNetPos | undefined = toWordNetPos(t.pos);
        const candidates = candidatesOf(t);
        const label = pos ?? 'other';
        if (candidates.length === 0) {
          bump(label, false, false, false);
          return;
        }
        const { sense, by } = chooseSense(
          candidates,
          vectors[si].data,
          (offset + k) * vectors[si].dim,
          senses,
          scoring,
          about,
          aboutForGlosses,
        );
        decidedBy[by]++;
        predictions.push({ instance: t.instance, key: sense.key, by });
        bump(label, keys.includes(sense.key), true, keys.includes(candidates[0].key));
      });
    });
    done += batch.length;
    options.onProgress?.({ phase: 'disambiguating', done, unit: 'sentences' });
    batch = [];
  };
  for await (const s of withContext(sentences, options.context ?? 0)) {
    if (s.sentence.tokens.some((t) => t.instance)) batch.push(s);
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
      vectorCoverage: all.a === 0 ? 0 : decidedBy.vector / all.a,
      decidedBy,
    },
    predictions,
  };
}
