import { promises as fsp } from 'node:fs';
import { basename } from 'node:path';
import { SmyslError } from '../errors.js';
import { splitSentences } from '../text/sentences.js';
import { readLineBatches } from './bytes.js';
import type { ReaderContext, SourcedDocument } from './context.js';

/** How one plain text file is cut into documents. */
export type TextSplit = 'line' | 'paragraph' | 'section' | 'sentence';

/** A Markdown ATX heading line ("# Title" … "###### Title") starts a section. */
const HEADING = /^ {0,3}#{1,6}(\s|$)/;

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
  /** Set when a line of it could not be decoded: the whole paragraph is skipped. */
  broken: boolean;
}

/**
 * A plain text file as many documents: one per non-blank line, per blank-line-separated
 * paragraph, per section (a Markdown heading and what follows it up to the next heading; blank
 * lines kept, so the text is the file's own), or per sentence. Ids are `<file>:<line>` (sentences: `<file>:<line>:<n>`, the n-th
 * sentence starting on that line); meta holds the file name, line and byte offset.
 */
export async function* readPlainText(
  path: string,
  split: TextSplit,
  ctx: ReaderContext,
): AsyncGenerator<SourcedDocument[]> {
  const file = basename(path);
  let blank = 0;
  let para: Paragraph | undefined;
  const emit = (p: Paragraph, out: SourcedDocument[]): void => {
    if (p.broken) return;
    if (split === 'paragraph' || split === 'section') {
      const line = p.lineNumbers[0];
      while (p.lines.length > 0 && !/\S/.test(p.lines[p.lines.length - 1])) p.lines.pop();
      const doc: SourcedDocument = {
        id: `${file}:${line}`,
        text: p.lines.join('\n'),
        meta: { file, line, offset: p.offset },
        source: path,
        line,
        offset: p.offset,
        verbatim: true,
      };
      if (ctx.accept(doc)) out.push(doc);
    } else sentencesOf(p, file, path, ctx, out);
  };
  const badLine =
    split === 'line'
      ? 'line skipped'
      : split === 'paragraph'
        ? 'paragraph skipped'
        : split === 'section'
          ? 'section skipped'
          : "paragraph's sentences skipped";
  for await (const batch of readLineBatches(path, { signal: ctx.signal, onBytes: (n) => ctx.progress(n) })) {
    const out: SourcedDocument[] = [];
    try {
      for (const { bytes, line, offset } of batch) {
        const text = ctx.decoding.decode(bytes);
        if (text === undefined) {
          reportBadLine(ctx, path, bytes, line, offset, badLine);
          if (split !== 'line') {
            para ??= { lines: [], lineNumbers: [], offset, chars: 0, broken: false };
            para.broken = true;
          }
          continue;
        }
        if (!/\S/.test(text)) {
          if (split === 'line') blank++;
          else if (split === 'section') {
            // blank lines stay inside a section (its text is verbatim); leading ones are dropped
            if (para) {
              para.lines.push(text);
              para.lineNumbers.push(line);
              para.chars += text.length + 1;
            }
          } else if (para) {
            emit(para, out);
            para = undefined;
          }
          continue;
        }
        if (split === 'line') {
          const doc = {
            id: `${file}:${line}`,
            text,
            meta: { file, line, offset },
            source: path,
            line,
            offset,
            verbatim: true,
          };
          if (ctx.accept(doc)) out.push(doc);
          continue;
        }
        // a heading starts a new section; so does a section grown past the window (bounded memory)
        if (split === 'section' && para && (HEADING.test(text) || para.chars > SENTENCE_WINDOW)) {
          emit(para, out);
          para = undefined;
        }
        para ??= { lines: [], lineNumbers: [], offset, chars: 0, broken: false };
        para.lines.push(text);
        para.lineNumbers.push(line);
        para.chars += text.length + 1;
        if (split === 'sentence' && para.chars > SENTENCE_WINDOW) {
          emit(para, out);
          para = undefined;
        }
      }
    } catch (e) {
      // strict mode: documents before the fatal line are still delivered, in order
      if (out.length > 0) yield out;
      throw e;
    }
    if (out.length > 0) yield out;
  }
  if (para) {
    const out: SourcedDocument[] = [];
    emit(para, out);
    if (out.length > 0) yield out;
  }
  if (blank > 0) ctx.log.ignore('blank line', blank);
}

function reportBadLine(
  ctx: ReaderContext,
  path: string,
  bytes: Buffer,
  line: number,
  offset: number,
  what: string,
) {
  const { message, at } = ctx.decoding.describeInvalid(bytes, offset);
  ctx.sink.report(ctx.decoding.problem, path, `${message}; ${what}`, { line, offset: at });
}

function sentencesOf(
  p: Paragraph,
  file: string,
  path: string,
  ctx: ReaderContext,
  out: SourcedDocument[],
): void {
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
    const doc = { id: `${file}:${line}:${nth}`, text: s.text, meta: { file, line }, source: path, line };
    if (ctx.accept(doc)) out.push(doc);
  }
}

/** The non-blank lines of a UTF-8 text file (one sentence or document a line), e.g. to fit an embedder on. */
export async function readTextLines(file: string): Promise<string[]> {
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (e) {
    throw new SmyslError('E_IO', `cannot read ${file}: ${(e as Error).message}`);
  }
  return text.split(/\r?\n/).filter((l) => l.trim() !== '');
}
