/**
 * Pseudo-parallel sentences: an English sentence translated word by word with a bilingual
 * dictionary. The result is poor Russian (lemmas in English word order, some wrong senses),
 * but a static student ignores word order and sees inflections through stems and n-grams, and
 * the target is the teacher's vector of the real English sentence — so every English sentence
 * the teacher can read becomes a lesson for the student's Russian vocabulary in sentence
 * context. Training on dictionary entries alone teaches words only in the "one word" region
 * of the teacher's space, which pulled whole Russian documents together (measured in
 * docs/encoder.md); sentence targets do not.
 */
import type { TranslationPair } from '../../corpus/dictd.js';
import { studentWords } from './features.js';

export interface LexiconOptions {
  /** Keep translations up to this rank in their entry (default 2: the first three). */
  maxRank?: number;
  /** Keep translations of at most this many words (default 2). */
  maxWords?: number;
}

interface Sense {
  target: string;
  rank: number;
}

/**
 * Inflected → base forms for English (WordNet's *.exc exception lists: "went go"), used
 * before the regular suffix rules.
 */
export type Exceptions = Map<string, string[]>;

/** Reads WordNet exception files' text ("inflected base [base…]" per line). */
export function parseExceptions(texts: Iterable<string>, into: Exceptions = new Map()): Exceptions {
  for (const text of texts)
    for (const line of text.split('\n')) {
      const [form, ...bases] = line.trim().split(/\s+/);
      if (!form || bases.length === 0) continue;
      const list = into.get(form) ?? [];
      for (const b of bases) if (!list.includes(b)) list.push(b.replace(/_/g, ' '));
      into.set(form, list);
    }
  return into;
}

// WordNet's morphy detachment rules (nouns, verbs, adjectives), tried in order.
const SUFFIX_RULES: [string, string][] = [
  ['ies', 'y'],
  ['ses', 's'],
  ['xes', 'x'],
  ['zes', 'z'],
  ['ches', 'ch'],
  ['shes', 'sh'],
  ['men', 'man'],
  ['es', 'e'],
  ['es', ''],
  ['s', ''],
  ['ed', 'e'],
  ['ed', ''],
  ['ing', 'e'],
  ['ing', ''],
  ['er', ''],
  ['er', 'e'],
  ['est', ''],
  ['est', 'e'],
];

/** English word → Russian translations, from dictionary pairs, with English base-form lookup. */
export class Lexicon {
  private readonly senses = new Map<string, Sense[]>();

  constructor(
    pairs: Iterable<TranslationPair>,
    private readonly exceptions: Exceptions = new Map(),
    opts: LexiconOptions = {},
  ) {
    const maxRank = opts.maxRank ?? 2;
    const maxWords = opts.maxWords ?? 2;
    for (const p of pairs) {
      if (p.kind !== 'headword' || p.rank > maxRank) continue;
      if (p.target.split(' ').length > maxWords) continue;
      const key = p.source.toLowerCase();
      const list = this.senses.get(key) ?? [];
      if (!list.some((s) => s.target === p.target)) list.push({ target: p.target, rank: p.rank });
      this.senses.set(key, list);
    }
  }

  get size(): number {
    return this.senses.size;
  }

  /** Translations of a lowercase English word: itself, its exception bases, then suffix rules. */
  lookup(word: string): readonly Sense[] | undefined {
    const direct = this.senses.get(word);
    if (direct) return direct;
    for (const base of this.exceptions.get(word) ?? []) {
      const s = this.senses.get(base);
      if (s) return s;
    }
    for (const [suffix, ending] of SUFFIX_RULES) {
      if (word.length <= suffix.length + 1 || !word.endsWith(suffix)) continue;
      const s = this.senses.get(word.slice(0, -suffix.length) + ending);
      if (s) return s;
    }
    return undefined;
  }
}

/** English words that have no Russian counterpart worth writing (articles, auxiliaries). */
export const UNTRANSLATED = new Set(
  "the a an is are was were be been being am do does did of to 's will would shall has have had it its".split(
    ' ',
  ),
);

export interface PseudoOptions {
  /** Share of the translatable words that must be found, else the sentence is skipped (default 0.6). */
  minCoverage?: number;
  /** Probability of taking an entry's first translation; otherwise one of the others at random (default 0.7). */
  firstSense?: number;
}

/**
 * Word-by-word translation; numbers are kept, untranslatable words dropped. Returns undefined
 * when too few words were found. `random` is a seeded generator in [0, 1).
 */
export function pseudoTranslate(
  sentence: string,
  lexicon: Lexicon,
  random: () => number,
  opts: PseudoOptions = {},
): string | undefined {
  const minCoverage = opts.minCoverage ?? 0.6;
  const firstSense = opts.firstSense ?? 0.7;
  const out: string[] = [];
  let total = 0;
  let found = 0;
  for (const w of studentWords(sentence)) {
    if (UNTRANSLATED.has(w)) continue;
    if (/^\d/.test(w)) {
      out.push(w);
      continue;
    }
    total++;
    const senses = lexicon.lookup(w);
    if (!senses) continue;
    found++;
    const pick =
      senses.length === 1 || random() < firstSense
        ? senses[0]
        : senses[1 + Math.floor(random() * (senses.length - 1))];
    out.push(pick.target);
  }
  if (total === 0 || found / total < minCoverage) return undefined;
  return out.join(' ');
}
