/**
 * TEST ORACLE — not used by the library. An independent, hand-written scanner implementing the
 * same grammar as src/text/tokenize.ts; the tests check both agree token for token.
 *
 * (original module comment follows)
 * Word tokenizer for Russian and English (and any other script written with spaces).
 *
 * A hand-written scanner over UTF-16 code units with a per-code-unit class table, so the hot
 * path allocates nothing but the token strings. One scanner serves `tokenize` (typed tokens
 * with offsets) and `words` (strings only), so both always agree.
 *
 * Rules, in the order they are tried at a token start:
 * - URLs starting with `http://`, `https://`, `ftp://` or `www.` run to the next whitespace;
 *   trailing punctuation (`.,;:!?` and closing quotes, and `)` unless the URL opened one) is left out.
 * - E-mail addresses `local@domain.tld`.
 * - `#hashtag` and `@mention` (letters, digits, `_`; a hashtag needs a letter) when the sign does
 *   not follow a word character.
 * - Words: letters, digits and combining marks of any script. Inside a word, a hyphen
 *   (`-`, U+2010, U+2011) or `_` joins two word characters (`из-за`, `state-of-the-art`,
 *   `COVID-19`, `1990-х`), except between two numbers (`1990-2000` is two numbers); an
 *   apostrophe (`'`, `’`, `ʼ`) joins two letters (`don't`, `O’Neil`); `.` or `,` joins digits
 *   to digits (`3.14`, `3,14`, `1,000,000`, `23.11.2026`). A token of digits and separators only
 *   has type `number`.
 * - Anything else that is not whitespace is punctuation: a run of one repeated character
 *   (`...`, `!!`, `--`) is one token, other characters are one token each.
 * Dots never join letters: `т.д.` and `e.g.` are `т`, `.`, `д`, `.` (the sentence splitter knows
 * abbreviations; the tokenizer keeps words comparable across spellings).
 */
import type { Token, TokenizeOptions, TokenType } from '../../src/text/tokenize.js';

// Code-unit classes.
const UNKNOWN = 0;
const OTHER = 1;
const LETTER = 2;
const DIGIT = 3;
/**
 * TEST ORACLE — not used by the library. An independent, hand-written scanner implementing the
 * same grammar as src/text/tokenize.ts; the tests check both agree token for token.
 *
 * (original module comment follows) Combining marks and invisible joiners (soft hyphen, ZWJ, ZWNJ): continue a word, never start one. */
const MARK = 4;
const SPACE = 5;
/**
 * TEST ORACLE — not used by the library. An independent, hand-written scanner implementing the
 * same grammar as src/text/tokenize.ts; the tests check both agree token for token.
 *
 * (original module comment follows) High surrogate: the class is that of the whole code point, found on demand. */
const HIGH = 6;
const LOW = 7;

const CLASS = new Uint8Array(0x10000);
const IS_LETTER = /\p{L}|\p{Nl}|\p{No}/u;
const IS_DIGIT = /\p{Nd}/u;
const IS_MARK = /\p{M}/u;
const IS_SPACE = /\s/u;

function classifyCodePoint(cp: number): number {
  const ch = String.fromCodePoint(cp);
  if (IS_LETTER.test(ch)) return LETTER;
  if (IS_DIGIT.test(ch)) return DIGIT;
  if (IS_MARK.test(ch) || cp === 0xad || cp === 0x200c || cp === 0x200d) return MARK;
  if (IS_SPACE.test(ch) || cp === 0x200b || cp === 0xfeff) return SPACE;
  return OTHER;
}

for (let c = 0xd800; c <= 0xdbff; c++) CLASS[c] = HIGH;
for (let c = 0xdc00; c <= 0xdfff; c++) CLASS[c] = LOW;
// The common scripts eagerly; everything else the first time it is seen.
for (let c = 0; c < 0x530; c++) CLASS[c] = classifyCodePoint(c);

function classOf(c: number): number {
  const k = CLASS[c];
  if (k !== UNKNOWN) return k;
  const computed = classifyCodePoint(c);
  CLASS[c] = computed;
  return computed;
}

const astralCache = new Map<number, number>();
/**
 * TEST ORACLE — not used by the library. An independent, hand-written scanner implementing the
 * same grammar as src/text/tokenize.ts; the tests check both agree token for token.
 *
 * (original module comment follows) Class of the code point at i when text[i] is a high surrogate (a lone one is OTHER). */
function astralClassAt(text: string, i: number): number {
  const cp = text.codePointAt(i) ?? 0;
  if (cp < 0x10000) return OTHER;
  let k = astralCache.get(cp);
  if (k === undefined) {
    k = classifyCodePoint(cp);
    astralCache.set(cp, k);
  }
  return k;
}

/**
 * TEST ORACLE — not used by the library. An independent, hand-written scanner implementing the
 * same grammar as src/text/tokenize.ts; the tests check both agree token for token.
 *
 * (original module comment follows) Class at i, resolving surrogate pairs; word-continuing width is handled by the callers. */
function fullClassAt(text: string, i: number): number {
  const k = classOf(text.charCodeAt(i));
  if (k === HIGH) return astralClassAt(text, i);
  if (k === LOW) return OTHER;
  return k;
}

function isWordClass(k: number): boolean {
  return k === LETTER || k === DIGIT;
}

// Scanner results (module state, so the hot loop allocates nothing).
const scan: { end: number; type: TokenType; nextAtSign: number } = { end: 0, type: 'word', nextAtSign: -1 };

const HYPHEN = 0x2d;
const APOSTROPHE = 0x27;
const RIGHT_SINGLE_QUOTE = 0x2019;
const MODIFIER_APOSTROPHE = 0x2bc;
const UNDERSCORE = 0x5f;
const DOT = 0x2e;
const COMMA = 0x2c;
const AT = 0x40;
const HASH = 0x23;

/**
 * TEST ORACLE — not used by the library. An independent, hand-written scanner implementing the
 * same grammar as src/text/tokenize.ts; the tests check both agree token for token.
 *
 * (original module comment follows)
 * Scans a word or number starting at i (text[i] is a letter or digit, possibly astral).
 * Sets scan.end and scan.type.
 */
function scanWord(text: string, i: number, n: number): void {
  let j = i;
  let allDigits = true; // the whole token so far is digits and separators
  let partAllDigits = true; // the current part (since the last joiner) is digits only
  let lastWasLetter = false;
  for (;;) {
    // one run of word characters
    while (j < n) {
      const c = text.charCodeAt(j);
      if (c < 0x80) {
        if ((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a)) {
          allDigits = false;
          partAllDigits = false;
          lastWasLetter = true;
          j++;
          continue;
        }
        if (c >= 0x30 && c <= 0x39) {
          lastWasLetter = false;
          j++;
          continue;
        }
        break;
      }
      let k = CLASS[c];
      if (k === UNKNOWN) k = classOf(c);
      if (k === LETTER) {
        allDigits = false;
        partAllDigits = false;
        lastWasLetter = true;
        j++;
      } else if (k === DIGIT) {
        lastWasLetter = false;
        j++;
      } else if (k === MARK) {
        j++;
      } else if (k === HIGH) {
        const a = astralClassAt(text, j);
        if (a === LETTER || a === MARK) {
          allDigits = false;
          partAllDigits = false;
          lastWasLetter = a === LETTER || lastWasLetter;
        } else if (a === DIGIT) {
          lastWasLetter = false;
        } else break;
        j += 2;
      } else break;
    }
    if (j + 1 >= n) break;
    const c = text.charCodeAt(j);
    if (c === HYPHEN || c === UNDERSCORE || c === 0x2010 || c === 0x2011) {
      const next = fullClassAt(text, j + 1);
      if (!isWordClass(next)) break;
      if (partAllDigits && next === DIGIT) break; // "1990-2000": two numbers
      allDigits = false;
    } else if (c === APOSTROPHE || c === RIGHT_SINGLE_QUOTE || c === MODIFIER_APOSTROPHE) {
      if (!lastWasLetter || fullClassAt(text, j + 1) !== LETTER) break;
    } else if (c === DOT || c === COMMA) {
      if (!partAllDigits || fullClassAt(text, j + 1) !== DIGIT) break;
    } else break;
    j++;
    partAllDigits = true;
  }
  scan.end = j;
  scan.type = allDigits ? 'number' : 'word';
}

const URL_STOP = /[\s<>"«»“”]/u;
const URL_TRAILING = new Set(['.', ',', ';', ':', '!', '?', "'", '’', '”', '»', ']', '}', '…']);

/**
 * TEST ORACLE — not used by the library. An independent, hand-written scanner implementing the
 * same grammar as src/text/tokenize.ts; the tests check both agree token for token.
 *
 * (original module comment follows) A URL starting at i, or -1. */
function scanUrl(text: string, i: number, n: number): number {
  const c = text.charCodeAt(i);
  let prefix = 0;
  if (c === 0x68 || c === 0x48) {
    if (text.startsWith('https://', i) || text.startsWith('HTTPS://', i)) prefix = 8;
    else if (text.startsWith('http://', i) || text.startsWith('HTTP://', i)) prefix = 7;
  } else if (c === 0x66 || c === 0x46) {
    if (text.startsWith('ftp://', i) || text.startsWith('FTP://', i)) prefix = 6;
  } else if (c === 0x77 || c === 0x57) {
    if (text.startsWith('www.', i) || text.startsWith('WWW.', i)) prefix = 4;
  }
  if (prefix === 0) return -1;
  let j = i + prefix;
  while (j < n && !URL_STOP.test(text[j])) j++;
  // Leave sentence punctuation and unbalanced closing brackets outside the URL.
  for (;;) {
    const last = text[j - 1];
    if (URL_TRAILING.has(last)) j--;
    else if (last === ')' && !text.slice(i, j - 1).includes('(')) j--;
    else break;
  }
  if (j <= i + prefix) return -1;
  if (!isWordClass(fullClassAt(text, i + prefix))) return -1;
  return j;
}

function isEmailLocalChar(c: number): boolean {
  if (c < 0x80) {
    return (
      (c >= 0x61 && c <= 0x7a) ||
      (c >= 0x41 && c <= 0x5a) ||
      (c >= 0x30 && c <= 0x39) ||
      c === DOT ||
      c === UNDERSCORE ||
      c === HYPHEN ||
      c === 0x2b ||
      c === 0x25
    );
  }
  const k = classOf(c);
  return k === LETTER || k === DIGIT;
}

/**
 * TEST ORACLE — not used by the library. An independent, hand-written scanner implementing the
 * same grammar as src/text/tokenize.ts; the tests check both agree token for token.
 *
 * (original module comment follows) The end of an e-mail address whose local part starts at i and whose "@" is at at, or -1. */
function scanEmail(text: string, i: number, at: number, n: number): number {
  for (let j = i; j < at; j++) if (!isEmailLocalChar(text.charCodeAt(j))) return -1;
  if (text.charCodeAt(at - 1) === DOT) return -1;
  // domain: labels of letters/digits/hyphens separated by single dots; the last label has a letter
  let j = at + 1;
  let labels = 0;
  let end = -1;
  for (;;) {
    const labelStart = j;
    let hasLetter = false;
    while (j < n) {
      const c = text.charCodeAt(j);
      const k = c < 0x80 ? CLASS[c] : classOf(c);
      if (k === LETTER) hasLetter = true;
      else if (k !== DIGIT && c !== HYPHEN) break;
      j++;
    }
    if (j === labelStart) break;
    labels++;
    if (labels >= 2 && hasLetter && text.charCodeAt(j - 1) !== HYPHEN) end = j;
    if (j < n && text.charCodeAt(j) === DOT && j + 1 < n) j++;
    else break;
  }
  return end;
}

/**
 * TEST ORACLE — not used by the library. An independent, hand-written scanner implementing the
 * same grammar as src/text/tokenize.ts; the tests check both agree token for token.
 *
 * (original module comment follows) A hashtag or mention body after the sign at i (letters, digits, "_"), or -1. */
function scanTagBody(text: string, i: number, n: number, needLetter: boolean): number {
  let j = i + 1;
  let hasLetter = false;
  while (j < n) {
    const c = text.charCodeAt(j);
    if (c === UNDERSCORE) {
      j++;
      continue;
    }
    let k = classOf(c);
    let width = 1;
    if (k === HIGH) {
      k = astralClassAt(text, j);
      width = 2;
    }
    if (k === LETTER) hasLetter = true;
    else if (k !== DIGIT && !(k === MARK && j > i + 1)) break;
    j += width;
  }
  if (j === i + 1 || (needLetter && !hasLetter)) return -1;
  return j;
}

/**
 * TEST ORACLE — not used by the library. An independent, hand-written scanner implementing the
 * same grammar as src/text/tokenize.ts; the tests check both agree token for token.
 *
 * (original module comment follows) Whether the code unit before i is a word character (then "#"/"@" do not start a tag). */
function followsWordChar(text: string, i: number): boolean {
  if (i === 0) return false;
  let k = classOf(text.charCodeAt(i - 1));
  if (k === LOW && i >= 2) k = astralClassAt(text, i - 2);
  return k === LETTER || k === DIGIT || k === MARK || text.charCodeAt(i - 1) === UNDERSCORE;
}

/**
 * TEST ORACLE — not used by the library. An independent, hand-written scanner implementing the
 * same grammar as src/text/tokenize.ts; the tests check both agree token for token.
 *
 * (original module comment follows) The core: the token that starts at i (of class k, not whitespace). Sets scan.end and scan.type. */

function scanToken(text: string, i: number, n: number, k: number): void {
  if (k === LETTER || k === DIGIT) {
    if (k === LETTER) {
      const u = scanUrl(text, i, n);
      if (u > 0) {
        scan.end = u;
        scan.type = 'url';
        return;
      }
    }
    // e-mail: only worth a look when an "@" is near
    if (scan.nextAtSign < i) {
      scan.nextAtSign = text.indexOf('@', i);
      if (scan.nextAtSign < 0) scan.nextAtSign = Number.MAX_SAFE_INTEGER;
    }
    if (scan.nextAtSign - i <= 64 && scan.nextAtSign > i) {
      const e = scanEmail(text, i, scan.nextAtSign, n);
      if (e > 0) {
        scan.end = e;
        scan.type = 'email';
        return;
      }
    }
    scanWord(text, i, n);
    return;
  }
  const c = text.charCodeAt(i);
  if ((c === HASH || c === AT) && !followsWordChar(text, i)) {
    const e = scanTagBody(text, i, n, c === HASH);
    if (e > 0) {
      scan.end = e;
      scan.type = c === HASH ? 'hashtag' : 'mention';
      return;
    }
  }
  // punctuation: a run of one repeated character, or one code point
  let j = i + (k === HIGH && i + 1 < n ? 2 : 1);
  // "#" and "@" stay single so that "##tag" ends in the hashtag "#tag", as `words` sees it
  if (j === i + 1 && c !== HASH && c !== AT) while (j < n && text.charCodeAt(j) === c) j++;
  scan.end = j;
  scan.type = 'punct';
}

function resetScanner(): void {
  scan.nextAtSign = -1;
}

/**
 * TEST ORACLE — not used by the library. An independent, hand-written scanner implementing the
 * same grammar as src/text/tokenize.ts; the tests check both agree token for token.
 *
 * (original module comment follows) Resolves the class at i for a token start (astral code points by value). */
function startClass(text: string, i: number, c: number): number {
  let k = c < 0x80 ? CLASS[c] : classOf(c);
  if (k === HIGH) {
    const a = astralClassAt(text, i);
    if (a === LETTER || a === DIGIT) k = a;
    else if (a === SPACE) k = SPACE;
  }
  return k;
}

/**
 * TEST ORACLE — not used by the library. An independent, hand-written scanner implementing the
 * same grammar as src/text/tokenize.ts; the tests check both agree token for token.
 *
 * (original module comment follows) Tokens with types and offsets. */
export function tokenize(text: string, opts: TokenizeOptions = {}): Token[] {
  const punctuation = opts.punctuation === true;
  const out: Token[] = [];
  const n = text.length;
  resetScanner();
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    const k = startClass(text, i, c);
    if (k === SPACE) {
      i++;
      continue;
    }
    if (k === MARK || k === LOW) {
      // a stray combining mark belongs to no token
      if (punctuation) out.push({ text: text[i], start: i, end: i + 1, type: 'punct' });
      i++;
      continue;
    }
    scanToken(text, i, n, k);
    if (punctuation || scan.type !== 'punct') {
      out.push({ text: text.slice(i, scan.end), start: i, end: scan.end, type: scan.type });
    }
    i = scan.end;
  }
  return out;
}

/**
 * TEST ORACLE — not used by the library. An independent, hand-written scanner implementing the
 * same grammar as src/text/tokenize.ts; the tests check both agree token for token.
 *
 * (original module comment follows)
 * The fast path: token strings only (no punctuation, no offsets), for counting and
 * vectorizing. Exactly the non-punctuation tokens of `tokenize`.
 */
export function words(text: string): string[] {
  const out: string[] = [];
  const n = text.length;
  resetScanner();
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    let k = c < 0x80 ? CLASS[c] : classOf(c);
    if (k === LETTER || k === DIGIT) {
      scanToken(text, i, n, k);
      out.push(text.slice(i, scan.end));
      i = scan.end;
      continue;
    }
    // Punctuation is dropped here, so it is skipped one code unit at a time; only "#" and "@"
    // can start a token.
    if (k === OTHER) {
      if (c === HASH || c === AT) {
        scanToken(text, i, n, k);
        if (scan.type !== 'punct') {
          out.push(text.slice(i, scan.end));
          i = scan.end;
          continue;
        }
      }
      i++;
      continue;
    }
    if (k === HIGH) {
      k = startClass(text, i, c);
      if (k === LETTER || k === DIGIT) {
        scanToken(text, i, n, k);
        out.push(text.slice(i, scan.end));
        i = scan.end;
        continue;
      }
    }
    i++;
  }
  return out;
}
