import { closeSync, createReadStream, promises as fsp, openSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { SmyslError, throwIfAborted } from '../../errors.js';
import { words } from '../../text/index.js';
import type { LongRunning } from '../../util/progress.js';

/** How a training corpus file is read. */
export interface CorpusOptions {
  /** One sentence per line, tokens separated by spaces, used as they are (default false). */
  pretokenized?: boolean;
  /** Lower-case tokens of plain text (default true; ignored with `pretokenized`). */
  lowercase?: boolean;
}

/** Sentence boundary in the encoded corpus. */
export const SENTENCE_END = -1;

/**
 * The corpus after one streaming pass: every token replaced by a provisional id (order of first
 * appearance) in a temporary file of little-endian int32 with SENTENCE_END between sentences,
 * so the training workers can stream their own byte ranges of it on every epoch without
 * keeping the corpus in memory.
 */
export interface EncodedCorpus {
  dir: string;
  idsFile: string;
  /** Number of int32 values in idsFile (tokens plus sentence ends). */
  length: number;
  tokens: number;
  sentences: number;
  /** Provisional id -> word and its count. */
  words: string[];
  counts: number[];
}

/** Streams sentences (arrays of tokens) from a text file, one line at a time. */
export async function* readSentences(file: string, opts: CorpusOptions = {}): AsyncGenerator<string[]> {
  let stream: ReturnType<typeof createReadStream>;
  try {
    await fsp.access(file);
    stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 });
  } catch (e) {
    throw new SmyslError('E_IO', `cannot read corpus ${file}: ${(e as Error).message}`, { cause: e });
  }
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  const lower = opts.lowercase ?? true;
  for await (const line of lines) {
    if (opts.pretokenized) {
      const tokens = line.split(' ').filter((t) => t.length > 0 && t !== '\t');
      if (tokens.length > 0) yield tokens;
    } else {
      const tokens = words(lower ? line.toLowerCase() : line);
      if (tokens.length > 0) yield tokens;
    }
  }
}

/** Reads the corpus once, counting words and writing the provisional-id file. */
export async function encodeCorpus(
  sentences: AsyncIterable<string[]> | Iterable<string[]>,
  opts: LongRunning = {},
): Promise<EncodedCorpus> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'smysl-word-ids-'));
  const idsFile = path.join(dir, 'ids.i32');
  const fd = openSync(idsFile, 'w');
  const buffer = new Int32Array(1 << 18);
  const bytes = new Uint8Array(buffer.buffer);
  let filled = 0;
  let length = 0;
  const flush = () => {
    if (filled > 0) writeSync(fd, bytes, 0, filled * 4);
    length += filled;
    filled = 0;
  };
  const ids = new Map<string, number>();
  const vocabWords: string[] = [];
  const counts: number[] = [];
  let tokens = 0;
  let sentenceCount = 0;
  try {
    for await (const sentence of sentences) {
      for (const token of sentence) {
        let id = ids.get(token);
        if (id === undefined) {
          id = vocabWords.length;
          ids.set(token, id);
          vocabWords.push(token);
          counts.push(0);
        }
        counts[id]++;
        buffer[filled++] = id;
        if (filled === buffer.length) flush();
      }
      tokens += sentence.length;
      buffer[filled++] = SENTENCE_END;
      if (filled === buffer.length) flush();
      if (++sentenceCount % 10000 === 0) {
        throwIfAborted(opts.signal);
        opts.onProgress?.({ phase: 'reading corpus', done: tokens, unit: 'words' });
      }
    }
    flush();
  } catch (e) {
    closeSync(fd);
    await fsp.rm(dir, { recursive: true, force: true });
    throw e;
  }
  closeSync(fd);
  opts.onProgress?.({ phase: 'reading corpus', done: tokens, unit: 'words' });
  return { dir, idsFile, length, tokens, sentences: sentenceCount, words: vocabWords, counts };
}

/** Removes the temporary files of an encoded corpus. */
export async function removeEncodedCorpus(corpus: EncodedCorpus): Promise<void> {
  await fsp.rm(corpus.dir, { recursive: true, force: true });
}
