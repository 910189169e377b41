import { SmyslError } from '../../errors.js';
import { AlignedString, type Normalizer } from './aligned.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * Characters that can join the one before or after into one grapheme cluster (UAX #29: CR LF,
 * Extend, ZWJ, SpacingMark, Prepend, Hangul jamo and syllables, regional indicators, emoji
 * modifiers and tags). A text without any has one cluster per code point, which is what lets
 * most text skip Intl.Segmenter (it costs more than the whole rest of the normalizer).
 */
const CLUSTERING =
  /\u200c|\u200d|[\r\p{M}\p{Grapheme_Extend}\u0600-\u0605\u06dd\u070f\u0890\u0891\u08e2\u0d4e\u0e33\u0eb3\u1100-\u11ff\ua960-\ua97f\uac00-\ud7a3\ud7b0-\ud7ff\u{110bd}\u{110cd}\u{111c2}\u{111c3}\u{1f1e6}-\u{1f1ff}\u{1f3fb}-\u{1f3ff}\u{e0020}-\u{e007f}]/u;

/**
 * SentencePiece's compiled normalization rules (`precompiled_charsmap` in tokenizer.json: nmt_nfkc
 * for XLM-RoBERTa, mT5, …), applied as Hugging Face tokenizers applies them.
 *
 * The blob is a little-endian u32 byte length, a Darts-clone double-array trie over UTF-8 bytes
 * of that length, then NUL-terminated replacement strings the trie's values point into. Like the
 * reference, text is walked by extended grapheme cluster: a cluster shorter than 6 UTF-8 bytes is
 * replaced whole when the trie has a prefix of it (the shortest one's replacement, as the
 * reference does); otherwise each code point is looked up on its own. NFKC is close to this but
 * not equal: the map also deletes control characters, folds odd spaces to " " and leaves some
 * compatibility characters alone.
 */
export class PrecompiledNormalizer implements Normalizer {
  private readonly trie: Uint32Array;
  private readonly normalized: Uint8Array;
  private readonly cache = new Map<string, string | null>();
  /** Per BMP code point: 0 not looked up yet, 1 no rule, k + 2 = replacements[k]. */
  private readonly bmp = new Int32Array(65536);
  private readonly replacements: string[] = [];

  constructor(readonly charsmap: string) {
    // atob rather than Buffer: the text stage also runs in browsers.
    const binary = atob(charsmap);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    const view = new DataView(bytes.buffer);
    const fail = (reason: string): never => {
      throw new SmyslError('E_MODEL', `tokenizer.json: "precompiled_charsmap" is not readable: ${reason}`);
    };
    if (bytes.length < 4) fail('shorter than its 4-byte header');
    const trieBytes = view.getUint32(0, true);
    if (trieBytes % 4 !== 0 || trieBytes === 0 || 4 + trieBytes > bytes.length)
      fail(`trie size ${trieBytes} does not fit the ${bytes.length}-byte blob`);
    this.trie = new Uint32Array(trieBytes / 4);
    for (let i = 0; i < this.trie.length; i++) this.trie[i] = view.getUint32(4 + i * 4, true);
    this.normalized = bytes.subarray(4 + trieBytes);
  }

  /** The replacement of the shortest trie key that is a prefix of `chunk`, if any. */
  transform(chunk: string): string | null {
    const cached = this.cache.get(chunk);
    if (cached !== undefined) return cached;
    const key = encoder.encode(chunk);
    const trie = this.trie;
    let result: string | null = null;
    let node = 0;
    node ^= offsetOf(trie[0]);
    for (const c of key) {
      if (c === 0) break;
      node ^= c;
      const unit = trie[node];
      if (unit === undefined || labelOf(unit) !== c) break;
      node ^= offsetOf(unit);
      if ((unit >>> 8) & 1) {
        const value = trie[node] & 0x7fffffff;
        let end = value;
        while (end < this.normalized.length && this.normalized[end] !== 0) end++;
        result = decoder.decode(this.normalized.subarray(value, end));
        break;
      }
    }
    if (this.cache.size < 65536) this.cache.set(chunk, result);
    return result;
  }

  /** transform() of one BMP code point, through a table (most lookups are these). */
  private transformBmp(code: number): string | null {
    let slot = this.bmp[code];
    if (slot === 0) {
      const out = this.transform(String.fromCharCode(code));
      if (out === null) slot = 1;
      else {
        this.replacements.push(out);
        slot = this.replacements.length + 1;
      }
      this.bmp[code] = slot;
    }
    return slot === 1 ? null : this.replacements[slot - 2];
  }

  normalize(input: AlignedString): AlignedString {
    const text = input.text;
    if (!CLUSTERING.test(text)) return this.normalizeCodePoints(input);
    const starts: number[] = [];
    const ends: number[] = [];
    const parts: string[] = [];
    const keep = (from: number, to: number) => {
      parts.push(text.slice(from, to));
      for (let k = from; k < to; k++) {
        starts.push(input.starts[k]);
        ends.push(input.ends[k]);
      }
    };
    const replace = (from: number, to: number, out: string) => {
      parts.push(out);
      for (let k = 0; k < out.length; k++) {
        starts.push(input.starts[from]);
        ends.push(input.ends[to - 1]);
      }
    };
    let changed = false;
    for (const { segment, index } of segmenter.segment(text)) {
      const end = index + segment.length;
      if (utf8Length(segment) < 6) {
        const whole = this.transform(segment);
        if (whole !== null) {
          changed = true;
          replace(index, end, whole);
          continue;
        }
      }
      for (let i = index; i < end; ) {
        const width = text.codePointAt(i)! > 0xffff ? 2 : 1;
        const out = this.transform(text.slice(i, i + width));
        if (out === null) keep(i, i + width);
        else {
          changed = true;
          replace(i, i + width, out);
        }
        i += width;
      }
    }
    return changed ? new AlignedString(parts.join(''), starts, ends) : input;
  }

  /** normalize() for a text whose every code point is its own grapheme cluster. */
  private normalizeCodePoints(input: AlignedString): AlignedString {
    const text = input.text;
    let starts: number[] | undefined;
    let ends: number[] | undefined;
    let parts: string[] | undefined;
    let copied = 0;
    for (let i = 0; i < text.length; ) {
      const code = text.charCodeAt(i);
      const astral = code >= 0xd800 && code <= 0xdbff && i + 1 < text.length;
      const width = astral ? 2 : 1;
      const out = astral ? this.transform(text.slice(i, i + 2)) : this.transformBmp(code);
      if (out !== null) {
        // First change: start the output with everything before it.
        if (!parts || !starts || !ends) {
          parts = [];
          starts = [];
          ends = [];
        }
        parts.push(text.slice(copied, i), out);
        for (let k = copied; k < i; k++) {
          starts.push(input.starts[k]);
          ends.push(input.ends[k]);
        }
        for (let k = 0; k < out.length; k++) {
          starts.push(input.starts[i]);
          ends.push(input.ends[i + width - 1]);
        }
        copied = i + width;
      }
      i += width;
    }
    if (!parts || !starts || !ends) return input;
    parts.push(text.slice(copied));
    for (let k = copied; k < text.length; k++) {
      starts.push(input.starts[k]);
      ends.push(input.ends[k]);
    }
    return new AlignedString(parts.join(''), starts, ends);
  }

  toJSON() {
    return { type: 'Precompiled', precompiled_charsmap: this.charsmap };
  }
}

function offsetOf(unit: number): number {
  return (unit >>> 10) << ((unit & (1 << 9)) >>> 6);
}

function labelOf(unit: number): number {
  return unit & ((1 << 31) | 0xff);
}

function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}
