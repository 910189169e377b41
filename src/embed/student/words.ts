/**
 * A collection's own words: rows, induced at index time, for the Russian words of a
 * collection's documents that the student has no row for (names, terms, the folder's own
 * vocabulary: «Пушкин», «офсайд»).
 *
 * Why: the shipped rows come from the training translations and public-domain novels; a user's
 * folder is full of words neither contains, and the student represents those by character
 * n-grams alone — a generic "rare word" direction, so a query naming them finds nothing in
 * particular. The model keeps the map its own induction fitted (induce.ts, à la carte: average
 * context → row); the same map gives each new word of a collection a row from the contexts it
 * has there. Those rows live with the collection (its store's WordsStore: two files of an
 * embedded collection, a table of a PostgreSQL one) and take part in embedding its documents and
 * its queries alike.
 *
 * Rows are never changed once made: a word gets its row from the first batch of documents that
 * holds it, before that batch is embedded, so every stored vector was made with the rows a query
 * made now would use — nothing needs re-embedding when later documents arrive. One occurrence
 * is enough (in one's own folder a name may appear once); à la carte's "one-shot" quality is
 * lower than with many contexts, but better than n-grams alone.
 */
import { closeSync, existsSync, fstatSync, openSync, readSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { SmyslError } from '../../errors.js';
import { stem } from '../../text/stem.js';
import type { NewWords, ReadWords, WordsEnd, WordsStore } from '../types.js';
import {
  charNgramsOf,
  type FeatureVocabulary,
  gramKey,
  IDENTITY_BUCKETS,
  inducedKey,
  type LocalRows,
  stemKey,
  wordKey,
} from './features.js';
import {
  addContextSums,
  applyInductionMapRows,
  type InductionMap,
  transposeMap,
  wordIdLines,
} from './induce.js';

const CYRILLIC_WORD = /^[а-я][а-я-]*$/;

/** The files of a collection's words (FileWords). */
export const WORDS_KEYS = 'words.txt';
export const WORDS_ROWS = 'words.f32';

export class LearnedWords implements LocalRows {
  private readonly index = new Map<string, number>();
  readonly stems: string[] = [];
  private table: Float32Array;
  /** word → its rows (base ids, local ids from `offset`), or null: the base speaks for it. */
  private readonly cache = new Map<string, Int32Array | null>();

  constructor(
    readonly vocab: FeatureVocabulary,
    /** The base model's weighted table (what embedding sums). */
    readonly base: Float32Array,
    readonly map: InductionMap,
  ) {
    this.table = new Float32Array(64 * map.dim);
  }

  get size(): number {
    return this.stems.length;
  }

  /** Local rows appear in featurized texts as ids from here on (past the identity buckets). */
  get offset(): number {
    return this.vocab.size + IDENTITY_BUCKETS;
  }

  /** The local rows, size x dim. */
  get rows(): Float32Array {
    return this.table.subarray(0, this.size * this.map.dim);
  }

  /** The map's weights transposed (made on the first `learn`). */
  private transposed?: Float32Array;
  /** Stems one of whose forms has a word row: those forms speak for the stem (as in induce.ts). */
  private covered?: Set<string>;

  /** Whether the base model has a row that speaks for the word (its own, its stem's, or induced). */
  private baseKnows(word: string): boolean {
    if (this.vocab.row(wordKey(word)) !== undefined) return true;
    const s = stem(word);
    return this.vocab.row(stemKey(s)) !== undefined || this.vocab.row(inducedKey(s)) !== undefined;
  }

  /**
   * A word's rows when a local row leads them — [local id, its n-gram rows…], the local row taking
   * `map.share` and the n-grams the rest, as induced rows do — else null.
   */
  rowsOfWord(word: string): Int32Array | null {
    const hit = this.cache.get(word);
    if (hit !== undefined) return hit;
    let rows: Int32Array | null = null;
    if (this.size > 0 && CYRILLIC_WORD.test(word) && !this.baseKnows(word)) {
      const r = this.index.get(stem(word));
      if (r !== undefined) {
        const found = [this.offset + r];
        if (this.map.share < 1)
          for (const g of charNgramsOf(word, this.vocab.settings.minn, this.vocab.settings.maxn)) {
            const gr = this.vocab.row(gramKey(g));
            if (gr !== undefined) found.push(gr);
          }
        rows = Int32Array.from(found);
      }
    }
    // a cached null is dropped by `add`, which may bring the word's stem
    if (this.cache.size < 500_000) this.cache.set(word, rows);
    return rows;
  }

  /** The pooling coefficient of the k-th of `rowsOfWord`'s rows. */
  coefficient(rows: Int32Array, k: number): number {
    const n = rows.length;
    if (n === 1) return 1;
    return k === 0 ? this.map.share : (1 - this.map.share) / (n - 1);
  }

  /** Adds rows made earlier (read back from a collection's files). */
  add(stems: readonly string[], rows: Float32Array): void {
    const dim = this.map.dim;
    if (rows.length !== stems.length * dim)
      throw new SmyslError('E_FORMAT', `${stems.length} words but ${rows.length / dim} rows`);
    const need = (this.size + stems.length) * dim;
    if (need > this.table.length) {
      const bigger = new Float32Array(Math.max(need, this.table.length * 2));
      bigger.set(this.rows);
      this.table = bigger;
    }
    this.table.set(rows, this.size * dim);
    for (const s of stems) {
      this.index.set(s, this.stems.length);
      this.stems.push(s);
    }
    // words that had no row may have one now
    for (const [w, r] of this.cache) if (r === null) this.cache.delete(w);
  }

  /** A word's vector as a sentence sums it (base and local rows), into `out`. */
  private wordVector(word: string, out: Float64Array): void {
    out.fill(0);
    const dim = this.map.dim;
    const local = this.rowsOfWord(word);
    const rows = local ?? this.vocab.rowsOfWord(word);
    for (let k = 0; k < rows.length; k++) {
      const c = local ? this.coefficient(rows, k) : this.vocab.coefficient(rows, k);
      const r = rows[k];
      if (r >= this.offset) {
        const e = (r - this.offset) * dim;
        for (let j = 0; j < dim; j++) out[j] += c * this.table[e + j];
      } else if (r < this.vocab.size) {
        const e = r * dim;
        for (let j = 0; j < dim; j++) out[j] += c * this.base[e + j];
      }
    }
  }

  /**
   * Rows for the stems of `texts` (Cyrillic words) that neither the model nor this collection has
   * a row for, from the contexts they have in `texts` (each text is one window's bound), added
   * here and returned. Deterministic: the result depends on the texts and the rows so far.
   */
  learn(texts: readonly string[]): NewWords {
    const dim = this.map.dim;
    const window = this.map.window;
    if (!this.covered) {
      this.covered = new Set();
      for (const k of this.vocab.keys)
        if (k.startsWith('w ') && CYRILLIC_WORD.test(k.slice(2))) this.covered.add(stem(k.slice(2)));
    }
    // each distinct word is judged (and stemmed) once
    const { lines, words } = wordIdLines(texts);
    const slots = new Map<string, number>();
    const newStems: string[] = [];
    const slotOfWord = words.map((w) => this.newStemSlot(w, slots, newStems));
    if (newStems.length === 0) return { stems: [], rows: new Float32Array(0) };
    // vectors of the words that stand beside a new word, made once each
    const vectors = new Float32Array(words.length * dim);
    const made = new Uint8Array(words.length);
    const v = new Float64Array(dim);
    const sums = new Float64Array(newStems.length * dim);
    const occurrences = new Float64Array(newStems.length);
    addContextSums(lines, slotOfWord, window, dim, vectors, sums, dim, occurrences, (w) => {
      if (made[w]) return;
      this.wordVector(words[w], v);
      for (let j = 0; j < dim; j++) vectors[w * dim + j] = v[j];
      made[w] = 1;
    });
    const contexts = new Float32Array(newStems.length * dim);
    for (let t = 0; t < newStems.length; t++)
      for (let j = 0; j < dim; j++) contexts[t * dim + j] = sums[t * dim + j] / occurrences[t];
    this.transposed ??= transposeMap(this.map);
    const rows = applyInductionMapRows(this.map, this.transposed, contexts, newStems.length);
    this.add(newStems, rows);
    return { stems: newStems, rows };
  }

  /** The slot of the word's stem among this call's new stems (added when new), or -1: not a new word. */
  private newStemSlot(word: string, slots: Map<string, number>, newStems: string[]): number {
    if (!CYRILLIC_WORD.test(word) || this.baseKnows(word)) return -1;
    const s = stem(word);
    if (this.index.has(s) || this.covered!.has(s)) return -1;
    let slot = slots.get(s);
    if (slot === undefined) {
      slot = newStems.length;
      slots.set(s, slot);
      newStems.push(s);
    }
    return slot;
  }
}

/**
 * A collection's words as two files in a directory: words.txt (one stem a line) and words.f32
 * (their rows, float32). Rows are written before their stems, at the positions after the complete
 * words, so a reader (or a crash) never sees a stem without its row, and a torn append is
 * overwritten by the next one. One writer at a time (the embedded store's writer lock).
 */
export class FileWords implements WordsStore {
  constructor(readonly dir: string) {}

  get where(): string {
    return this.dir;
  }

  private file(name: string): string {
    return path.join(this.dir, name);
  }

  async read(end: WordsEnd, dim: number): Promise<ReadWords> {
    const none = { stems: [], rows: new Float32Array(0), end, missing: 0 };
    const keysThere = existsSync(this.file(WORDS_KEYS));
    const rowsThere = existsSync(this.file(WORDS_ROWS));
    if (!keysThere && !rowsThere) return none;
    const text = keysThere ? readAll(this.file(WORDS_KEYS), end.keyBytes) : Buffer.alloc(0);
    const rowBytes = rowsThere ? readAll(this.file(WORDS_ROWS), end.count * dim * 4) : Buffer.alloc(0);
    const last = text.lastIndexOf(0x0a);
    const stems = last < 0 ? [] : text.subarray(0, last).toString('utf8').split('\n');
    const n = Math.min(stems.length, Math.floor(rowBytes.length / (4 * dim)));
    // rows are written before their stems: a stem without its row, or rows without a words.txt,
    // mean a damaged or lost file
    const missing = keysThere ? stems.length - n : Math.floor(rowBytes.length / (4 * dim));
    if (n === 0) return { ...none, missing };
    const rows = new Float32Array(n * dim);
    new Uint8Array(rows.buffer).set(rowBytes.subarray(0, n * dim * 4));
    let keyBytes = 0;
    for (let i = 0; i < n; i++) keyBytes += Buffer.byteLength(stems[i], 'utf8') + 1;
    return {
      stems: stems.slice(0, n),
      rows,
      end: { count: end.count + n, keyBytes: end.keyBytes + keyBytes },
      missing,
    };
  }

  async changed(end: WordsEnd): Promise<boolean> {
    try {
      return statSync(this.file(WORDS_KEYS)).size > end.keyBytes;
    } catch {
      return false;
    }
  }

  async update(end: WordsEnd, dim: number, learn: (since: ReadWords) => NewWords): Promise<WordsEnd> {
    const since = await this.read(end, dim);
    const words = learn(since);
    if (words.stems.length === 0) return since.end;
    const at = since.end;
    const write = (name: string, data: Buffer, position: number) => {
      // 'a' creates the file; the positional writes need it opened for writing in place
      closeSync(openSync(this.file(name), 'a'));
      const fd = openSync(this.file(name), 'r+');
      try {
        let done = 0;
        while (done < data.length) done += writeSync(fd, data, done, data.length - done, position + done);
      } finally {
        closeSync(fd);
      }
    };
    write(
      WORDS_ROWS,
      Buffer.from(words.rows.buffer, words.rows.byteOffset, words.rows.byteLength),
      at.count * dim * 4,
    );
    const keys = Buffer.from(`${words.stems.join('\n')}\n`, 'utf8');
    write(WORDS_KEYS, keys, at.keyBytes);
    return { count: at.count + words.stems.length, keyBytes: at.keyBytes + keys.length };
  }

  async count(): Promise<number> {
    if (!existsSync(this.file(WORDS_KEYS))) return 0;
    let lines = 0;
    for (const b of readAll(this.file(WORDS_KEYS))) if (b === 0x0a) lines++;
    return lines;
  }
}

/** Says once per store that learned words were lost (queries with them now miss their documents). */
const warned = new Set<string>();
export function warnWordsDamaged(where: string, missing: number): void {
  if (warned.has(where)) return;
  warned.add(where);
  process.emitWarning(
    `${where}: ${missing} learned word(s) lost their stem or their row (a damaged file); queries with those words no longer match the documents they were learned from until the collection is indexed anew (smysl collections drop, then smysl index)`,
    { code: 'SMYSL_WORDS_DAMAGED' },
  );
}

function readAll(file: string, from = 0): Buffer {
  const fd = openSync(file, 'r');
  try {
    const size = Math.max(0, fstatSync(fd).size - from);
    const buf = Buffer.alloc(size);
    let at = 0;
    while (at < size) {
      const n = readSync(fd, buf, at, size - at, from + at);
      if (n === 0) break;
      at += n;
    }
    return buf.subarray(0, at);
  } finally {
    closeSync(fd);
  }
}
