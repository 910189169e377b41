import type { Highlighter } from '../embed/sparse/highlight.js';
import { splitSentences } from '../text/sentences.js';

/** A span of a text: [start, end) in UTF-16 code units. */
export interface TextSpan {
  start: number;
  end: number;
}

/** A sentence of a passage as shown: Markdown stripped, with the words the query matches. */
export interface PassageSentence {
  text: string;
  /** Where the sentence is in the document's text (before stripping). */
  start: number;
  end: number;
  /** Matched words in `text`. */
  highlights: TextSpan[];
}

const SNIPPET_CHARS = 240;
const TITLE_CHARS = 80;

/**
 * Markdown (and stray HTML) as plain text: heading marks, emphasis, inline code, links and images
 * (their text kept), list and quote markers, code fences, tags. Offsets are not preserved.
 */
export function stripMarkdown(text: string): string {
  return text
    .replace(/^```.*$/gm, '')
    .replace(/^\s{0,3}#{1,6}\s+/gm, '')
    .replace(/^\s{0,3}>\s?/gm, '')
    .replace(/^\s*(?:[-*+]|\d+[.)])\s+/gm, '')
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
    .replace(/<\/?[A-Za-z][^>]*>/g, '')
    .replace(/(\*\*|__)(?=\S)(.+?)(?<=\S)\1/g, '$2')
    .replace(/(?<![\p{L}\p{N}])([*_])(?=\S)(.+?)(?<=\S)\1(?![\p{L}\p{N}])/gu, '$2')
    .replace(/`([^`]+)`/g, '$1')
    .replace(/^\s*(?:-{3,}|\*{3,}|_{3,})\s*$/gm, '');
}

/** Cuts `text` to at most `max` characters at a word boundary, with an ellipsis when cut. */
export function cutAtWord(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  const cut = flat.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > max * 0.5 ? cut.slice(0, space) : cut).replace(/[\s,;:.-]+$/, '')}…`;
}

/**
 * A document's title: its `title` metadata, else its first Markdown heading, else its first
 * line when that line is short and not the whole text, else its first sentence — cut at a word.
 */
export function titleOf(text: string, meta: Record<string, unknown> | undefined): string {
  const t = meta?.title;
  if (typeof t === 'string' && t.trim() !== '') return cutAtWord(t, TITLE_CHARS * 2);
  const heading = /^\s{0,3}#{1,6}\s+(.+)$/m.exec(text.slice(0, 2000));
  if (heading) return cutAtWord(stripMarkdown(heading[1]), TITLE_CHARS);
  const first = text.split('\n').find((l) => l.trim() !== '') ?? '';
  if (first.trim().length <= 120 && first.trim() !== text.trim())
    return cutAtWord(stripMarkdown(first), TITLE_CHARS);
  const sentence = splitSentences(text.slice(0, 2000))[0]?.text ?? '';
  return cutAtWord(stripMarkdown(sentence), TITLE_CHARS);
}

/**
 * The sentences of `text` (a chunk, at `offset` in its document) with the query's words marked,
 * and which one matches best: the most distinct query terms, the first on a tie; with no match,
 * the first sentence.
 */
export function passageSentences(
  text: string,
  offset: number,
  query: string,
  highlighter: Highlighter,
  title = '',
): { sentences: PassageSentence[]; best: number } {
  const terms = highlighter.queryTerms(query);
  const sentences: PassageSentence[] = [];
  let best = 0;
  let bestScore = -1;
  for (const s of splitSentences(text)) {
    const shown = stripMarkdown(s.text).replace(/\s+/g, ' ').trim();
    if (shown === '') continue;
    const highlights = highlighter.spans(shown, terms);
    const distinct = new Set(highlights.map((h) => shown.slice(h.start, h.end).toLowerCase())).size;
    // the heading the title was taken from is shown as the title already
    if (distinct > bestScore && !(shown === title && sentences.length === 0)) {
      bestScore = distinct;
      best = sentences.length;
    }
    sentences.push({ text: shown, start: offset + s.start, end: offset + s.end, highlights });
  }
  if (sentences.length === 0) {
    const shown = stripMarkdown(text).replace(/\s+/g, ' ').trim();
    sentences.push({
      text: shown,
      start: offset,
      end: offset + text.length,
      highlights: highlighter.spans(shown, terms),
    });
  }
  return { sentences, best };
}

/**
 * A snippet of about SNIPPET_CHARS centred on the best sentence: that sentence, then its
 * neighbours while they fit, cut at words, with ellipses where text was left out.
 */
export function snippetAround(
  sentences: PassageSentence[],
  best: number,
  max = SNIPPET_CHARS,
  title = '',
): string {
  if (sentences.length === 0) return '';
  // a leading sentence that is the title (a heading) is not repeated in the snippet
  const first = sentences.length > 1 && sentences[0].text === title ? 1 : 0;
  if (best < first) best = first;
  let from = best;
  let to = best + 1;
  let length = sentences[best].text.length;
  for (;;) {
    const before = from > first ? sentences[from - 1].text.length + 1 : Number.POSITIVE_INFINITY;
    const after = to < sentences.length ? sentences[to].text.length + 1 : Number.POSITIVE_INFINITY;
    // grow on the shorter side first, so the best sentence stays near the middle
    if (Math.min(before, after) === Number.POSITIVE_INFINITY || length + Math.min(before, after) > max) break;
    if (after <= before) {
      length += after;
      to++;
    } else {
      length += before;
      from--;
    }
  }
  const body = sentences
    .slice(from, to)
    .map((s) => s.text)
    .join(' ');
  const cut = cutAtWord(body, max);
  return `${from > first ? '… ' : ''}${cut}${to < sentences.length && !cut.endsWith('…') ? ' …' : ''}`;
}

/** 1-based line of `offset` in `text`, counted from `firstLine`. */
export function lineAt(text: string, offset: number, firstLine: number): number {
  let line = firstLine;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}
