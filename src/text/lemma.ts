import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { SmyslError } from '../errors.js';
import { stem } from './stem.js';

/**
 * Russian lemmas from OpenCorpora's dictionary, through npm `az` (a port of pymorphy2, MIT; its
 * 11 MB of dictionaries ship inside the package, so nothing is downloaded). Loading takes about
 * 0.2 s and 60 MB once per process; a word form is analysed once and then answered from a cache.
 */

interface AzParse {
  parser?: string;
  score: number;
  normalize(): { word: string };
}
interface AzModule {
  load(url: string, type: string, callback: (err: unknown, data?: unknown) => void): void;
  Morph: ((word: string, config?: Record<string, unknown>) => AzParse[]) & {
    init(dir: string, callback: (err: unknown) => void): void;
  };
}

let morph: AzModule['Morph'] | null = null;

/**
 * Loads az's dictionaries synchronously. `Morph.init` counts its pending loads and finishes when
 * the count returns to zero, so a loader that answered at once would finish after the first
 * file; instead every file is read at once and the answers are delivered after `init` has
 * registered all of them.
 */
function loadMorph(): AzModule['Morph'] {
  if (morph) return morph;
  const require = createRequire(import.meta.url);
  let az: AzModule;
  let dicts: string;
  try {
    az = require('az') as AzModule;
    dicts = path.join(path.dirname(require.resolve('az/package.json')), 'dicts');
  } catch (e) {
    throw new SmyslError(
      'E_MODEL',
      `the Russian lemmatizer needs the npm package "az": ${(e as Error).message}`,
    );
  }
  const pending: (() => void)[] = [];
  const original = az.load;
  az.load = (url, type, callback) => {
    let result: unknown;
    let error: unknown = null;
    try {
      const bytes = readFileSync(url);
      result =
        type === 'json'
          ? JSON.parse(bytes.toString('utf8'))
          : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    } catch (e) {
      error = e;
    }
    pending.push(() => callback(error, result));
  };
  let failure: unknown = null;
  let done = false;
  try {
    az.Morph.init(dicts, (err) => {
      if (err && !failure) failure = err;
      else done = true;
    });
    for (let i = 0; i < pending.length; i++) pending[i]();
  } finally {
    az.load = original;
  }
  if (failure || !done)
    throw new SmyslError(
      'E_MODEL',
      `cannot load the Russian dictionaries from ${dicts}: ${failure ? (failure as Error).message : 'incomplete'}`,
    );
  morph = az.Morph;
  return morph;
}

/** Parsers of az that look words up in the dictionary (incl. initials and hyphenated words). */
const KNOWN = new Set(['Dictionary', 'AbbrName', 'AbbrPatronymic', 'HyphenParticle', 'HyphenAdverb']);
const CYRILLIC = /[\u0400-\u04FF]/;
const YO = /ё/g;

const cache = new Map<string, readonly string[]>();

/**
 * Lemmas of a lowercase Russian word form, most likely first, every dictionary reading kept
 * («стали» → стать, сталь; «замке» → замок). «ё» is written «е» so that both spellings meet.
 * A form the dictionary does not know (a name, a new word) gets its Snowball stem instead of
 * az's guesses from suffixes: a guess can differ between forms of one word, a stem rarely does.
 * Non-Cyrillic words are returned unchanged.
 */
export function lemmas(word: string): readonly string[] {
  let out = cache.get(word);
  if (out !== undefined) return out;
  if (!CYRILLIC.test(word)) out = [word];
  else {
    const parses = loadMorph()(word);
    const seen: string[] = [];
    for (const p of parses) {
      if (!KNOWN.has(p.parser ?? '')) continue;
      let lemma: string | undefined;
      try {
        lemma = p.normalize().word?.toLowerCase().replace(YO, 'е');
      } catch {
        // az cannot normalise some parses; the reading is dropped, not the word
      }
      if (lemma && !seen.includes(lemma)) seen.push(lemma);
    }
    if (seen.length === 0 && word.includes('-'))
      // a compound az does not know (девочки-подростка): each part's most likely lemma
      seen.push(
        word
          .split('-')
          .map((part) => (part === '' ? part : lemmas(part)[0]))
          .join('-'),
      );
    out = seen.length > 0 ? seen : [stem(word.replace(YO, 'е'), 'ru')];
  }
  if (cache.size > 1_000_000) cache.clear();
  cache.set(word, out);
  return out;
}

/** Loads the dictionaries now (about 0.2 s) instead of at the first Russian word. */
export function preloadLemmas(): void {
  loadMorph();
}
