/**
 * A set of document ids that stores two 32-bit hashes per id instead of the string: 16 bytes a
 * slot (at most half full) instead of ~50+ bytes a string, so duplicate detection stays small on
 * inputs with tens of millions of documents. Two different ids collide with probability ~n²/2⁶⁵
 * (about 3e-6 for 10 M ids); a collision is reported as a duplicate, never dropped silently.
 */
export class IdSet {
  private table = new Uint32Array(2 * 1024);
  private mask = 1023;
  size = 0;

  /** Adds the id; returns false when it was already present. */
  add(id: string): boolean {
    let h1 = 0x811c9dc5;
    let h2 = 0x9747b28c;
    for (let i = 0; i < id.length; i++) {
      const c = id.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995);
      h2 ^= h2 >>> 15;
    }
    h1 = fmix(h1 ^ id.length) >>> 0;
    h2 = fmix(h2) >>> 0;
    if (h1 === 0 && h2 === 0) h2 = 1;
    if ((this.size + 1) * 2 > this.mask + 1) this.grow();
    return this.insert(h1, h2);
  }

  private insert(h1: number, h2: number): boolean {
    const t = this.table;
    let slot = h1 & this.mask;
    for (;;) {
      const a = t[2 * slot];
      const b = t[2 * slot + 1];
      if (a === 0 && b === 0) {
        t[2 * slot] = h1;
        t[2 * slot + 1] = h2;
        this.size++;
        return true;
      }
      if (a === h1 && b === h2) return false;
      slot = (slot + 1) & this.mask;
    }
  }

  private grow(): void {
    const old = this.table;
    this.mask = this.mask * 2 + 1;
    this.table = new Uint32Array(2 * (this.mask + 1));
    this.size = 0;
    for (let i = 0; i < old.length; i += 2)
      if (old[i] !== 0 || old[i + 1] !== 0) this.insert(old[i], old[i + 1]);
  }
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
