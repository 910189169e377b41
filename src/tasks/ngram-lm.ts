import { promises as fsp } from 'node:fs';
import { SmyslError } from '../errors.js';
import { splitSentences } from '../text/sentences.js';
import { words } from '../text/tokenize.js';
import { writeFileAtomic } from '../util/fs.js';

export type Smoothing = 'kneser-ney' | 'add-k';

export interface NgramLmOptions {
  /** Order n (default 3). */
  order?: number;
  /** Default 'kneser-ney' (interpolated, absolute discount). */
  smoothing?: Smoothing;
  /** Kneser-Ney discount D in (0, 1) (default 0.75). */
  discount?: number;
  /** Add-k constant (default 1: Laplace). */
  k?: number;
  /** Words seen fewer times become <unk> (default 1: keep all). */
  minCount?: number;
}

const BOS = '<s>';
const EOS = '</s>';
const UNK = '<unk>';
const FORMAT = 1;

/**
 * Word-level n-gram language model with interpolated Kneser-Ney or add-k smoothing.
 * Sentences are token arrays; each is padded with n-1 `<s>` and one `</s>`; words outside the
 * vocabulary map to `<unk>`. Every conditional distribution sums to 1 over the vocabulary
 * (including `</s>` and `<unk>`, excluding `<s>`, which is never predicted).
 */
export class NgramLanguageModel {
  readonly order: number;
  readonly smoothing: Smoothing;
  readonly discount: number;
  readonly k: number;
  readonly minCount: number;
  private vocab = new Map<string, number>();
  private words: string[] = [];
  /** counts[m] maps an (m+1)-gram key to its count (highest order) or continuation count (lower orders). */
  private counts: Map<string, number>[] = [];
  /** ctx[m] maps an m-word context key to [total, distinct followers] at level m+1. */
  private ctx: Map<string, [number, number]>[] = [];

  constructor(options: NgramLmOptions = {}) {
    this.order = options.order ?? 3;
    this.smoothing = options.smoothing ?? 'kneser-ney';
    this.discount = options.discount ?? 0.75;
    this.k = options.k ?? 1;
    this.minCount = options.minCount ?? 1;
    if (!Number.isInteger(this.order) || this.order < 1)
      throw new SmyslError('E_USAGE', `order must be a positive integer, got ${this.order}`);
    if (!(this.discount > 0 && this.discount < 1))
      throw new SmyslError('E_USAGE', `discount must be in (0, 1), got ${this.discount}`);
    if (!(this.k > 0)) throw new SmyslError('E_USAGE', `k must be > 0, got ${this.k}`);
  }

  /** Vocabulary size used for normalisation (all predictable symbols). */
  get vocabularySize(): number {
    return this.words.length;
  }

  /** Learns counts from tokenized sentences (an iterable may be a generator over a large file). */
  fit(sentences: Iterable<readonly string[]>): this {
    const list = Array.isArray(sentences) ? (sentences as readonly string[][]) : [...sentences];
    const freq = new Map<string, number>();
    for (const s of list) for (const w of s) freq.set(w, (freq.get(w) ?? 0) + 1);
    this.vocab.clear();
    this.words = [];
    const add = (w: string) => {
      if (!this.vocab.has(w)) {
        this.vocab.set(w, this.words.length);
        this.words.push(w);
      }
    };
    for (const [w, c] of [...freq].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)))
      if (c >= this.minCount && w !== BOS && w !== EOS && w !== UNK) add(w);
    add(EOS);
    add(UNK);
    const bos = -1; // <s> is a context symbol only, never in the predicted vocabulary
    const n = this.order;
    const top = new Map<string, number>();
    for (const s of list) {
      const ids = this.padded(s, bos);
      for (let i = n - 1; i < ids.length; i++) {
        const key = ids.slice(i - n + 1, i + 1).join(' ');
        top.set(key, (top.get(key) ?? 0) + 1);
      }
    }
    this.counts = new Array(n);
    this.counts[n - 1] = top;
    // lower orders: Kneser-Ney continuation counts N1+(• w_2..w_m) — the number of distinct left
    // extensions; add-k needs only the top order
    for (let m = n - 2; m >= 0; m--) {
      const lower = new Map<string, number>();
      if (this.smoothing === 'kneser-ney') {
        for (const key of this.counts[m + 1].keys()) {
          const suffix = key.slice(key.indexOf(' ') + 1);
          lower.set(suffix, (lower.get(suffix) ?? 0) + 1);
        }
      }
      this.counts[m] = lower;
    }
    this.buildContexts();
    return this;
  }

  private padded(sentence: readonly string[], bos: number): number[] {
    const ids: number[] = new Array(this.order - 1).fill(bos);
    const unk = this.vocab.get(UNK)!;
    for (const w of sentence) ids.push(this.vocab.get(w) ?? unk);
    ids.push(this.vocab.get(EOS)!);
    return ids;
  }

  private checkFitted(): void {
    if (this.words.length === 0)
      throw new SmyslError('E_STATE', 'language model is not trained: call fit first');
  }

  /** P(word | history), history = the preceding words (only the last n-1 matter). */
  probability(word: string, history: readonly string[] = []): number {
    this.checkFitted();
    const unk = this.vocab.get(UNK)!;
    const w = this.vocab.get(word) ?? unk;
    const h = this.historyIds(history);
    return this.prob(w, h);
  }

  private historyIds(history: readonly string[]): number[] {
    const unk = this.vocab.get(UNK)!;
    const n1 = this.order - 1;
    const ids: number[] = [];
    for (let i = history.length - n1; i < history.length; i++)
      ids.push(i < 0 ? -1 : history[i] === BOS ? -1 : (this.vocab.get(history[i]) ?? unk));
    return ids;
  }

  private prob(w: number, h: number[]): number {
    const V = this.words.length;
    if (this.smoothing === 'add-k') {
      const key = h.length ? `${h.join(' ')} ${w}` : String(w);
      const c = this.counts[this.order - 1].get(key) ?? 0;
      const total = this.ctx[this.order - 1].get(h.join(' '))?.[0] ?? 0;
      return (c + this.k) / (total + this.k * V);
    }
    // interpolated Kneser-Ney, from the unigram level up
    const D = this.discount;
    const uni = this.ctx[0].get('');
    let p: number;
    if (uni) {
      const c = this.counts[0].get(String(w)) ?? 0;
      p = Math.max(c - D, 0) / uni[0] + ((D * uni[1]) / uni[0]) * (1 / V);
    } else p = 1 / V;
    for (let m = 1; m < this.order; m++) {
      const hist = h.slice(h.length - m).join(' ');
      const e = this.ctx[m].get(hist);
      if (!e) continue; // unseen context: keep the lower-order estimate
      const c = this.counts[m].get(`${hist} ${w}`) ?? 0;
      p = Math.max(c - D, 0) / e[0] + ((D * e[1]) / e[0]) * p;
    }
    return p;
  }

  /** Natural-log probability of each predicted token of a sentence (its words and `</s>`). */
  sentenceLogProbs(sentence: readonly string[]): number[] {
    this.checkFitted();
    const ids = this.padded(sentence, -1);
    const out: number[] = [];
    for (let i = this.order - 1; i < ids.length; i++)
      out.push(Math.log(this.prob(ids[i], ids.slice(i - this.order + 1, i))));
    return out;
  }

  /** Perplexity exp(-mean log P) over all predicted tokens of the sentences. */
  perplexity(sentences: Iterable<readonly string[]>): { perplexity: number; tokens: number; oov: number } {
    let sum = 0;
    let tokens = 0;
    let oov = 0;
    for (const s of sentences) {
      for (const w of s) if (!this.vocab.has(w)) oov++;
      for (const lp of this.sentenceLogProbs(s)) {
        sum += lp;
        tokens++;
      }
    }
    if (tokens === 0) throw new SmyslError('E_INPUT', 'perplexity: no tokens in the held-out text');
    return { perplexity: Math.exp(-sum / tokens), tokens, oov };
  }

  /**
   * Suggestions for typed text, as a keyboard makes them: after a space, the next word; in the
   * middle of a word, completions of it (the words before it are the history).
   */
  suggestFor(text: string, k = 5): { word: string; p: number }[] {
    const typed = words(text.toLowerCase());
    const completing = text.length > 0 && !/\s$/.test(text) && typed.length > 0;
    const prefix = completing ? typed.pop() : undefined;
    return this.suggest(typed, { k, prefix });
  }

  /**
   * Next-word suggestions for a history, most probable first. With `prefix`, only words starting
   * with it (completing a partly typed word, as T9 does).
   */
  suggest(
    history: readonly string[],
    options: { k?: number; prefix?: string } = {},
  ): { word: string; p: number }[] {
    this.checkFitted();
    const k = options.k ?? 5;
    const h = this.historyIds(history);
    const out: { word: string; p: number }[] = [];
    for (let w = 0; w < this.words.length; w++) {
      const word = this.words[w];
      if (word === UNK || word === EOS) continue;
      if (options.prefix && !word.startsWith(options.prefix)) continue;
      out.push({ word, p: this.prob(w, h) });
    }
    out.sort((a, b) => b.p - a.p || (a.word < b.word ? -1 : 1));
    return out.slice(0, k);
  }

  toJSON(): object {
    return {
      format: FORMAT,
      kind: 'ngram-lm',
      order: this.order,
      smoothing: this.smoothing,
      discount: this.discount,
      k: this.k,
      minCount: this.minCount,
      words: this.words,
      counts: this.counts.map((m) => [...m]),
    };
  }

  async save(file: string): Promise<void> {
    await writeFileAtomic(file, JSON.stringify(this.toJSON()));
  }

  /** Reads a model written by `save` (or `smysl lm train`). */
  static async load(file: string): Promise<NgramLanguageModel> {
    let text: string;
    try {
      text = await fsp.readFile(file, 'utf8');
    } catch (e) {
      throw new SmyslError('E_IO', `cannot read ${file}: ${(e as Error).message}`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new SmyslError('E_FORMAT', 'not JSON', { location: { source: file } });
    }
    return NgramLanguageModel.fromJSON(json, file);
  }

  static fromJSON(json: unknown, source = 'model'): NgramLanguageModel {
    const j = json as {
      format?: number;
      kind?: string;
      order: number;
      smoothing: Smoothing;
      discount: number;
      k: number;
      minCount: number;
      words: string[];
      counts: [string, number][][];
    };
    if (j?.kind !== 'ngram-lm' || j.format !== FORMAT)
      throw new SmyslError('E_FORMAT', 'not a smysl n-gram language model (format 1)', {
        location: { source },
      });
    const lm = new NgramLanguageModel(j);
    lm.words = j.words;
    lm.vocab = new Map(j.words.map((w, i) => [w, i]));
    lm.counts = j.counts.map((entries) => new Map(entries));
    lm.buildContexts();
    return lm;
  }

  /** Context totals and distinct-follower counts, derived from the counts (not stored). */
  private buildContexts(): void {
    this.ctx = this.counts.map((level) => {
      const c = new Map<string, [number, number]>();
      for (const [key, count] of level) {
        const cut = key.lastIndexOf(' ');
        const h = cut < 0 ? '' : key.slice(0, cut);
        const e = c.get(h);
        if (e) {
          e[0] += count;
          e[1]++;
        } else c.set(h, [count, 1]);
      }
      return c;
    });
  }
}

/** The units the model counts: each sentence of a text as lowercased words (sentences without words left out). */
export function sentenceWords(text: string): string[][] {
  const out: string[][] = [];
  for (const s of splitSentences(text)) {
    const w = words(s.text.toLowerCase());
    if (w.length > 0) out.push(w);
  }
  return out;
}
