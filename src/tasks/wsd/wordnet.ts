import { createReadStream, promises as fsp } from 'node:fs';
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

const SS_TYPE: Record<string, WordNetPos> = { '1': 'n', '2': 'v', '3': 'a', '4': 'r', '5': 'a' };
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
export class WordNet {
  private byLemma = new Map<string, Sense[]>();
  private byKey = new Map<string, Sense>();

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
    const pos = synset.slice(-1) as WordNetPos;
    const offset = Number(synset.slice(0, -1));
    const file = path.join(this.dir, `data.${DATA_FILE[pos]}`);
    const fh = await fsp.open(file, 'r');
    try {
      const buf = Buffer.alloc(4096);
      const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
      const line = buf.subarray(0, bytesRead).toString('utf8').split('\n')[0];
      if (!line.startsWith(synset.slice(0, -1)))
        throw new SmyslError('E_FORMAT', `no synset at offset ${offset}`, { location: { source: file } });
      const bar = line.indexOf(' | ');
      return bar < 0 ? '' : line.slice(bar + 3).trim();
    } finally {
      await fh.close();
    }
  }
}
