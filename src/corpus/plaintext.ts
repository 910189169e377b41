import { basename } from 'node:path';
import { splitSentences } from '../text/sentences.js';
import { decodeUtf8, invalidUtf8At, readLines } from './bytes.js';
import type { ReaderContext, SourcedDocument } from './context.js';

/** How one plain text file is cut into documents. */
export type TextSplit = 'line' | 'paragraph' | 'sentence';

/**
 * Beyond this many characters a "paragraph" is cut at a line boundary before sentence
 * splitting, so a file without blank lines still streams in bounded memory (at worst one
 * sentence per megabyte is cut in two).
 */
const SENTENCE_WINDOW = 1 << 20;

interface Paragraph {
  lines: string[];
  lineNumbers: number[];
  offset: number;
  chars: number;
  /** Set when a line of it was not valid UTF-8: the whole paragraph is skipped. */
  broken: boolean;
}

/**
 * A plain text file as many documents: one per non-blank line, per blank-line-separated
 * paragraph, or per sentence. Ids are `<file>:<line>` (sentences: `<file>:<line>:<n>`, the n-th
 * sentence starting on that line); meta holds the file name, line and byte offset.
 */
export async function* readPlainText(
  path: string,
  split: TextSplit,
  ctx: ReaderContext,
): AsyncGenerator<SourcedDocument> {
  const file = basename(path);
  let blank = 0;
  const lines = readLines(path, { signal: ctx.signal, onBytes: (n) => ctx.progress(n) });
  if (split === 'line') {
    for await (const { bytes, line, offset } of lines) {
      const text = decodeUtf8(bytes);
      if (text === undefined) {
        reportBadLine(ctx, path, bytes, line, offset, 'line skipped');
        continue;
      }
      if (!/\S/.test(text)) {
        blank++;
        continue;
      }
      yield { id: `${file}:${line}`, text, meta: { file, line, offset }, source: path, line, offset };
    }
    if (blank > 0) ctx.log.ignore('blank line', blank);
    return;
  }

  let para: Paragraph | undefined;
  const emit = function* (p: Paragraph): Generator<SourcedDocument> {
    if (p.broken) return;
    if (split === 'paragraph') {
      const line = p.lineNumbers[0];
      yield {
        id: `${file}:${line}`,
        text: p.lines.join('\n'),
        meta: { file, line, offset: p.offset },
        source: path,
        line,
        offset: p.offset,
      };
      return;
    }
    yield* sentencesOf(p, file, path);
  };
  for await (const { bytes, line, offset } of lines) {
    const text = decodeUtf8(bytes);
    if (text === undefined) {
      reportBadLine(
        ctx,
        path,
        bytes,
        line,
        offset,
        `${split === 'paragraph' ? 'paragraph' : "paragraph's sentences"} skipped`,
      );
      para ??= { lines: [], lineNumbers: [], offset, chars: 0, broken: false };
      para.broken = true;
      continue;
    }
    if (!/\S/.test(text)) {
      if (para) yield* emit(para);
      para = undefined;
      continue;
    }
    para ??= { lines: [], lineNumbers: [], offset, chars: 0, broken: false };
    para.lines.push(text);
    para.lineNumbers.push(line);
    para.chars += text.length + 1;
    if (split === 'sentence' && para.chars > SENTENCE_WINDOW) {
      yield* emit(para);
      para = undefined;
    }
  }
  if (para) yield* emit(para);
}

function reportBadLine(
  ctx: ReaderContext,
  path: string,
  bytes: Buffer,
  line: number,
  offset: number,
  what: string,
) {
  const at = offset + invalidUtf8At(bytes);
  ctx.sink.report('invalid-utf8', path, `invalid UTF-8 at byte ${at}; ${what}`, { line, offset: at });
}

function* sentencesOf(p: Paragraph, file: string, path: string): Generator<SourcedDocument> {
  const text = p.lines.join('\n');
  // character offset of each line's start inside `text`, to map a sentence back to its line
  const starts: number[] = [];
  let at = 0;
  for (const l of p.lines) {
    starts.push(at);
    at += l.length + 1;
  }
  let lastLine = -1;
  let nth = 0;
  for (const s of splitSentences(text)) {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= s.start) lo = mid;
      else hi = mid - 1;
    }
    const line = p.lineNumbers[lo];
    nth = line === lastLine ? nth + 1 : 1;
    lastLine = line;
    yield { id: `${file}:${line}:${nth}`, text: s.text, meta: { file, line }, source: path, line };
  }
}
