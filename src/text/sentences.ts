/**
 * Sentence splitter for Russian and English.
 *
 * Rules:
 * - A blank line (paragraph break) always ends a sentence. A single line break does not
 *   (hard-wrapped books), unless `lineBreaks` is set.
 * - A candidate end is a run of `.`, `!`, `?`, `…` followed by optional closing quotes or
 *   brackets (`» " ” ’ ) ]`), then whitespace or the end of the text. A terminator not followed
 *   by whitespace (`3.14`, `т.д.,`, `example.com`) is never an end.
 * - The candidate is an end only when what follows starts a sentence: after spaces, opening
 *   quotes or brackets, and a dash, the first character is an uppercase letter, a digit, or
 *   anything that is not a lowercase letter. So `«Привет!» — сказал он.` and
 *   `“Hi!” he said.` stay one sentence, and `и т. д. и т. п.` does not split.
 * - A `.` after a known abbreviation that precedes names or numbers (`Mr.`, `Dr.`, `e.g.`,
 *   `i.e.`, `т.е.`, `т.к.`, `им.`, `ул.`, `см.` …) is never an end; nor after an initial — a
 *   single uppercase letter (`А. С. Пушкин`, `J. R. R. Tolkien`, `Л.Н. Толстой`) — nor after a single
 *   lowercase letter other than `я` (Russian `т. е.`, `т. к.`, `с. 5`).
 * - A number or Roman numeral alone before a `.` is a list marker (`1. Введение`), not a sentence.
 * - Abbreviations that can end a sentence (`и т.д.`, `etc.`, `г.`) end one exactly when the
 *   next word is capitalised.
 * Sentence offsets are UTF-16 code unit offsets into the original string; the text is
 * `original.slice(start, end)` (line breaks inside are kept).
 */
export interface Sentence {
  text: string;
  /** Offsets in UTF-16 code units into the original string. */
  start: number;
  end: number;
}

export interface SplitSentencesOptions {
  /** A single line break also ends a sentence (default false: only blank lines do). */
  lineBreaks?: boolean;
}

/** Abbreviations (lowercase, inner dots kept, final dot dropped) after which "." never ends a sentence. */
const NEVER_FINAL = new Set([
  // English
  'mr',
  'mrs',
  'ms',
  'messrs',
  'dr',
  'prof',
  'rev',
  'hon',
  'gen',
  'col',
  'capt',
  'lt',
  'sgt',
  'gov',
  'sen',
  'rep',
  'st',
  'mt',
  'ft',
  'vs',
  'e.g',
  'i.e',
  'cf',
  'viz',
  'approx',
  'fig',
  'figs',
  'vol',
  'vols',
  'pp',
  'ch',
  'eq',
  'ref',
  'jan',
  'feb',
  'mar',
  'apr',
  'jun',
  'jul',
  'aug',
  'sep',
  'sept',
  'oct',
  'nov',
  'dec',
  // Russian
  'т.е',
  'т.к',
  'т.н',
  'т.ч',
  'т.о',
  'напр',
  'ср',
  'ул',
  'просп',
  'пер',
  'пл',
  'наб',
  'кв',
  'корп',
  'стр',
  'тов',
  'гр',
  'г-н',
  'г-жа',
  'проф',
  'акад',
  'доц',
  'канд',
  'д-р',
  'рис',
  'табл',
  'гл',
  'ст',
  'прим',
  'дж',
  'англ',
  'лат',
  'франц',
  'нем',
  'греч',
  'ред',
  'изд',
  'обл',
  'р-н',
  'пос',
  'дер',
  'оз',
  'о-в',
  'св',
]);

const OPEN_PUNCT = new Set(['«', '"', '“', '„', '‘', "'", '(', '[', '—', '–', '-', '‐', '‑']);
const CLOSE_PUNCT = new Set(['»', '"', '”', '’', "'", ')', ']', '“']);

const UPPER = /\p{Lu}|\p{Lt}/u;
const DOTTED_INITIALS = /^\p{Lu}(?:\.\p{Lu})+$/u;
const LOWER = /\p{Ll}/u;
const LETTER = /\p{L}/u;
const SPACE = /\s/u;
const CANDIDATE = /[.!?…]/g;
const CANDIDATE_OR_NEWLINE = /[.!?…\n]/g;
const PARAGRAPH = /\r?\n[ \t\f\v\r\u00A0]*\r?\n\s*/gu;

function isSpace(ch: string): boolean {
  return SPACE.test(ch);
}

/** The word (letters, inner dots and hyphens) that ends right before position end. */
function wordBefore(text: string, end: number): string {
  let i = end;
  while (i > 0) {
    const ch = text[i - 1];
    if (LETTER.test(ch) || ((ch === '.' || ch === '-') && i - 1 > 0 && LETTER.test(text[i - 2]))) i--;
    else break;
  }
  return text.slice(i, end);
}

/** Whether the "." at position dot follows an abbreviation or initial that never ends a sentence. */
function isNonFinalAbbreviation(text: string, dot: number): boolean {
  const word = wordBefore(text, dot);
  if (word === '') return false;
  const lower = word.toLowerCase();
  if (NEVER_FINAL.has(lower)) return true;
  // initials written without spaces: "Л.Н", "J.R.R"
  if (DOTTED_INITIALS.test(word)) return true;
  // "г."/"гг." after a number is a year and can end a sentence; otherwise it is "город"
  if (lower === 'г' || lower === 'гг')
    return !/\d\s*$/u.test(text.slice(Math.max(0, dot - word.length - 8), dot - word.length));
  const letters = [...word];
  if (letters.length === 1) {
    // an initial (А. С. Пушкин) or a one-letter Russian abbreviation (т. е., с. 5); "я." ends
    if (UPPER.test(word)) return true;
    return lower !== 'я' && lower !== 'a' && lower !== 'i';
  }
  return false;
}

/** Whether the text from position i starts a new sentence (see the module comment). */
function startsSentence(text: string, i: number, end: number): boolean {
  let j = i;
  while (j < end && (isSpace(text[j]) || OPEN_PUNCT.has(text[j]))) j++;
  if (j >= end) return true;
  const ch = text[j];
  if (LOWER.test(ch)) return false;
  return true;
}

const LIST_MARKER = /^\s*(?:\d{1,3}|[IVXLC]{1,6})$/u;

/**
 * A number or Roman numeral alone before the dot at the start of a sentence or line
 * ("1. Введение", "IV. Итоги") numbers a list item.
 */
function isListMarker(text: string, sentenceStart: number, dot: number): boolean {
  const lineStart = Math.max(sentenceStart, text.lastIndexOf('\n', dot - 1) + 1);
  return dot - lineStart <= 12 && LIST_MARKER.test(text.slice(lineStart, dot));
}

function isTerminator(ch: string): boolean {
  return ch === '.' || ch === '!' || ch === '?' || ch === '…';
}

function splitRange(text: string, from: number, to: number, lineBreaks: boolean, out: Sentence[]): void {
  let sentenceStart = from;
  const push = (s: number, e: number) => {
    while (s < e && isSpace(text[s])) s++;
    while (e > s && isSpace(text[e - 1])) e--;
    if (e > s) out.push({ text: text.slice(s, e), start: s, end: e });
  };
  const candidates = lineBreaks ? CANDIDATE_OR_NEWLINE : CANDIDATE;
  let i = from;
  while (i < to) {
    // jump to the next terminator (or line break) with the native regex scanner
    candidates.lastIndex = i;
    const found = candidates.exec(text);
    if (found === null || found.index >= to) break;
    i = found.index;
    const ch = text[i];
    if (ch === '\n') {
      push(sentenceStart, i);
      sentenceStart = i + 1;
      i++;
      continue;
    }
    const runStart = i;
    let j = i;
    while (j < to && isTerminator(text[j])) j++;
    const runEnd = j;
    while (j < to && CLOSE_PUNCT.has(text[j])) j++;
    if (j < to && !isSpace(text[j])) {
      i = j;
      continue;
    }
    // a single "." may belong to an abbreviation or initial
    const singleDot = runEnd - runStart === 1 && text[runStart] === '.';
    const nonFinalDot =
      singleDot && (isNonFinalAbbreviation(text, runStart) || isListMarker(text, sentenceStart, runStart));
    const isEnd = j >= to || (!nonFinalDot && startsSentence(text, j, to));
    if (isEnd) {
      push(sentenceStart, j);
      sentenceStart = j;
    }
    i = j;
  }
  push(sentenceStart, to);
}

/** Splits text into sentences with offsets into the original string. */
export function splitSentences(text: string, opts: SplitSentencesOptions = {}): Sentence[] {
  const out: Sentence[] = [];
  const lineBreaks = opts.lineBreaks === true;
  let from = 0;
  for (const m of text.matchAll(PARAGRAPH)) {
    const at = m.index ?? 0;
    splitRange(text, from, at, lineBreaks, out);
    from = at + m[0].length;
  }
  splitRange(text, from, text.length, lineBreaks, out);
  return out;
}
