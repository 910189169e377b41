/**
 * Keeps the k best (score, id) pairs seen so far in a binary min-heap, so selecting the top k of
 * n scores costs O(n log k) with no allocation per element. Ties prefer the lower id, which for
 * frequency-sorted vocabularies means the more frequent word.
 */
export class TopK {
  readonly k: number;
  private readonly heapScores: Float64Array;
  private readonly heapIds: Int32Array;
  private count = 0;

  constructor(k: number) {
    this.k = Math.max(0, Math.floor(k));
    this.heapScores = new Float64Array(this.k);
    this.heapIds = new Int32Array(this.k);
  }

  get size(): number {
    return this.count;
  }

  reset(): void {
    this.count = 0;
  }

  /** The score a new pair must beat to enter (−Infinity while the heap is not yet full). */
  get threshold(): number {
    return this.count < this.k ? Number.NEGATIVE_INFINITY : this.heapScores[0];
  }

  push(score: number, id: number): void {
    if (this.k === 0 || Number.isNaN(score)) return;
    const scores = this.heapScores;
    const ids = this.heapIds;
    if (this.count < this.k) {
      let i = this.count++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!worse(score, id, scores[parent], ids[parent])) break;
        scores[i] = scores[parent];
        ids[i] = ids[parent];
        i = parent;
      }
      scores[i] = score;
      ids[i] = id;
      return;
    }
    if (!worse(scores[0], ids[0], score, id)) return;
    const n = this.count;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      let child = left;
      if (right < n && worse(scores[right], ids[right], scores[left], ids[left])) child = right;
      if (!worse(scores[child], ids[child], score, id)) break;
      scores[i] = scores[child];
      ids[i] = ids[child];
      i = child;
    }
    scores[i] = score;
    ids[i] = id;
  }

  /** The kept pairs, best first. */
  sorted(): { ids: number[]; scores: number[] } {
    const order = Array.from({ length: this.count }, (_, i) => i);
    const scores = this.heapScores;
    const ids = this.heapIds;
    order.sort((a, b) => (worse(scores[a], ids[a], scores[b], ids[b]) ? 1 : -1));
    return { ids: order.map((i) => ids[i]), scores: order.map((i) => scores[i]) };
  }
}

function worse(scoreA: number, idA: number, scoreB: number, idB: number): boolean {
  return scoreA < scoreB || (scoreA === scoreB && idA > idB);
}
