import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { endianness } from 'node:os';
import path from 'node:path';
import { SmyslError, throwIfAborted } from '../../errors.js';
import type { LongRunning } from '../../util/progress.js';

/**
 * The word-vector file formats people already have:
 * - `word2vec-text`: header `count dim`, then `word v1 ... vdim` per line (also fastText `.vec`);
 * - `word2vec-binary`: header `count dim\n`, then per word `word` + space + dim float32
 *   little-endian, optionally followed by a newline (the original C tool writes one, gensim not);
 * - `glove-text`: like word2vec text without the header;
 * - `fasttext-vec`: word2vec text under fastText's name.
 */
export type WordVectorFormat = 'word2vec-text' | 'word2vec-binary' | 'glove-text' | 'fasttext-vec';
/** Formats plus the short names the CLI accepts. */
export type WordVectorFormatName =
  | WordVectorFormat
  | 'text'
  | 'binary'
  | 'bin'
  | 'glove'
  | 'vec'
  | 'word2vec';

export interface WordVectorData {
  words: string[];
  dim: number;
  /** Row-major, `words.length * dim` values. */
  vectors: Float32Array;
}

export interface WordVectorReadOptions extends LongRunning {
  /** Default: detected from the file's first bytes. */
  format?: WordVectorFormatName | 'auto';
  /** Read at most this many vectors (the first ones in the file). */
  limit?: number;
  /** Called for things that are not fatal but not silent either (e.g. duplicate words skipped). */
  onWarning?: (message: string) => void;
}

export interface WordVectorReadResult extends WordVectorData {
  format: WordVectorFormat;
  /** Rows skipped because their word had appeared before (the first occurrence is kept, as in gensim). */
  duplicates: number;
}

export function normalizeWordVectorFormat(name: string): WordVectorFormat {
  switch (name) {
    case 'word2vec-text':
    case 'text':
    case 'word2vec':
      return 'word2vec-text';
    case 'word2vec-binary':
    case 'binary':
    case 'bin':
      return 'word2vec-binary';
    case 'glove-text':
    case 'glove':
      return 'glove-text';
    case 'fasttext-vec':
    case 'vec':
      return 'fasttext-vec';
    default:
      throw new SmyslError(
        'E_USAGE',
        `unknown word-vector format "${name}" (use word2vec-text, word2vec-binary, glove-text or fasttext-vec)`,
      );
  }
}

const CHUNK = 4 << 20;
const LF = 10;
const CR = 13;
const SPACE = 32;
const TAB = 9;

/** Reads the file in chunks; `data[start, end)` holds unconsumed bytes. */
class ChunkReader {
  data: Buffer = Buffer.alloc(CHUNK);
  start = 0;
  end = 0;
  eof = false;
  /** File offset of data[0]. */
  base = 0;
  private position = 0;

  constructor(
    private readonly handle: fsp.FileHandle,
    readonly fileSize: number,
  ) {}

  /** Moves unconsumed bytes to the front and reads more; returns false at end of file. */
  async fill(): Promise<boolean> {
    if (this.eof) return false;
    const keep = this.end - this.start;
    if (keep >= this.data.length - (this.data.length >> 2)) {
      const bigger = Buffer.alloc(this.data.length * 2);
      this.data.copy(bigger, 0, this.start, this.end);
      this.data = bigger;
    } else if (this.start > 0) {
      this.data.copyWithin(0, this.start, this.end);
    }
    this.base += this.start;
    this.start = 0;
    this.end = keep;
    const { bytesRead } = await this.handle.read(
      this.data,
      this.end,
      this.data.length - this.end,
      this.position,
    );
    this.position += bytesRead;
    this.end += bytesRead;
    if (bytesRead === 0) this.eof = true;
    return bytesRead > 0;
  }
}

async function openForReading(file: string): Promise<{ handle: fsp.FileHandle; size: number }> {
  try {
    const handle = await fsp.open(file, 'r');
    const stat = await handle.stat();
    if (stat.isDirectory()) {
      await handle.close();
      throw new Error('is a directory');
    }
    return { handle, size: stat.size };
  } catch (e) {
    throw new SmyslError('E_IO', `cannot read ${file}: ${(e as Error).message}`, { cause: e });
  }
}

/** Detects the format from the first bytes: a `count dim` header means word2vec text or binary. */
export async function detectWordVectorFormat(file: string): Promise<WordVectorFormat> {
  const { handle } = await openForReading(file);
  try {
    const head = Buffer.alloc(1 << 16);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return detectFromHead(head.subarray(0, bytesRead), file);
  } finally {
    await handle.close();
  }
}

function detectFromHead(head: Buffer, file: string): WordVectorFormat {
  const firstNl = head.indexOf(LF);
  const firstLine = head.toString('latin1', 0, firstNl === -1 ? head.length : firstNl);
  const header = /^\s*(\d+)\s+(\d+)\s*$/.exec(firstLine);
  if (!header) {
    if (head.length === 0) throw new SmyslError('E_FORMAT', 'empty file', { location: { source: file } });
    return 'glove-text';
  }
  const dim = Number(header[2]);
  let pos = firstNl + 1;
  while (pos < head.length && (head[pos] === LF || head[pos] === CR)) pos++;
  const space = head.indexOf(SPACE, pos);
  if (space === -1) return 'word2vec-text';
  // Text iff the rest of the first record is exactly `dim` numbers; dim random float32 bytes
  // essentially never look like that.
  let lineEnd = head.indexOf(LF, space);
  if (lineEnd === -1) lineEnd = head.length;
  const rest = head.toString('latin1', space + 1, lineEnd).trim();
  const fields = rest.length === 0 ? [] : rest.split(/[ \t]+/);
  const numeric = fields.length === dim && fields.every((f) => /^[-+]?(\d|\.\d|nan|inf)/i.test(f));
  return numeric ? 'word2vec-text' : 'word2vec-binary';
}

/** Reads word vectors in any supported format, streaming; see {@link WordVectorReadOptions}. */
export async function readWordVectors(
  file: string,
  options: WordVectorReadOptions = {},
): Promise<WordVectorReadResult> {
  const requested =
    options.format && options.format !== 'auto' ? normalizeWordVectorFormat(options.format) : undefined;
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  if (!(limit >= 0)) throw new SmyslError('E_USAGE', `limit must be >= 0, got ${options.limit}`);
  const { handle, size } = await openForReading(file);
  try {
    const reader = new ChunkReader(handle, size);
    await reader.fill();
    const format = requested ?? detectFromHead(reader.data.subarray(0, Math.min(reader.end, 1 << 16)), file);
    const state: ReadState = {
      file,
      words: [],
      seen: new Map(),
      duplicates: 0,
      firstDuplicate: undefined,
      options,
    };
    let data: WordVectorData;
    if (format === 'word2vec-binary') data = await readBinary(reader, state, limit);
    else data = await readText(reader, state, limit, format === 'glove-text');
    if (state.duplicates > 0 && options.onWarning)
      options.onWarning(
        `${file}: ${state.duplicates} duplicate word(s) skipped (first occurrence kept), first: ${state.firstDuplicate}`,
      );
    return {
      ...data,
      format: format === 'fasttext-vec' ? 'word2vec-text' : format,
      duplicates: state.duplicates,
    };
  } finally {
    await handle.close();
  }
}

interface ReadState {
  file: string;
  words: string[];
  seen: Map<string, number>;
  duplicates: number;
  firstDuplicate: string | undefined;
  options: WordVectorReadOptions;
}

function formatError(state: ReadState, message: string, line?: number, offset?: number): SmyslError {
  return new SmyslError('E_FORMAT', message, { location: { source: state.file, line, offset } });
}

/** Registers a word; false when it is a duplicate (then its row is skipped). */
function addWord(state: ReadState, word: string, where: string): boolean {
  if (state.seen.has(word)) {
    state.duplicates++;
    if (state.firstDuplicate === undefined) state.firstDuplicate = `${JSON.stringify(word)} at ${where}`;
    return false;
  }
  state.seen.set(word, state.words.length);
  state.words.push(word);
  return true;
}

function report(reader: ChunkReader, state: ReadState): void {
  throwIfAborted(state.options.signal);
  state.options.onProgress?.({
    phase: 'reading vectors',
    done: reader.base + reader.start,
    total: reader.fileSize,
    unit: 'bytes',
  });
}

function parseHeader(line: string, state: ReadState): { count: number; dim: number } {
  const m = /^\s*(\d+)\s+(\d+)\s*$/.exec(line);
  if (!m)
    throw formatError(state, `expected a "count dim" header, found ${JSON.stringify(line.slice(0, 60))}`, 1);
  const count = Number(m[1]);
  const dim = Number(m[2]);
  if (dim < 1) throw formatError(state, `header declares dimension ${dim}`, 1);
  return { count, dim };
}

async function readText(
  reader: ChunkReader,
  state: ReadState,
  limit: number,
  noHeader: boolean,
): Promise<WordVectorData> {
  let lineNo = 0;
  let declared = -1;
  let dim = -1;
  let vectors = new Float32Array(0);
  let rows = 0;
  let lastLineNo = 0;

  for (;;) {
    let nl = reader.data.indexOf(LF, reader.start);
    if (nl === -1 || nl >= reader.end) {
      if (!reader.eof) {
        report(reader, state);
        await reader.fill();
        continue;
      }
      if (reader.start >= reader.end) break;
      nl = reader.end;
    }
    lineNo++;
    const data = reader.data;
    const lineStart = reader.start;
    let lineEnd = nl;
    reader.start = Math.min(nl + 1, reader.end);
    if (lineNo === 1 && !noHeader) {
      ({ count: declared, dim } = parseHeader(data.toString('utf8', lineStart, lineEnd), state));
      const capacity = Math.min(declared, limit);
      vectors = new Float32Array(capacity * dim);
      if (capacity === 0) break;
      continue;
    }
    while (
      lineEnd > lineStart &&
      (data[lineEnd - 1] === CR || data[lineEnd - 1] === SPACE || data[lineEnd - 1] === TAB)
    )
      lineEnd--;
    if (lineEnd === lineStart) continue;
    if (dim === -1) {
      // GloVe: the first line fixes the dimension.
      const fields = data.toString('utf8', lineStart, lineEnd).split(' ');
      dim = fields.length - 1;
      if (dim < 1) throw formatError(state, 'a vector line needs a word and at least one value', lineNo);
      vectors = new Float32Array(Math.min(limit, 1024) * dim);
    }
    if (declared >= 0 && rows + state.duplicates >= declared)
      throw formatError(state, `header declares ${declared} vectors but the file has more lines`, lineNo);
    const space = data.indexOf(SPACE, lineStart);
    if (space === -1 || space >= lineEnd)
      throw formatError(state, `expected a word and ${dim} values, found no values`, lineNo);
    const word = data.toString('utf8', lineStart, space);
    if (!addWord(state, word, `line ${lineNo}`)) {
      lastLineNo = lineNo;
      continue;
    }
    if ((rows + 1) * dim > vectors.length) {
      const bigger = new Float32Array(Math.max(vectors.length * 2, (rows + 1) * dim));
      bigger.set(vectors);
      vectors = bigger;
    }
    const found = parseFloats(data, space + 1, lineEnd, vectors, rows * dim, dim);
    if (found !== dim) {
      if (found < 0)
        throw formatError(
          state,
          `non-numeric value ${JSON.stringify(badToken(data, -found - 1, lineEnd))} for word ${JSON.stringify(word)}`,
          lineNo,
        );
      throw formatError(
        state,
        `expected ${dim} values for word ${JSON.stringify(word)}, found ${found > dim ? 'more' : found}`,
        lineNo,
      );
    }
    rows++;
    lastLineNo = lineNo;
    if (rows >= limit) break;
  }
  if (lineNo === 0 || (dim === -1 && noHeader)) throw formatError(state, 'no vectors in file');
  if (declared >= 0 && rows < Math.min(declared, limit) && rows + state.duplicates < declared)
    throw formatError(
      state,
      `header declares ${declared} vectors but the file ends after ${rows + state.duplicates}`,
      lastLineNo + 1,
    );
  if (vectors.length !== rows * dim) vectors = vectors.slice(0, rows * dim);
  report(reader, state);
  return { words: state.words, dim, vectors };
}

function badToken(data: Buffer, from: number, end: number): string {
  let to = from;
  while (to < end && data[to] !== SPACE && data[to] !== TAB) to++;
  return data.toString('utf8', from, Math.min(to, from + 40));
}

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);
const MAX_EXACT = 2 ** 53;

/**
 * Parses up to `dim` decimal numbers separated by spaces/tabs from data[from, end) into
 * out[outOffset...]. Returns how many were found (dim + 1 means "more than dim"), or
 * −(position + 1) of a token that is not a number. Plain decimals with at most 15 significant
 * digits are converted exactly like `Number()` (one correctly rounded multiply or divide);
 * anything else falls back to `Number()` on the token.
 */
function parseFloats(
  data: Buffer,
  from: number,
  end: number,
  out: Float32Array,
  outOffset: number,
  dim: number,
): number {
  let i = from;
  let n = 0;
  while (i < end) {
    let c: number = data[i];
    if (c === SPACE || c === TAB || c === CR) {
      i++;
      continue;
    }
    if (n === dim) return dim + 1;
    const tokenStart = i;
    let negative = false;
    if (c === 45 /* - */) {
      negative = true;
      c = ++i < end ? data[i] : 0;
    } else if (c === 43 /* + */) {
      c = ++i < end ? data[i] : 0;
    }
    let mantissa = 0;
    let digits = 0;
    let exponent = 0;
    let simple = true;
    let any = false;
    while (c >= 48 && c <= 57) {
      any = true;
      if (mantissa !== 0 || c !== 48) digits++;
      mantissa = mantissa * 10 + (c - 48);
      c = ++i < end ? data[i] : 0;
    }
    if (c === 46 /* . */) {
      c = ++i < end ? data[i] : 0;
      while (c >= 48 && c <= 57) {
        any = true;
        if (mantissa !== 0 || c !== 48) digits++;
        mantissa = mantissa * 10 + (c - 48);
        exponent--;
        c = ++i < end ? data[i] : 0;
      }
    }
    if (any && (c === 101 || c === 69) /* e E */) {
      c = ++i < end ? data[i] : 0;
      let expNegative = false;
      if (c === 45) {
        expNegative = true;
        c = ++i < end ? data[i] : 0;
      } else if (c === 43) {
        c = ++i < end ? data[i] : 0;
      }
      let e = 0;
      let expDigits = 0;
      while (c >= 48 && c <= 57) {
        e = e * 10 + (c - 48);
        expDigits++;
        c = ++i < end ? data[i] : 0;
      }
      if (expDigits === 0) any = false;
      exponent += expNegative ? -e : e;
    }
    const atSeparator = i >= end || c === SPACE || c === TAB || c === CR;
    if (!any || !atSeparator) {
      // nan, inf, or garbage: let Number() decide on the whole token.
      let to = tokenStart;
      while (to < end && data[to] !== SPACE && data[to] !== TAB && data[to] !== CR) to++;
      const token = data.toString('latin1', tokenStart, to);
      const value = parseSpecial(token);
      if (value === undefined) return -(tokenStart + 1);
      out[outOffset + n++] = value;
      i = to;
      continue;
    }
    if (digits > 15 || mantissa >= MAX_EXACT || exponent < -22 || exponent > 22) simple = false;
    let value: number;
    if (simple) value = exponent < 0 ? mantissa / POW10[-exponent] : mantissa * POW10[exponent];
    else
      value = Number(data.toString('latin1', negative ? tokenStart + 1 : tokenStart, i).replace(/^\+/, ''));
    out[outOffset + n++] = negative ? -value : value;
  }
  return n;
}

function parseSpecial(token: string): number | undefined {
  const lower = token.toLowerCase();
  if (lower === 'nan' || lower === '+nan' || lower === '-nan') return Number.NaN;
  if (lower === 'inf' || lower === '+inf' || lower === 'infinity' || lower === '+infinity')
    return Number.POSITIVE_INFINITY;
  if (lower === '-inf' || lower === '-infinity') return Number.NEGATIVE_INFINITY;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(token)) return undefined;
  return Number(token);
}

async function readBinary(reader: ChunkReader, state: ReadState, limit: number): Promise<WordVectorData> {
  let nl = reader.data.indexOf(LF, reader.start);
  while ((nl === -1 || nl >= reader.end) && !reader.eof) {
    await reader.fill();
    nl = reader.data.indexOf(LF, reader.start);
  }
  if (nl === -1 || nl >= reader.end) throw formatError(state, 'missing "count dim" header line', 1);
  const { count, dim } = parseHeader(reader.data.toString('utf8', reader.start, nl), state);
  reader.start = nl + 1;
  const capacity = Math.min(count, limit);
  let vectors = new Float32Array(capacity * dim);
  const bytes = new Uint8Array(vectors.buffer);
  const vectorBytes = dim * 4;
  let rows = 0;
  let records = 0;
  while (rows < capacity) {
    // A record: optional newline(s) left by the previous one, word, space, dim float32.
    for (;;) {
      while (
        reader.start < reader.end &&
        (reader.data[reader.start] === LF || reader.data[reader.start] === CR)
      )
        reader.start++;
      const space = reader.data.indexOf(SPACE, reader.start);
      if (space !== -1 && space < reader.end && space + 1 + vectorBytes <= reader.end) break;
      if (reader.eof)
        throw formatError(
          state,
          `truncated binary file: header declares ${count} vectors of dimension ${dim}, data ends inside vector ${records + 1}`,
          undefined,
          reader.base + reader.start,
        );
      if (reader.end - reader.start > (1 << 20) + vectorBytes && (space === -1 || space >= reader.end))
        throw formatError(
          state,
          'no space after a word within 1 MB: not a word2vec binary file',
          undefined,
          reader.base + reader.start,
        );
      report(reader, state);
      await reader.fill();
    }
    const space = reader.data.indexOf(SPACE, reader.start);
    const word = reader.data.toString('utf8', reader.start, space);
    records++;
    if (addWord(state, word, `byte ${reader.base + reader.start}`)) {
      bytes.set(reader.data.subarray(space + 1, space + 1 + vectorBytes), rows * vectorBytes);
      rows++;
    }
    reader.start = space + 1 + vectorBytes;
    if (records >= count) break;
  }
  if (endianness() === 'BE') swapFloat32(bytes, rows * dim);
  if (rows >= limit) {
    // stopped early on purpose
  } else {
    // Anything but whitespace after the declared vectors means the header count is wrong.
    for (;;) {
      while (reader.start < reader.end) {
        const c = reader.data[reader.start];
        if (c !== LF && c !== CR && c !== SPACE && c !== TAB)
          throw formatError(
            state,
            `header declares ${count} vectors but more data follows them`,
            undefined,
            reader.base + reader.start,
          );
        reader.start++;
      }
      if (!(await reader.fill())) break;
    }
  }
  if (vectors.length !== rows * dim) vectors = vectors.slice(0, rows * dim);
  report(reader, state);
  return { words: state.words, dim, vectors };
}

function swapFloat32(bytes: Uint8Array, count: number): void {
  for (let i = 0; i < count * 4; i += 4) {
    const a = bytes[i];
    const b = bytes[i + 1];
    bytes[i] = bytes[i + 3];
    bytes[i + 1] = bytes[i + 2];
    bytes[i + 2] = b;
    bytes[i + 3] = a;
  }
}

/**
 * The shortest decimal that reads back as the same float32 (what numpy's repr prints), so text
 * round trips are exact.
 */
export function formatFloat32(value: number): string {
  const v = Math.fround(value);
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  let s = v.toPrecision(6);
  for (let p = 7; p <= 9 && Math.fround(Number(s)) !== v; p++) s = v.toPrecision(p);
  const e = s.indexOf('e');
  if (e === -1) return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
  const mantissa = s.slice(0, e);
  return (mantissa.includes('.') ? mantissa.replace(/\.?0+$/, '') : mantissa) + s.slice(e);
}

/** Writes vectors atomically (temp file in the same directory, then rename). */
export async function writeWordVectors(
  file: string,
  data: WordVectorData,
  format: WordVectorFormatName = 'word2vec-text',
  options: LongRunning = {},
): Promise<void> {
  const resolved = normalizeWordVectorFormat(format);
  const { words, dim, vectors } = data;
  if (vectors.length !== words.length * dim)
    throw new SmyslError(
      'E_INPUT',
      `vectors has ${vectors.length} values, expected ${words.length} x ${dim}`,
    );
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (w.length === 0 || /[\s]/.test(w))
      throw new SmyslError(
        'E_INPUT',
        `word ${i} (${JSON.stringify(w)}) is empty or contains whitespace; word-vector files cannot hold it`,
      );
  }
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  let handle: fsp.FileHandle | undefined;
  try {
    await fsp.mkdir(dir, { recursive: true });
    handle = await fsp.open(tmp, 'w');
    const out = handle;
    const progress = (done: number) => {
      throwIfAborted(options.signal);
      options.onProgress?.({ phase: 'writing vectors', done, total: words.length, unit: 'words' });
    };
    if (resolved === 'word2vec-binary') {
      const parts: Buffer[] = [Buffer.from(`${words.length} ${dim}\n`, 'utf8')];
      let pending = parts[0].length;
      const vectorBytes = Buffer.from(vectors.buffer, vectors.byteOffset, vectors.length * 4);
      const bigEndian = endianness() === 'BE';
      for (let i = 0; i < words.length; i++) {
        const word = Buffer.from(`${words[i]} `, 'utf8');
        let vec = vectorBytes.subarray(i * dim * 4, (i + 1) * dim * 4);
        if (bigEndian) {
          vec = Buffer.from(vec);
          swapFloat32(vec, dim);
        }
        parts.push(word, vec, NEWLINE);
        pending += word.length + vec.length + 1;
        if (pending >= CHUNK) {
          await out.write(Buffer.concat(parts, pending));
          parts.length = 0;
          pending = 0;
          progress(i + 1);
        }
      }
      if (pending > 0) await out.write(Buffer.concat(parts, pending));
    } else {
      let text = resolved === 'glove-text' ? '' : `${words.length} ${dim}\n`;
      const line: string[] = new Array(dim + 1);
      for (let i = 0; i < words.length; i++) {
        line[0] = words[i];
        const off = i * dim;
        for (let k = 0; k < dim; k++) line[k + 1] = formatFloat32(vectors[off + k]);
        text += `${line.join(' ')}\n`;
        if (text.length >= CHUNK) {
          await out.write(text, null, 'utf8');
          text = '';
          progress(i + 1);
        }
      }
      if (text.length > 0) await out.write(text, null, 'utf8');
    }
    await out.close();
    handle = undefined;
    await fsp.rename(tmp, file);
  } catch (e) {
    await handle?.close().catch(() => {});
    await fsp.rm(tmp, { force: true });
    if (e instanceof SmyslError) throw e;
    throw new SmyslError('E_IO', `cannot write ${file}: ${(e as Error).message}`, { cause: e });
  }
}

const NEWLINE = Buffer.from('\n');
