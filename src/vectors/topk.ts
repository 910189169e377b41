/**
 * Keeps the k best (highest-score) items seen so far in a min-heap over typed arrays: pushing is
 * O(log k) and allocation-free, so it suits scanning millions of scores.
 */
export class TopK {
  readonly k: number;
  readonly scores: Float64Array;
  readonly items: Int32Array;
  size = 0;

  constructor(k: number) {
    this.k = k;
    this.scores = new Float64Array(Math.max(1, k));
    this.items = new Int32Array(Math.max(1, k));
  }

  /** The score a new item must beat to enter (−Infinity until full). */
  get threshold(): number {
    return this.size < this.k ? Number.NEGATIVE_INFINITY : this.scores[0];
  }

  reset(): void {
    this.size = 0;
  }

  push(item: number, score: number): void {
    if (this.k === 0) return;
    const s = this.scores;
    const it = this.items;
    if (this.size < this.k) {
      let i = this.size++;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (s[p] <= score) break;
        s[i] = s[p];
        it[i] = it[p];
        i = p;
      }
      s[i] = score;
      it[i] = item;
      return;
    }
    if (score <= s[0]) return;
    let i = 0;
    const n = this.size;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && s[r] < s[l] ? r : l;
      if (s[c] >= score) break;
      s[i] = s[c];
      it[i] = it[c];
      i = c;
    }
    s[i] = score;
    it[i] = item;
  }

  /** Items and scores, best first (ties by smaller item first). */
  sorted(): { items: number[]; scores: number[] } {
    const order = Array.from({ length: this.size }, (_, i) => i);
    order.sort((a, b) => this.scores[b] - this.scores[a] || this.items[a] - this.items[b]);
    return { items: order.map((i) => this.items[i]), scores: order.map((i) => this.scores[i]) };
  }
}
