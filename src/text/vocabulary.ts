import { SmyslError } from '../errors.js';
import { readJsonFile, writeFileAtomic } from '../util/fs.js';

/**
 * A vocabulary: token ↔ id, with corpus counts and document frequencies.
 *
 * Id rule: while counting (`addDocument`, `addTokens`), ids are given in order of first
 * appearance. `prune()` returns a new vocabulary whose ids are assigned in a stable,
 * input-order-independent way: by `order` — `'count'` (default: count descending, then token
 * ascending by UTF-16 code units), `'alphabetical'` (token ascending, as scikit-learn's
 * CountVectorizer orders its vocabulary) or `'insertion'` (first appearance kept).
 * Saved files keep ids exactly (the id is the position in the saved arrays).
 */
export interface PruneOptions {
  /** Keep tokens seen at least this many times in total (default 1). */
  minCount?: number;
  /** Keep tokens that occur in at least this many documents (default 1). */
  minDf?: number;
  /** Drop tokens that occur in more than this fraction of documents, in (0, 1] (default 1: none dropped). */
  maxDf?: number;
  /** Keep at most this many tokens, the most frequent (ties: token ascending). Default: no limit. */
  maxSize?: number;
  /** How ids are assigned after pruning (default 'count'). */
  order?: 'count' | 'alphabetical' | 'insertion';
}

export const VOCABULARY_FORMAT = 1;

/**
 * Term <-> id with ids 0..size-1: what every vocabulary in smysl answers. Implemented by
 * `Vocabulary` (counts, document frequencies, pruning, files), by the sparse vectorizers' fast
 * counting table (`WordGramTable`: word n-grams interned as integers) and by their fitted
 * term <-> column list (`TermList`), both in embed/sparse/vocabulary.ts.
 */
export interface TermVocabulary {
  readonly size: number;
  /** The id of a term, or -1 when it is not in the vocabulary. */
  id(term: string): number;
  has(term: string): boolean;
  /** The term with this id; throws E_USAGE for an id out of range. */
  token(id: number): string;
  /** Terms in id order. */
  tokenList(): readonly string[];
}

interface VocabularyFile {
  format: number;
  kind: 'vocabulary';
  documents: number;
  tokens: string[];
  counts: number[];
  documentFrequencies: number[];
}

export class Vocabulary implements TermVocabulary {
  private readonly ids = new Map<string, number>();
  private readonly tokens: string[] = [];
  private readonly counts: number[] = [];
  private readonly dfs: number[] = [];
  /** For each id, the last document that counted it (so a document adds 1 to df at most). */
  private readonly lastDocument: number[] = [];
  private documentCount = 0;

  /** Builds a vocabulary from tokenized documents. */
  static fromDocuments(documents: Iterable<readonly string[]>): Vocabulary {
    const v = new Vocabulary();
    for (const d of documents) v.addDocument(d);
    return v;
  }

  /** Number of tokens. */
  get size(): number {
    return this.tokens.length;
  }

  /** Number of documents added. */
  get documents(): number {
    return this.documentCount;
  }

  /** Counts the tokens of one document (adds 1 to the document frequency of each distinct token). */
  addDocument(tokens: readonly string[]): void {
    const doc = ++this.documentCount;
    for (const t of tokens) {
      const id = this.intern(t);
      this.counts[id]++;
      if (this.lastDocument[id] !== doc) {
        this.lastDocument[id] = doc;
        this.dfs[id]++;
      }
    }
  }

  /** Adds a token (if new) with extra count and document frequency; returns its id. */
  addToken(token: string, count = 1, documentFrequency = 0): number {
    const id = this.intern(token);
    this.counts[id] += count;
    this.dfs[id] += documentFrequency;
    return id;
  }

  private intern(token: string): number {
    let id = this.ids.get(token);
    if (id === undefined) {
      id = this.tokens.length;
      this.ids.set(token, id);
      this.tokens.push(token);
      this.counts.push(0);
      this.dfs.push(0);
      this.lastDocument.push(0);
    }
    return id;
  }

  /** The id of a token, or -1 when it is not in the vocabulary. */
  id(token: string): number {
    return this.ids.get(token) ?? -1;
  }

  has(token: string): boolean {
    return this.ids.has(token);
  }

  /** The token with this id; throws E_USAGE for an id out of range. */
  token(id: number): string {
    const t = this.tokens[id];
    if (t === undefined || !Number.isInteger(id))
      throw new SmyslError('E_USAGE', `token id ${id} out of range [0, ${this.tokens.length})`);
    return t;
  }

  /** Total count of a token (0 when absent). */
  count(token: string): number {
    const id = this.ids.get(token);
    return id === undefined ? 0 : this.counts[id];
  }

  /** Number of documents containing the token (0 when absent). */
  documentFrequency(token: string): number {
    const id = this.ids.get(token);
    return id === undefined ? 0 : this.dfs[id];
  }

  /** Tokens in id order. */
  tokenList(): readonly string[] {
    return this.tokens;
  }

  /** Counts in id order. */
  countList(): readonly number[] {
    return this.counts;
  }

  /** Document frequencies in id order. */
  documentFrequencyList(): readonly number[] {
    return this.dfs;
  }

  /** Sum of all counts. */
  totalCount(): number {
    let s = 0;
    for (const c of this.counts) s += c;
    return s;
  }

  /** A new vocabulary with rare, too common or surplus tokens dropped and ids reassigned (see the class comment). */
  prune(opts: PruneOptions = {}): Vocabulary {
    const minCount = opts.minCount ?? 1;
    const minDf = opts.minDf ?? 1;
    const maxDf = opts.maxDf ?? 1;
    const order = opts.order ?? 'count';
    if (!(maxDf > 0 && maxDf <= 1))
      throw new SmyslError('E_USAGE', `maxDf must be a fraction in (0, 1], got ${maxDf}`);
    if (opts.maxSize !== undefined && !(Number.isInteger(opts.maxSize) && opts.maxSize >= 0))
      throw new SmyslError('E_USAGE', `maxSize must be a non-negative integer, got ${opts.maxSize}`);
    const maxDocs = maxDf * this.documentCount;
    let kept: number[] = [];
    for (let id = 0; id < this.tokens.length; id++) {
      if (this.counts[id] < minCount) continue;
      // documents added with addToken alone have no df; df filters apply only when documents were counted
      if (this.documentCount > 0 && (this.dfs[id] < minDf || this.dfs[id] > maxDocs)) continue;
      kept.push(id);
    }
    const byCount = (a: number, b: number) =>
      this.counts[b] - this.counts[a] || compareStrings(this.tokens[a], this.tokens[b]);
    if (opts.maxSize !== undefined && kept.length > opts.maxSize) {
      kept.sort(byCount);
      kept = kept.slice(0, opts.maxSize);
      if (order === 'insertion') kept.sort((a, b) => a - b);
    }
    if (order === 'count') kept.sort(byCount);
    else if (order === 'alphabetical') kept.sort((a, b) => compareStrings(this.tokens[a], this.tokens[b]));
    const out = new Vocabulary();
    out.documentCount = this.documentCount;
    for (const id of kept) out.addToken(this.tokens[id], this.counts[id], this.dfs[id]);
    return out;
  }

  toJSON(): VocabularyFile {
    return {
      format: VOCABULARY_FORMAT,
      kind: 'vocabulary',
      documents: this.documentCount,
      tokens: this.tokens.slice(),
      counts: this.counts.slice(),
      documentFrequencies: this.dfs.slice(),
    };
  }

  /** Rebuilds a vocabulary from `toJSON()` output; `source` names the file in errors. */
  static fromJSON(value: unknown, source = 'vocabulary'): Vocabulary {
    const bad = (reason: string) => new SmyslError('E_FORMAT', reason, { location: { source } });
    if (typeof value !== 'object' || value === null) throw bad('not a vocabulary (expected a JSON object)');
    const f = value as Partial<VocabularyFile>;
    if (f.kind !== 'vocabulary') throw bad(`not a vocabulary (kind is ${JSON.stringify(f.kind)})`);
    if (f.format !== VOCABULARY_FORMAT)
      throw bad(
        `unsupported vocabulary format ${JSON.stringify(f.format)} (this version reads ${VOCABULARY_FORMAT})`,
      );
    const { tokens, counts, documentFrequencies: dfs } = f;
    if (!Array.isArray(tokens) || !Array.isArray(counts) || !Array.isArray(dfs))
      throw bad('tokens, counts and documentFrequencies must be arrays');
    if (counts.length !== tokens.length || dfs.length !== tokens.length)
      throw bad(`array lengths differ: ${tokens.length} tokens, ${counts.length} counts, ${dfs.length} df`);
    const documents = f.documents ?? 0;
    if (!Number.isInteger(documents) || documents < 0) throw bad('documents must be a non-negative integer');
    const v = new Vocabulary();
    v.documentCount = documents;
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i];
      if (typeof t !== 'string') throw bad(`token ${i} is not a string`);
      if (v.ids.has(t)) throw bad(`duplicate token ${JSON.stringify(t)} at id ${i}`);
      if (!Number.isFinite(counts[i]) || !Number.isFinite(dfs[i]))
        throw bad(`count of token ${i} is not a number`);
      v.addToken(t, counts[i], dfs[i]);
    }
    return v;
  }

  /** Writes the vocabulary as JSON (atomically). */
  async save(file: string): Promise<void> {
    await writeFileAtomic(file, `${JSON.stringify(this.toJSON())}\n`);
  }

  static async load(file: string): Promise<Vocabulary> {
    return Vocabulary.fromJSON(await readJsonFile(file), file);
  }
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
