/**
 * fastText's character n-grams and their hashing, byte for byte as Facebook's fastText does it:
 * the word is wrapped in "<" and ">", n-grams are taken over UTF-8 code points (continuation
 * bytes never start an n-gram), and each n-gram's UTF-8 bytes are hashed with 32-bit FNV-1a in
 * which every byte is first sign-extended (`h ^= uint32_t(int8_t(c))`). That quirk changes the
 * hash of every non-ASCII n-gram (all of Cyrillic), so it must be reproduced to share buckets
 * with models trained by the original tool.
 */

const encoder = new TextEncoder();

/** fastText's hash of a UTF-8 byte string. */
export function fastTextHashBytes(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let h = 2166136261;
  for (let i = start; i < end; i++) {
    const b = bytes[i];
    // int8_t(c) sign-extended to uint32
    const extended = b & 0x80 ? b | 0xffffff00 : b;
    h = Math.imul((h ^ extended) >>> 0, 16777619) >>> 0;
  }
  return h >>> 0;
}

/** fastText's hash of a string (hashed as its UTF-8 bytes). */
export function fastTextHash(text: string): number {
  return fastTextHashBytes(encoder.encode(text));
}

/**
 * Bucket indices (0..bucket-1) of the word's character n-grams, minn..maxn code points, of
 * "<word>", in fastText's order; single characters at the boundaries ("<", ">") are skipped.
 */
export function subwordBuckets(word: string, minn: number, maxn: number, bucket: number): number[] {
  const out: number[] = [];
  if (maxn <= 0 || bucket <= 0) return out;
  const bytes = encoder.encode(`<${word}>`);
  const size = bytes.length;
  for (let i = 0; i < size; i++) {
    if ((bytes[i] & 0xc0) === 0x80) continue;
    let j = i;
    for (let n = 1; j < size && n <= maxn; n++) {
      j++;
      while (j < size && (bytes[j] & 0xc0) === 0x80) j++;
      if (n >= minn && !(n === 1 && (i === 0 || j === size))) {
        out.push(fastTextHashBytes(bytes, i, j) % bucket);
      }
    }
  }
  return out;
}

/** The n-gram strings themselves, same order as subwordBuckets (for inspection and tests). */
export function subwordStrings(word: string, minn: number, maxn: number): string[] {
  const chars = [...`<${word}>`];
  const out: string[] = [];
  for (let i = 0; i < chars.length; i++) {
    for (let n = 1; n <= maxn && i + n <= chars.length; n++) {
      const j = i + n;
      if (n >= minn && !(n === 1 && (i === 0 || j === chars.length))) out.push(chars.slice(i, j).join(''));
    }
  }
  return out;
}
