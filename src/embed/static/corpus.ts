import { closeSync, promises as fsp, openSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readLineBatches } from '../../corpus/bytes.js';
import { textDecoding } from '../../corpus/encoding.js';
import { ProblemLog, ProblemSink } from '../../corpus/problems.js';
import { type ReadOptions, readDocuments } from '../../corpus/read.js';
import type { Document } from '../../corpus/types.js';
import { SmyslError, throwIfAborted } from '../../errors.js';
import { words } from '../../text/index.js';
import type { LongRunning } from '../../util/progress.js';

/** How a training corpus file is read. */
export interface CorpusOptions {
  /** One sentence per line, tokens separated by spaces, used as they are (default false). */
  pretokenized?: boolean;
  /** Lower-case tokens of plain text (default true; ignored with `pretokenized`). */
  lowercase?: boolean;
  /**
   * How a corpus path that is not pre-tokenized is read: the corpus readers' options (format —
   * directory, JSONL, JSON, CSV/TSV, text, by default from the extension —, fields, columns,
   * `where`, `strict`, `problems`). With `pretokenized`, only `strict`, `problems` and
   * `onProblem` apply (lines that are not valid UTF-8).
   */
  read?: ReadOptions;
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

/**
 * Streams the sentences (arrays of tokens) of a corpus path: a pre-tokenized file line by line,
 * or any format the corpus readers accept, document by document (see `documentSentences`).
 * Nothing is kept beyond the current read buffer (JSON files excepted: the reader parses them
 * whole).
 */
export async function* readSentences(
  file: string,
  opts: CorpusOptions & LongRunning = {},
): AsyncGenerator<string[]> {
  // The encoder reports progress in words; the reader's byte progress would fight it.
  const read: ReadOptions = { ...opts.read, signal: opts.read?.signal ?? opts.signal, onProgress: undefined };
  if (opts.pretokenized) {
    yield* readPretokenized(file, read);
    return;
  }
  yield* documentSentences(readDocuments(file, read), opts);
}

/**
 * Each document's word tokens (lower-cased unless `lowercase` is false) as one sentence: the
 * trainers cut sentences longer than their `maxSentenceLength` into pieces, as the C tool does
 * with long lines, so a whole book in one document trains like a book split into lines.
 */
export async function* documentSentences(
  docs: AsyncIterable<Document> | Iterable<Document>,
  opts: Pick<CorpusOptions, 'lowercase'> = {},
): AsyncGenerator<string[]> {
  const lower = opts.lowercase ?? true;
  for await (const doc of docs) {
    const tokens = words(lower ? doc.text.toLowerCase() : doc.text);
    if (tokens.length > 0) yield tokens;
  }
}

/** One sentence per line, tokens split on spaces; a line that cannot be decoded is a problem (file:line). */
async function* readPretokenized(file: string, read: ReadOptions): AsyncGenerator<string[]> {
  try {
    const info = await fsp.stat(file);
    if (info.isDirectory())
      throw new SmyslError('E_USAGE', 'a pre-tokenized corpus must be a file, not a directory', {
        location: { source: file },
      });
  } catch (e) {
    if (e instanceof SmyslError) throw e;
    throw new SmyslError('E_IO', `cannot read corpus: ${(e as Error).message}`, {
      location: { source: file },
      cause: e,
    });
  }
  const sink = new ProblemSink(read.problems ?? new ProblemLog(), read.strict ?? false, read.onProblem);
  const decoding = textDecoding(read.encoding);
  for await (const batch of readLineBatches(file, { signal: read.signal, chunkSize: 1 << 20 })) {
    const sentences: string[][] = [];
    for (const { bytes, line, offset } of batch) {
      const text = decoding.decode(bytes);
      if (text === undefined) {
        const { message, at } = decoding.describeInvalid(bytes, offset);
        sink.report(decoding.problem, file, `${message}; line skipped`, { line, offset: at });
        continue;
      }
      const tokens = text.split(' ').filter((t) => t.length > 0 && t !== '\t');
      if (tokens.length > 0) sentences.push(tokens);
    }
    yield* sentences;
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
