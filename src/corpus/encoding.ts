import { isUtf8 } from 'node:buffer';
import { TextDecoder } from 'node:util';
import { SmyslError } from '../errors.js';
import { invalidUtf8At } from './bytes.js';

/**
 * How a reader turns bytes into text: UTF-8 (the default, checked strictly) or a legacy
 * encoding named by a WHATWG label (`windows-1251`, `cp1251`, `koi8-r`, `windows-1252`,
 * `latin1`, …), decoded by `TextDecoder`. Readers split lines on the byte 0x0A before decoding,
 * which every supported encoding keeps as "\n"; UTF-16 does not, so it is refused.
 */
export interface TextDecoding {
  /** The encoding's canonical name (TextDecoder's `encoding`). */
  readonly name: string;
  readonly utf8: boolean;
  /** The problem kind of bytes this decoding refuses. */
  readonly problem: 'invalid-utf8' | 'invalid-encoding';
  /** The text, or undefined when the bytes are not valid in this encoding. */
  decode(bytes: Uint8Array): string | undefined;
  /** The problem message for bytes `decode` refused (what is wrong, where, and a likely fix). */
  describeInvalid(bytes: Uint8Array, offset: number): { message: string; at: number };
}

const UTF8: TextDecoding = {
  name: 'utf-8',
  utf8: true,
  problem: 'invalid-utf8',
  decode: (bytes) =>
    isUtf8(bytes)
      ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')
      : undefined,
  describeInvalid(bytes, offset) {
    const at = offset + Math.max(0, invalidUtf8At(bytes));
    const guess = guessEncoding(bytes);
    return {
      at,
      message: guess
        ? `invalid UTF-8 at byte ${at}; the bytes read as ${guess.name} ("${guess.sample}"): try --encoding ${guess.name}`
        : `invalid UTF-8 at byte ${at}`,
    };
  },
};

// cp1252's 0x80–0x9F (WHATWG index; 0 = unassigned, kept as the C1 control of the same number)
const CP1252_HIGH = [
  0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0,
  0x017d, 0, 0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a,
  0x0153, 0, 0x017e, 0x0178,
];

/**
 * windows-1252 by its WHATWG table. Node 20's TextDecoder decodes this label as ISO-8859-1
 * (0x97 becomes U+0097, not "—"), so the 32 bytes where the two differ are mapped here.
 */
function decodeWindows1252(bytes: Uint8Array): string {
  const latin1 = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  if (!/[\x80-\x9f]/.test(latin1)) return latin1;
  return latin1.replace(/[\x80-\x9f]/g, (ch) => {
    const c = CP1252_HIGH[ch.charCodeAt(0) - 0x80];
    return c ? String.fromCharCode(c) : ch;
  });
}

/** Aliases TextDecoder does not know that people type (Python's and iconv's spellings). */
const ALIASES: Record<string, string> = { cp1251: 'windows-1251', cp1252: 'windows-1252', cp866: 'ibm866' };

/** The decoding for an encoding label (default UTF-8); an unknown label is a usage error. */
export function textDecoding(label?: string): TextDecoding {
  const raw = (label ?? 'utf-8').trim().toLowerCase();
  const wanted = ALIASES[raw] ?? raw;
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(wanted, { fatal: true, ignoreBOM: false });
  } catch {
    throw new SmyslError(
      'E_USAGE',
      `unknown encoding "${label}" (WHATWG labels such as utf-8, windows-1251 / cp1251, koi8-r, windows-1252 / cp1252, latin1)`,
    );
  }
  if (decoder.encoding === 'utf-8') return UTF8;
  if (decoder.encoding.startsWith('utf-16'))
    throw new SmyslError(
      'E_USAGE',
      `${decoder.encoding} is not supported: convert the files to UTF-8 first (iconv -f ${decoder.encoding} -t utf-8)`,
    );
  const name = decoder.encoding;
  return {
    name,
    utf8: false,
    problem: 'invalid-encoding',
    decode(bytes) {
      if (name === 'windows-1252') return decodeWindows1252(bytes);
      try {
        return decoder.decode(bytes);
      } catch {
        return undefined;
      }
    },
    describeInvalid(bytes, offset) {
      // single-byte encodings refuse only unassigned bytes: find the first one
      let at = offset;
      for (let i = 0; i < bytes.length; i++) {
        try {
          decoder.decode(bytes.subarray(i, i + 1));
        } catch {
          at = offset + i;
          break;
        }
      }
      return { at, message: `bytes not valid in ${name} at byte ${at}` };
    },
  };
}

/** Encodings a guess can name: Russian (Windows, KOI8-R) and Western European text. */
const CANDIDATES = ['windows-1251', 'koi8-r', 'windows-1252'] as const;

/**
 * The legacy encoding that invalid-UTF-8 bytes most likely are, or undefined when none fits.
 * Text in any language has many more lowercase than uppercase letters: cp1251 and KOI8-R put
 * lowercase Cyrillic in opposite halves of 0xC0–0xFF, so the one whose decoding gives mostly
 * lowercase Cyrillic wins — when most non-ASCII bytes form runs of three or more, as Russian
 * words do (a French line quoted in a Russian novel does not spoil it). cp1252 fits when the
 * non-ASCII bytes decode to Latin letters and typographic punctuation (é, ü, ’, “ ”), stand
 * alone, and mostly touch ASCII letters (accents inside Latin words). `sample` is a short decoded
 * excerpt around the first non-ASCII byte, for the message.
 */
export function guessEncoding(
  bytes: Uint8Array,
): { name: (typeof CANDIDATES)[number]; sample: string } | undefined {
  const asciiLetter = (b: number | undefined) =>
    b !== undefined && ((b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a));
  let high = 0;
  let first = -1;
  // non-ASCII bytes touching an ASCII letter: accents inside Latin words (café), never Russian words
  let insideLatin = 0;
  // non-ASCII bytes in runs of 3 or more: Russian words are such runs, accented Latin text is not
  let inRuns = 0;
  let run = 0;
  for (let i = 0; i <= bytes.length; i++) {
    const b = bytes[i];
    // control characters other than tab, line feed, carriage return: not text in any encoding
    if (b < 0x20 && b !== 9 && b !== 10 && b !== 13) return undefined;
    if (i < bytes.length && b >= 0x80) {
      high++;
      run++;
      if (first < 0) first = i;
      if (asciiLetter(bytes[i - 1]) || asciiLetter(bytes[i + 1])) insideLatin++;
      continue;
    }
    if (run >= 3) inRuns += run;
    run = 0;
  }
  if (high === 0) return undefined;
  const sampleOf = (name: string) => {
    const from = Math.max(0, first - 20);
    const text = textDecoding(name).decode(bytes.subarray(from, Math.min(bytes.length, first + 40))) ?? '';
    return text.replace(/\s+/g, ' ').trim();
  };
  const scores = CANDIDATES.map((name) => {
    const text = textDecoding(name).decode(bytes) ?? '';
    let lowerCyr = 0;
    let upperCyr = 0;
    let latinExtra = 0;
    let other = 0;
    for (const ch of text) {
      const c = ch.codePointAt(0)!;
      if (c < 0x80) continue;
      if (c >= 0x430 && c <= 0x44f) lowerCyr++;
      else if (c === 0x451) lowerCyr++;
      else if ((c >= 0x410 && c <= 0x42f) || c === 0x401) upperCyr++;
      // Latin-1 letters and signs, and cp1252's typographic extras (’ “ ” – — … € œ); not C1 controls
      else if (c >= 0xa0) latinExtra++;
      else other++;
    }
    return { name, lowerCyr, upperCyr, latinExtra, other };
  });
  const cyrillic = scores
    .filter((s) => s.name !== 'windows-1252')
    .sort((a, b) => b.lowerCyr - b.upperCyr - (a.lowerCyr - a.upperCyr))[0];
  // Russian: nearly every non-ASCII byte a Cyrillic letter, and lowercase the majority
  if (
    inRuns >= 0.5 * high &&
    cyrillic.lowerCyr + cyrillic.upperCyr >= 0.9 * high &&
    cyrillic.lowerCyr > cyrillic.upperCyr &&
    cyrillic.other === 0
  )
    return { name: cyrillic.name, sample: sampleOf(cyrillic.name) };
  const western = scores.find((s) => s.name === 'windows-1252')!;
  if (western.latinExtra === high && inRuns < 0.2 * high && insideLatin >= 0.5 * high)
    return { name: 'windows-1252', sample: sampleOf('windows-1252') };
  return undefined;
}
