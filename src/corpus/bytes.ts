import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { throwIfAborted } from '../errors.js';

/** One line of a file as raw bytes, without its line terminator ("\n" or "\r\n"). */
export interface RawLine {
  /** A view into the read buffer: decode it before asking for the next line. */
  bytes: Buffer;
  /** 1-based line number. */
  line: number;
  /** Byte offset of the line's first byte in the file. */
  offset: number;
}

export interface ByteReadOptions {
  signal?: AbortSignal;
  /** Called with the number of bytes read so far, once per chunk. */
  onBytes?: (bytesRead: number) => void;
  chunkSize?: number;
}

export function hasBom(buf: Uint8Array): boolean {
  return buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf;
}

/**
 * Streams a file's lines as byte views. Splitting bytes rather than decoded text keeps line
 * numbers and byte offsets exact, lets each line be validated as UTF-8 on its own (one bad line
 * does not poison the file), and avoids a decode of the whole chunk. A leading UTF-8 BOM is
 * dropped from line 1 (its offset still counts it).
 */
export async function* readLines(path: string, options: ByteReadOptions = {}): AsyncGenerator<RawLine> {
  for await (const batch of readLineBatches(path, options)) yield* batch;
}

/**
 * The lines of each chunk read, as one array: one await per chunk instead of one per line,
 * which is what makes short-line files fast. The views stay valid until the next batch.
 */
export async function* readLineBatches(
  path: string,
  options: ByteReadOptions = {},
): AsyncGenerator<RawLine[]> {
  const stream = createReadStream(path, { highWaterMark: options.chunkSize ?? 1 << 16 });
  let pending: Buffer[] = [];
  let pendingStart = 0;
  let fileOffset = 0;
  let line = 0;
  let first = true;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      throwIfAborted(options.signal);
      let buf = chunk;
      let base = fileOffset;
      fileOffset += chunk.length;
      options.onBytes?.(fileOffset);
      const batch: RawLine[] = [];
      if (pending.length > 0) {
        const nl = chunk.indexOf(10);
        if (nl < 0) {
          pending.push(chunk);
          continue;
        }
        // only the carried-over line is copied; the rest of the chunk stays a view
        pending.push(chunk.subarray(0, nl + 1));
        const joined = Buffer.concat(pending);
        pending = [];
        line++;
        batch.push(lineOf(joined, 0, joined.length - 1, line, pendingStart, first));
        first = false;
        buf = chunk.subarray(nl + 1);
        base += nl + 1;
      }
      let pos = 0;
      for (;;) {
        const nl = buf.indexOf(10, pos);
        if (nl < 0) break;
        line++;
        batch.push(lineOf(buf, pos, nl, line, base + pos, first));
        first = false;
        pos = nl + 1;
      }
      if (pos < buf.length) {
        pending.push(buf.subarray(pos));
        pendingStart = base + pos;
      }
      if (batch.length > 0) yield batch;
    }
    if (pending.length > 0) {
      const joined = Buffer.concat(pending);
      line++;
      yield [lineOf(joined, 0, joined.length, line, pendingStart, first)];
    }
  } finally {
    stream.destroy();
  }
}

function lineOf(
  buf: Buffer,
  start: number,
  end: number,
  line: number,
  offset: number,
  first: boolean,
): RawLine {
  if (end > start && buf[end - 1] === 13) end--;
  if (first && hasBom(buf.subarray(start, end))) start += 3;
  return { bytes: buf.subarray(start, end), line, offset };
}

/** Decodes UTF-8, or returns undefined when the bytes are not valid UTF-8. */
export function decodeUtf8(bytes: Buffer): string | undefined {
  return isUtf8(bytes) ? bytes.toString('utf8') : undefined;
}

/**
 * Index of the first byte that does not start a valid UTF-8 sequence in [start, end), or -1.
 * Slow path used only to locate a problem after the fast `isUtf8` check has failed.
 */
export function invalidUtf8At(buf: Uint8Array, start = 0, end = buf.length): number {
  let i = start;
  while (i < end) {
    const b = buf[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    let n: number;
    let min: number;
    if ((b & 0xe0) === 0xc0) {
      n = 1;
      min = 0x80;
    } else if ((b & 0xf0) === 0xe0) {
      n = 2;
      min = 0x800;
    } else if ((b & 0xf8) === 0xf0) {
      n = 3;
      min = 0x10000;
    } else return i;
    if (i + n >= end) return i;
    let cp = b & (0x7f >> (n + 1));
    for (let k = 1; k <= n; k++) {
      const c = buf[i + k];
      if ((c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += n + 1;
  }
  return -1;
}

/** 1-based line number of a byte offset (counts "\n" before it). */
export function lineAtOffset(buf: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < buf.length; i++) if (buf[i] === 10) line++;
  return line;
}

/** Heuristic for "this is not a text file": a NUL byte, or invalid UTF-8 inside the head. */
export function looksBinary(head: Uint8Array): boolean {
  if (head.indexOf(0) >= 0) return true;
  const bad = invalidUtf8At(head);
  // a multi-byte character cut by the end of the head is not evidence of binary data
  return bad >= 0 && bad < head.length - 3;
}
