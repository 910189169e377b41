/**
 * Word tokenizer for Russian and English (and any other script written with spaces).
 *
 * The grammar is one regular expression, so V8 runs the whole scan as compiled native code and
 * `words` is a single `String.prototype.match` call; `tokenize` walks the same expression with
 * offsets and types, so both always agree. Rules, tried in this order at each position:
 * - URLs starting with `http://`, `https://`, `ftp://` or `www.` (lowercase or uppercase
 *   scheme) followed by a letter or digit run to whitespace or `<>"«»“”`; parentheses inside
 *   must balance (one level: `wiki/Foo_(bar)`), and trailing `.,;:!?'’”»]}…` are left out.
 * - E-mail addresses `local@domain.tld` (the local part starts with a letter or digit; the
 *   top-level domain is 2+ letters).
 * - `#hashtag` and `@mention`: letters, digits, `_` (a hashtag needs a letter), when the sign
 *   does not follow a word character.
 * - Words: letters, digits and combining marks of any script (a mark never starts a word).
 *   Inside a word, a hyphen (`-`, U+2010, U+2011) or `_` joins word characters (`из-за`,
 *   `state-of-the-art`, `COVID-19`, `1990-х`) except number to number (`1990-2000` is two
 *   numbers); an apostrophe (`'`, `’`, `ʼ`) joins letter to letter (`don't`, `O’Neil`); `.` or
 *   `,` joins a number to digits (`3.14`, `3,14`, `1,000,000`, `23.11.2026`). A token of digits
 *   and those separators only has type `number`.
 * - Everything else that is not whitespace is punctuation (kept only with `punctuation: true`):
 *   a run of one repeated character (`...`, `!!`, `--`) is one token, other characters are one
 *   token each; `#` and `@` are always single.
 * Dots never join letters: `т.д.` and `e.g.` give `т`, `.`, `д`, `.` — the sentence splitter
 * handles abbreviations, and the tokenizer keeps words comparable across spellings.
 */
export type TokenType = 'word' | 'number' | 'url' | 'email' | 'hashtag' | 'mention' | 'punct';

export interface Token {
  text: string;
  /** Offsets in UTF-16 code units into the original string: text.slice(start, end). */
  start: number;
  end: number;
  type: TokenType;
}

export interface TokenizeOptions {
  /** Also emit punctuation tokens (default false). */
  punctuation?: boolean;
}

const L = '\\p{L}\\p{Nl}\\p{No}';
const D = '\\p{Nd}';
const M = '\\p{M}\\u00AD\\u200C\\u200D';
const W = `${L}${D}${M}`;

const URL_STOP = '\\s<>"«»“”()';
const URL_SOURCE =
  `(?:(?:https?|HTTPS?|ftp|FTP):\\/\\/|(?:www|WWW)\\.)(?=[${L}${D}])` +
  `(?:[^${URL_STOP}]|\\([^${URL_STOP}]*\\))*(?<![.,;:!?'’”»\\]}…])`;

const EMAIL_LABEL = `[${L}${D}](?:[${L}${D}-]*[${L}${D}])?`;
const EMAIL_SOURCE = `[${L}${D}][${L}${D}._%+-]*(?<!\\.)@${EMAIL_LABEL}(?:\\.${EMAIL_LABEL})*\\.[${L}]{2,}(?![${W}])`;

// The sign comes first so that the look-behind runs only at a sign.
const HASHTAG_SOURCE = `#(?<![${W}_]#)(?=[${D}_]*[${L}])[${L}${D}_][${W}_]*`;
const MENTION_SOURCE = `@(?<![${W}_]@)[${L}${D}_][${W}_]*`;

/** The run of word characters before a joiner is digits (and marks) only. */
const NUMERIC_BEFORE = `(?<=(?:^|[^${W}])[${D}][${D}${M}]*)`;
const JOINER =
  `(?:[-_\\u2010\\u2011](?=[${L}])` +
  `|(?<!(?:^|[^${W}])[${D}][${D}${M}]*)[-_\\u2010\\u2011](?=[${D}])` +
  `|(?<=[${L}][${M}]*)['’ʼ](?=[${L}])` +
  `|${NUMERIC_BEFORE}[.,](?=[${D}]))`;
const WORD_SOURCE = `[${L}${D}][${W}]*(?:${JOINER}[${W}]*)*`;

const PUNCT_SOURCE = `(?<repeated>[^\\s\\u200B${W}#@])\\k<repeated>*|[^\\s\\u200B]`;

function grammar(email: boolean, punctuation: boolean, capture: boolean): RegExp {
  const parts = [
    [URL_SOURCE, 'url'],
    ...(email ? [[EMAIL_SOURCE, 'email']] : []),
    [HASHTAG_SOURCE, 'hashtag'],
    [MENTION_SOURCE, 'mention'],
    [WORD_SOURCE, 'word'],
    ...(punctuation ? [[PUNCT_SOURCE, 'punct']] : []),
  ];
  const source = parts.map(([p, name]) => (capture ? `(?<${name}>${p})` : `(?:${p})`)).join('|');
  return new RegExp(source, 'gu');
}

// Without an "@" in the text no e-mail can match, and leaving the alternative out saves a
// second pass over every word.
const WORDS_PLAIN = grammar(false, false, false);
const WORDS_WITH_EMAIL = grammar(true, false, false);
const TOKENS = [grammar(false, false, true), grammar(true, false, true)];
const TOKENS_PUNCT = [grammar(false, true, true), grammar(true, true, true)];

const NUMBER = new RegExp(`^[${D}][${D}${M}.,]*$`, 'u');

/** Tokens with types and offsets. */
export function tokenize(text: string, opts: TokenizeOptions = {}): Token[] {
  const hasAt = text.includes('@') ? 1 : 0;
  const re = opts.punctuation === true ? TOKENS_PUNCT[hasAt] : TOKENS[hasAt];
  const out: Token[] = [];
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const g = m.groups as Record<string, string | undefined>;
    const s = m[0];
    let type: TokenType;
    if (g.word !== undefined) type = NUMBER.test(s) ? 'number' : 'word';
    else if (g.punct !== undefined) type = 'punct';
    else if (g.url !== undefined) type = 'url';
    else if (g.email !== undefined) type = 'email';
    else if (g.hashtag !== undefined) type = 'hashtag';
    else type = 'mention';
    out.push({ text: s, start: m.index, end: m.index + s.length, type });
  }
  return out;
}

/**
 * The fast path: token strings only (no punctuation, no offsets), for counting and
 * vectorizing. Exactly the non-punctuation tokens of `tokenize`, in order.
 */
export function words(text: string): string[] {
  return text.match(text.includes('@') ? WORDS_WITH_EMAIL : WORDS_PLAIN) ?? [];
}

const IS_SPACE = /\s/u;

export interface CharToken {
  /** One code point. */
  text: string;
  /** Offsets in UTF-16 code units (a code point outside the BMP spans two). */
  start: number;
  end: number;
}

export interface CharTokenizeOptions {
  /** Leave whitespace out (default false). */
  skipWhitespace?: boolean;
}

/** Character tokens: one per code point, with offsets. */
export function charTokens(text: string, opts: CharTokenizeOptions = {}): CharToken[] {
  const out: CharToken[] = [];
  const skip = opts.skipWhitespace === true;
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    const width =
      c >= 0xd800 && c <= 0xdbff && i + 1 < n && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00 ? 2 : 1;
    if (!(skip && IS_SPACE.test(text[i])))
      out.push({ text: text.slice(i, i + width), start: i, end: i + width });
    i += width;
  }
  return out;
}

/** Code points as strings (the fast path of `charTokens`). */
export function chars(text: string, opts: CharTokenizeOptions = {}): string[] {
  const all = Array.from(text);
  return opts.skipWhitespace === true ? all.filter((ch) => !IS_SPACE.test(ch)) : all;
}
