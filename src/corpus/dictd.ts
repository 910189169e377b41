/**
 * dictd dictionaries (the format of Debian's dict-* packages): a `.index` of
 * `headword TAB offset TAB length` (offsets and lengths in dictd's base64 digits) and a
 * `.dict` or dictzip `.dict.dz` (gzip-compatible) holding the entries' text. Used to read
 * bilingual word and phrase pairs (mueller7-dict, dict-freedict-eng-rus) for training.
 */
import { promises as fsp } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { SmyslError } from '../errors.js';

export interface DictdEntry {
  headword: string;
  /** The entry's text as stored (the headword line included). */
  body: string;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** dictd's base64 number (most significant digit first). */
export function dictdNumber(digits: string): number {
  let n = 0;
  for (const ch of digits) {
    const v = B64.indexOf(ch);
    if (v < 0) throw new SmyslError('E_FORMAT', `not a dictd base64 number: ${JSON.stringify(digits)}`);
    n = n * 64 + v;
  }
  return n;
}

/**
 * Reads every entry of a dictd dictionary; `indexFile` defaults to the data file's name with
 * `.index` in place of `.dict`/`.dict.dz`. Entries whose headword starts with `00-database`
 * (dictd's metadata) are left out.
 */
export async function readDictd(dictFile: string, indexFile?: string): Promise<DictdEntry[]> {
  const index = indexFile ?? dictFile.replace(/\.dict(\.dz)?$/, '.index');
  let raw: Buffer;
  let indexText: string;
  try {
    raw = await fsp.readFile(dictFile);
    indexText = await fsp.readFile(index, 'utf8');
  } catch (e) {
    throw new SmyslError('E_IO', `cannot read dictd dictionary: ${(e as Error).message}`, { cause: e });
  }
  const data = dictFile.endsWith('.dz') ? gunzipSync(raw) : raw;
  const entries: DictdEntry[] = [];
  indexText.split('\n').forEach((line, i) => {
    if (line === '') return;
    const [headword, off, len] = line.split('\t');
    if (len === undefined)
      throw new SmyslError('E_FORMAT', 'expected headword, offset and length', {
        location: { source: index, line: i + 1 },
      });
    if (headword.startsWith('00-database') || headword.startsWith('00database')) return;
    const start = dictdNumber(off);
    const end = start + dictdNumber(len);
    if (end > data.length)
      throw new SmyslError('E_FORMAT', `entry runs past the end of ${dictFile}`, {
        location: { source: index, line: i + 1 },
      });
    entries.push({ headword, body: data.subarray(start, end).toString('utf8') });
  });
  return entries;
}

/** One translation found in an entry. */
export interface TranslationPair {
  /** Source-language text (the headword, or an example phrase). */
  source: string;
  /** Target-language text. */
  target: string;
  /** 0 for the entry's first translation, then 1, 2, … in entry order. */
  rank: number;
  /** "headword" for translations of the headword, "phrase" for example phrases with their translation. */
  kind: 'headword' | 'phrase';
}

const CYRILLIC = /[\u0400-\u04FF]/;
const LATIN = /[A-Za-z]/;

/**
 * English→Russian pairs from an entry of mueller7 or freedict-eng-rus: the Cyrillic
 * translations of the headword (comma/semicolon separated, parentheses and `_labels.` dropped),
 * and example phrases written "english phrase русский перевод". Cross-references (`= word`)
 * and entries without Cyrillic are skipped.
 */
export function englishRussianPairs(entry: DictdEntry): TranslationPair[] {
  const lines = entry.body.split('\n');
  // the first line repeats the headword (freedict adds /ipa/ after it)
  let text = lines.slice(1).join(' ');
  if (!CYRILLIC.test(text)) return [];
  text = text
    .replace(/\[[^\]]*\]/g, ' ') // [transcription]
    .replace(/\/[^/\s][^/]*\//g, ' ') // /ipa/
    .replace(/\([^()]*\)/g, ' ') // (notes), twice for one level of nesting
    .replace(/\([^()]*\)/g, ' ')
    .replace(/_[^\s.]+\./g, ' ') // _n. _разг. _ам.
    .replace(/(^|\s)\d+\s*[.)]/g, '$1;') // sense numbers 1. 1)
    .replace(/(^|\s)[а-я]\)/g, '$1;') // sub-senses а) б)
    .replace(/\s+/g, ' ');
  const pairs: TranslationPair[] = [];
  let rank = 0;
  for (let segment of text.split(';')) {
    segment = segment.trim();
    if (segment === '' || segment.startsWith('=')) continue;
    if (!LATIN.test(segment)) {
      for (let t of segment.split(',')) {
        t = t
          .replace(/[«»"!?:.]+/g, ' ')
          .replace(/\s+/g, ' ')
          .trim();
        if (t === '' || !CYRILLIC.test(t) || t.split(' ').length > 4 || /тж\b|и т\s?\.?\s?п/.test(t))
          continue;
        pairs.push({ source: entry.headword, target: t, rank: rank++, kind: 'headword' });
      }
      continue;
    }
    // "english phrase русский перевод[, другой перевод]": Latin words first, then Cyrillic
    const m = /^([^\u0400-\u04FF]*[A-Za-z][^\u0400-\u04FF]*?)\s+([\u0400-\u04FF][^A-Za-z]*)$/.exec(segment);
    if (!m) continue;
    const source = m[1].replace(/[«»"]/g, '').trim();
    const target = m[2].split(',')[0].replace(/[«»"]/g, '').trim();
    if (source.split(' ').length > 8 || target === '' || source === '') continue;
    pairs.push({ source, target, rank: 0, kind: 'phrase' });
  }
  return pairs;
}
