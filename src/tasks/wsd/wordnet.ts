import { createReadStream, existsSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { SmyslError } from '../../errors.js';

/** WordNet part of speech letters; `s` (adjective satellite) is folded into `a`. */
export type WordNetPos = 'n' | 'v' | 'a' | 'r';

export interface Sense {
  /** Sense key, e.g. "bank%1:14:00::". */
  key: string;
  /** Synset offset in data.<pos>, with the POS letter, e.g. "08420278n". */
  synset: string;
  /** 1 = most frequent sense (WordNet's order). */
  senseNumber: number;
  tagCount: number;
}

/** One synset of data.<pos>. */
export interface Synset {
  /** Offset with POS letter, e.g. "02084071n". */
  id: string;
  /** Lemmas in WordNet's spelling, lowercased (multi-word lemmas joined by "_"). */
  words: string[];
  /** Lexicographer file number (e.g. 5 = noun.animal). */
  lexFile: number;
  /** Hypernym and instance-hypernym synsets. */
  hypernyms: string[];
  gloss: string;
  definition: string;
  examples: string[];
}

const SS_TYPE: Record<string, WordNetPos> = { '1': 'n', '2': 'v', '3': 'a', '4': 'r', '5': 'a' };
const SS_TYPE_LETTER: Record<string, WordNetPos> = { n: 'n', v: 'v', a: 'a', s: 'a', r: 'r' };
const DATA_FILE: Record<WordNetPos, string> = { n: 'noun', v: 'verb', a: 'adj', r: 'adv' };

/** Universal (and Penn) POS tags of the WSD corpora → WordNet POS. */
export function toWordNetPos(tag: string): WordNetPos | undefined {
  const t = tag.toUpperCase();
  if (t === 'NOUN' || t.startsWith('NN')) return 'n';
  if (t === 'VERB' || t.startsWith('VB')) return 'v';
  if (t === 'ADJ' || t.startsWith('JJ')) return 'a';
  if (t === 'ADV' || t.startsWith('RB')) return 'r';
  return undefined;
}

/** Lemma as WordNet spells it: lowercase, spaces as underscores. */
export function normalizeLemma(lemma: string): string {
  return lemma.trim().toLowerCase().replace(/\s+/g, '_');
}

/**
 * The WordNet 3.0 sense inventory from a `dict/` directory: `index.sense` (every sense key with
 * its synset and frequency rank) and, on demand, synset glosses from `data.*` (whose synset
 * offsets are byte offsets into the file).
 */
/**
 * WordNet 3.0's dict/ directory: `dir` when given, else $WNSEARCHDIR, else Debian's
 * wordnet-base location (/usr/share/wordnet). The error says how to get it.
 */
export function findWordNet(dir?: string): string {
  const candidates = [dir, process.env.WNSEARCHDIR, '/usr/share/wordnet'].filter(Boolean) as string[];
  for (const d of candidates) if (existsSync(`${d}/index.sense`)) return d;
  throw new SmyslError(
    'E_USAGE',
    dir
      ? `${dir} has no index.sense (expected WordNet 3.0's dict/ directory)`
      : 'WordNet 3.0 not found: pass --wordnet <dict dir> (Debian: apt install wordnet-base wordnet-sense-index)',
  );
}

export class WordNet {
  private byLemma = new Map<string, Sense[]>();
  private byKey = new Map<string, Sense>();
  private data = new Map<WordNetPos, Buffer>();

  private constructor(readonly dir: string) {}

  static async load(dir: string): Promise<WordNet> {
    const file = path.join(dir, 'index.sense');
    try {
      await fsp.access(file);
    } catch {
      throw new SmyslError(
        'E_IO',
        `no WordNet index.sense in ${dir} (expected a WordNet 3.0 dict/ directory)`,
      );
    }
    const wn = new WordNet(dir);
    const rl = createInterface({
      input: createReadStream(file, 'utf8'),
      crlfDelay: Number.POSITIVE_INFINITY,
    });
    let line = 0;
    for await (const text of rl) {
      line++;
      if (text === '') continue;
      const parts = text.split(' ');
      const key = parts[0];
      const pct = key.indexOf('%');
      const pos = SS_TYPE[key[pct + 1]];
      if (parts.length < 4 || pct <= 0 || !pos)
        throw new SmyslError('E_FORMAT', `malformed index.sense line: ${text.slice(0, 80)}`, {
          location: { source: file, line },
        });
      const sense: Sense = {
        key,
        synset: `${parts[1]}${pos}`,
        senseNumber: Number(parts[2]),
        tagCount: Number(parts[3]),
      };
      const id = `${key.slice(0, pct)}#${pos}`;
      const list = wn.byLemma.get(id);
      if (list) list.push(sense);
      else wn.byLemma.set(id, [sense]);
      wn.byKey.set(key, sense);
    }
    for (const list of wn.byLemma.values()) list.sort((a, b) => a.senseNumber - b.senseNumber);
    return wn;
  }

  /** Candidate senses of a lemma with a POS, most frequent first (empty when unknown). */
  senses(lemma: string, pos: WordNetPos): readonly Sense[] {
    return this.byLemma.get(`${normalizeLemma(lemma)}#${pos}`) ?? [];
  }

  sense(key: string): Sense | undefined {
    return this.byKey.get(key);
  }

  get senseCount(): number {
    return this.byKey.size;
  }

  /** The gloss (definition and examples) of a synset such as "08420278n". */
  async gloss(synset: string): Promise<string> {
    return (await this.synset(synset)).gloss;
  }

  /**
   * A synset's entry in data.<pos>: its words (lemmas, WordNet spelling), lexicographer file,
   * hypernyms (plain and instance) and gloss split into definition and quoted examples.
   */
  async synset(id: string): Promise<Synset> {
    const pos = id.slice(-1) as WordNetPos;
    const offset = Number(id.slice(0, -1));
    const file = path.join(this.dir, `data.${DATA_FILE[pos]}`);
    const data = await this.dataFile(pos, file);
    const end = data.indexOf(10, offset);
    const line = data.toString('utf8', offset, end < 0 ? data.length : end);
    const bar = line.indexOf(' | ');
    const fields = (bar < 0 ? line : line.slice(0, bar)).split(' ');
    if (Number(fields[0]) !== offset || fields.length < 4)
      throw new SmyslError('E_FORMAT', `no synset at offset ${offset}`, { location: { source: file } });
    const wordCount = Number.parseInt(fields[3], 16);
    const words: string[] = [];
    for (let w = 0; w < wordCount; w++) words.push(fields[4 + 2 * w].replace(/\(.*\)$/, '').toLowerCase());
    const pointerStart = 4 + 2 * wordCount;
    const pointerCount = Number(fields[pointerStart]);
    const hypernyms: string[] = [];
    for (let p = 0; p < pointerCount; p++) {
      const at = pointerStart + 1 + 4 * p;
      const symbol = fields[at];
      if (symbol === '@' || symbol === '@i')
        hypernyms.push(`${fields[at + 1]}${SS_TYPE_LETTER[fields[at + 2]]}`);
    }
    const gloss = bar < 0 ? '' : line.slice(bar + 3).trim();
    const parts = gloss.split(/;\s*(?=")/);
    const examples = parts.slice(1).map((e) => e.replace(/^"|"$/g, '').trim());
    return { id, words, lexFile: Number(fields[1]), hypernyms, gloss, definition: parts[0].trim(), examples };
  }

  private async dataFile(pos: WordNetPos, file: string): Promise<Buffer> {
    let data = this.data.get(pos);
    if (!data) {
      try {
        data = await fsp.readFile(file);
      } catch (e) {
        throw new SmyslError('E_IO', `cannot read ${file}: ${(e as Error).message}`);
      }
      this.data.set(pos, data);
    }
    return data;
  }
}
