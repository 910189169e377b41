/**
 * MurmurHash3 x86 32-bit over the UTF-8 bytes of a string, as a signed 32-bit integer — the value
 * of scikit-learn's `murmurhash3_32(token, seed=0, positive=False)`. Encodes into a reusable
 * buffer, so hashing a token allocates nothing.
 */
const encoder = new TextEncoder();
let buffer = new Uint8Array(256);

export function murmurhash3(text: string, seed = 0): number {
  const len = text.length;
  if (len <= 64) {
    // short tokens (nearly all): UTF-8 encoded by hand into the scratch buffer, cheaper than a
    // native encodeInto call per token
    let n = 0;
    for (let i = 0; i < len; i++) {
      let c = text.charCodeAt(i);
      if (c < 0x80) buffer[n++] = c;
      else if (c < 0x800) {
        buffer[n++] = 0xc0 | (c >> 6);
        buffer[n++] = 0x80 | (c & 63);
      } else if (c >= 0xd800 && c < 0xdc00 && i + 1 < len && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
        c = 0x10000 + ((c - 0xd800) << 10) + (text.charCodeAt(++i) - 0xdc00);
        buffer[n++] = 0xf0 | (c >> 18);
        buffer[n++] = 0x80 | ((c >> 12) & 63);
        buffer[n++] = 0x80 | ((c >> 6) & 63);
        buffer[n++] = 0x80 | (c & 63);
      } else if (c >= 0xd800 && c < 0xe000) {
        // a lone surrogate: what encodeInto writes (U+FFFD)
        buffer[n++] = 0xef;
        buffer[n++] = 0xbf;
        buffer[n++] = 0xbd;
      } else {
        buffer[n++] = 0xe0 | (c >> 12);
        buffer[n++] = 0x80 | ((c >> 6) & 63);
        buffer[n++] = 0x80 | (c & 63);
      }
    }
    return murmurhash3Bytes(buffer, n, seed);
  }
  // a UTF-16 unit becomes at most 3 UTF-8 bytes
  if (len * 3 > buffer.length) buffer = new Uint8Array(len * 3 + 16);
  const n = encoder.encodeInto(text, buffer).written;
  return murmurhash3Bytes(buffer, n, seed);
}

export function murmurhash3Bytes(bytes: Uint8Array, length: number, seed = 0): number {
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  let h = seed | 0;
  const blocks = length & ~3;
  for (let i = 0; i < blocks; i += 4) {
    let k = bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24);
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  let k = 0;
  switch (length & 3) {
    // biome-ignore lint/suspicious/noFallthroughSwitchClause: MurmurHash3's tail deliberately falls through
    case 3:
      k ^= bytes[blocks + 2] << 16;
    // biome-ignore lint/suspicious/noFallthroughSwitchClause: as above
    case 2:
      k ^= bytes[blocks + 1] << 8;
    case 1:
      k ^= bytes[blocks];
      k = Math.imul(k, c1);
      k = (k << 15) | (k >>> 17);
      k = Math.imul(k, c2);
      h ^= k;
  }
  h ^= length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}
