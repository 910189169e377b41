/**
 * Text normalization for Russian and English.
 *
 * Steps, in order (each can be switched off):
 * 1. Unicode NFKC (compatibility forms: `ﬁ` → `fi`, full-width → ASCII, `…` → `...`, `№` → `No`).
 * 2. Invisible characters removed: soft hyphen U+00AD, zero-width space, word joiner, BOM.
 * 3. Accent stripping (off by default): combining marks are removed — Russian stress marks
 *    (U+0301, U+0300), Latin accents (`café` → `cafe`) — but the breve and diaeresis that make
 *    Cyrillic letters of their own stay: `й`, `ё`, `ў`, `ї` are never changed by this step.
 * 4. `ё` → `е` (off by default; `Ё` → `Е` as well).
 * 5. Lowercasing (on by default). `String.prototype.toLowerCase` is locale-independent and
 *    correct for Cyrillic (`Ё` → `ё`, `Й` → `й`).
 * 6. Whitespace folding (on by default): runs of whitespace become one space; the ends are trimmed.
 */
export interface NormalizeOptions {
  /** Unicode NFKC (default true). */
  nfkc?: boolean;
  /** Remove soft hyphens, zero-width spaces, word joiners and BOMs (default true). */
  removeInvisible?: boolean;
  /** Remove combining marks except those that form Cyrillic `й ё ў ї` (default false). */
  stripAccents?: boolean;
  /** Replace `ё` with `е` and `Ё` with `Е` (default false). */
  yoToYe?: boolean;
  /** Lowercase (default true). */
  lowercase?: boolean;
  /** Fold runs of whitespace to one space and trim (default true). */
  foldWhitespace?: boolean;
}

// ZWJ and ZWNJ stay: they build emoji sequences and matter in some scripts.
const INVISIBLE = /[\u00AD\u200B\u2060\uFEFF]/gu;
// Only whitespace that must change: a run of two or more, or one character other than a
// space. Replacing every single space as well is several times slower on long texts.
const WHITESPACE_RUN = /[^\S ]\s*| \s+/g;
const COMBINING = /\p{M}/u;
const BREVE = 0x306;
const DIAERESIS = 0x308;

const markCache = new Uint8Array(0x10000); // 0 unknown, 1 not a mark, 2 a combining mark

function isCombining(c: number): boolean {
  let m = markCache[c];
  if (m === 0) {
    m = COMBINING.test(String.fromCharCode(c)) ? 2 : 1;
    markCache[c] = m;
  }
  return m === 2;
}

function isCyrillic(c: number): boolean {
  return c >= 0x400 && c <= 0x52f;
}

/**
 * Removes combining marks from an NFD string, keeping a breve or diaeresis that directly
 * follows a Cyrillic base letter (so NFC recomposes `й`, `ё`, `ў`, `ї`).
 */
function stripMarks(text: string): string {
  const decomposed = text.normalize('NFD');
  let out = '';
  let runStart = 0;
  let base = 0; // the last non-mark code unit
  let kept = false; // a mark already kept on this base
  for (let i = 0; i < decomposed.length; i++) {
    const c = decomposed.charCodeAt(i);
    const isMark = c >= 0x300 && isCombining(c);
    if (!isMark) {
      base = c;
      kept = false;
      continue;
    }
    if (!kept && isCyrillic(base) && (c === BREVE || c === DIAERESIS)) {
      kept = true;
      continue;
    }
    out += decomposed.slice(runStart, i);
    runStart = i + 1;
  }
  out += decomposed.slice(runStart);
  return out.normalize('NFC');
}

/** True when every code unit is printable ASCII or a single space between words (nothing to do). */
function isPlainAscii(text: string, lowercase: boolean, foldWhitespace: boolean): boolean {
  const n = text.length;
  if (foldWhitespace && n > 0 && (text.charCodeAt(0) === 0x20 || text.charCodeAt(n - 1) === 0x20))
    return false;
  let prevSpace = false;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x7f) return false;
    if (c < 0x20) {
      if (foldWhitespace) return false;
      continue;
    }
    if (c === 0x20) {
      if (prevSpace && foldWhitespace) return false;
      prevSpace = true;
      continue;
    }
    prevSpace = false;
    if (lowercase && c >= 0x41 && c <= 0x5a) return false;
  }
  return true;
}

/** Normalizes text for matching and counting (see the module comment for the steps). */
export function normalize(text: string, opts: NormalizeOptions = {}): string {
  const nfkc = opts.nfkc !== false;
  const removeInvisible = opts.removeInvisible !== false;
  const stripAccents = opts.stripAccents === true;
  const yoToYe = opts.yoToYe === true;
  const lowercase = opts.lowercase !== false;
  const foldWhitespace = opts.foldWhitespace !== false;

  // Fast path: plain ASCII with nothing to change needs no work at all.
  if (isPlainAscii(text, lowercase, foldWhitespace)) return text;

  let s = text;
  if (nfkc) s = s.normalize('NFKC');
  if (removeInvisible) s = s.replace(INVISIBLE, '');
  if (stripAccents) s = stripMarks(s);
  if (yoToYe) s = s.replace(/ё/g, 'е').replace(/Ё/g, 'Е');
  if (lowercase) s = s.toLowerCase();
  if (foldWhitespace) s = s.replace(WHITESPACE_RUN, ' ').trim();
  return s;
}
