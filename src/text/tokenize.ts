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

interface CharacterClasses {
  /** Letters (and letter-like numbers: Roman numerals, superscripts). */
  L: string;
  /** Decimal digits. */
  D: string;
  /** Combining marks and invisible joiners: continue a word, never start one. */
  M: string;
}

const UNICODE_CLASSES: CharacterClasses = {
  L: '\\p{L}\\p{Nl}\\p{No}',
  D: '\\p{Nd}',
  M: '\\p{M}\\u00AD\\u200C\\u200D',
};

/** One of the four expressions: with or without e-mails, with or without punctuation. */
type Grammar = (email: boolean, punctuation: boolean) => RegExp;

function buildGrammar({ L, D, M }: CharacterClasses, flags: string): Grammar {
  const W = `${L}${D}${M}`;
  const URL_STOP = '\\s<>"«»“”()';
  const URL_SOURCE =
    `(?:(?:https?|HTTPS?|ftp|FTP):\\/\\/|(?:www|WWW)\\.)(?=[${L}${D}])` +
    `(?:[^${URL_STOP}]|\\([^${URL_STOP}]*\\))*(?<![.,;:!?'’”»\\]}…])`;
  const EMAIL_LABEL = `[${L}${D}](?:[${L}${D}-]*[${L}${D}])?`;
  const EMAIL_SOURCE = `(?:[a-zA-Z0-9]|(?![\\0-\\x7F])[${L}${D}])[${L}${D}._%+-]*(?<!\\.)@${EMAIL_LABEL}(?:\\.${EMAIL_LABEL})*\\.[${L}]{2,}(?![${W}])`;
  // The sign comes first so that the look-behind runs only at a sign.
  const HASHTAG_SOURCE = `#(?<![${W}_]#)(?=[${D}_]*[${L}])[${L}${D}_][${W}_]*`;
  const MENTION_SOURCE = `@(?<![${W}_]@)[${L}${D}_][${W}_]*`;
  // Each joiner is matched first and checked by a look-behind that ends with it, so the
  // look-behinds run only at a joiner, never at every word end.
  const HYPHENS = '-_\\u2010\\u2011';
  const JOINER =
    `(?:[${HYPHENS}](?=[${L}])` +
    // number to number ("1990-2000") does not join: the run before the hyphen must have a letter
    `|[${HYPHENS}](?<!(?:^|[^${W}])[${D}][${D}${M}]*[${HYPHENS}])(?=[${D}])` +
    `|['’ʼ](?<=[${L}][${M}]*['’ʼ])(?=[${L}])` +
    `|[.,](?<=(?:^|[^${W}])[${D}][${D}${M}]*[.,])(?=[${D}]))`;
  // Basic Latin and Russian letters first: a short class is much cheaper to test than the full
  // Unicode one, and they are most of what we read.
  const COMMON = 'a-zA-Z0-9\\u0410-\\u044F\\u0401\\u0451';
  // ASCII outside COMMON is never a word character: a one-range test rejects spaces and
  // punctuation before the full Unicode class is consulted.
  const RUN = `(?:[${COMMON}]+|(?![\\0-\\x7F])[${W}])*`;
  const WORD_SOURCE = `(?:[${COMMON}]|(?![\\0-\\x7F])[${L}${D}])${RUN}(?:${JOINER}${RUN})*`;
  const PUNCT_SOURCE = `(?<repeated>[^\\s\\u200B${W}#@])\\k<repeated>*|[^\\s\\u200B]`;

  return (email, punctuation) => {
    const parts = [URL_SOURCE, ...(email ? [EMAIL_SOURCE] : []), HASHTAG_SOURCE, MENTION_SOURCE, WORD_SOURCE];
    if (punctuation) parts.push(PUNCT_SOURCE);
    return new RegExp(parts.map((p) => `(?:${p})`).join('|'), flags);
  };
}

const build = buildGrammar(UNICODE_CLASSES, 'gu');
// Indexed by "the text contains an @" (0 or 1): without an "@" no e-mail can match, and leaving
// the alternative out saves a second pass over every word. Each expression is built on first use:
// V8 spends milliseconds on each one's Unicode classes, which a short command (a search of a few
// words) would otherwise pay four times at start-up.
const wordsOnly: (RegExp | undefined)[] = [undefined, undefined];
const tokensPunct: (RegExp | undefined)[] = [undefined, undefined];
function grammar(punctuation: boolean, hasAt: number): RegExp {
  const cache = punctuation ? tokensPunct : wordsOnly;
  let re = cache[hasAt];
  if (re === undefined) {
    re = build(hasAt === 1, punctuation);
    cache[hasAt] = re;
  }
  return re;
}

const { L, D, M } = UNICODE_CLASSES;
const NUMBER = new RegExp(`^[${D}][${D}${M}.,]*$`, 'u');
const URL_START = /^(?:(?:https?|HTTPS?|ftp|FTP):\/\/|(?:www|WWW)\.)/;
const WORD_START = new RegExp(`^[${L}${D}]`, 'u');

/**
 * The type of a token the grammar matched, from its text alone (cheaper than capture groups):
 * the alternatives start with distinct characters, except URLs and e-mails, which words
 * cannot contain.
 */
function typeOf(s: string, textHasAt: boolean): TokenType {
  const c = s.charCodeAt(0);
  if (c === 0x23) return s.length > 1 ? 'hashtag' : 'punct';
  if (c === 0x40) return s.length > 1 ? 'mention' : 'punct';
  if (textHasAt && s.length > 2 && s.includes('@')) return URL_START.test(s) ? 'url' : 'email';
  if (c >= 0x30 && c <= 0x39) return NUMBER.test(s) ? 'number' : 'word';
  if (c === 0x68 || c === 0x48 || c === 0x66 || c === 0x46 || c === 0x77 || c === 0x57) {
    if (URL_START.test(s)) return 'url';
    return 'word';
  }
  if ((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x410 && c <= 0x44f)) return 'word';
  if (WORD_START.test(s)) return NUMBER.test(s) ? 'number' : 'word';
  return 'punct';
}

/** Tokens with types and offsets. */
export function tokenize(text: string, opts: TokenizeOptions = {}): Token[] {
  const hasAt = text.includes('@') ? 1 : 0;
  const textHasAt = hasAt === 1;
  const re = grammar(opts.punctuation === true, hasAt);
  const strings = text.match(re);
  if (strings === null) return [];
  // Offsets without per-match objects: each token is the first occurrence of its text after
  // the previous token. That is exact because no match starts in the gap before a token, yet
  // every alternative that does not start with "#" or "@" matches wherever its text begins
  // (a word character always starts a word), and a skipped "#"/"@" is followed by a token of
  // its own body, not by a tag.
  const out: Token[] = new Array(strings.length);
  let from = 0;
  for (let i = 0; i < strings.length; i++) {
    const s = strings[i];
    const start = text.indexOf(s, from);
    from = start + s.length;
    out[i] = { text: s, start, end: from, type: typeOf(s, textHasAt) };
  }
  return out;
}

/**
 * The fast path: token strings only (no punctuation, no offsets), for counting and
 * vectorizing. Exactly the non-punctuation tokens of `tokenize`, in order.
 */
export function words(text: string): string[] {
  return text.match(grammar(false, text.includes('@') ? 1 : 0)) ?? [];
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
