/** Small seeded generator (mulberry32): reproducible sampling for reports and tests. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Up to `count` distinct row numbers from [0, rows), sorted, chosen with the seeded generator. */
export function sampleRows(rows: number, count: number, seed: number): Int32Array {
  if (count >= rows) return Int32Array.from({ length: rows }, (_, i) => i);
  const random = seededRandom(seed);
  const chosen = new Set<number>();
  while (chosen.size < count) chosen.add(Math.floor(random() * rows));
  return Int32Array.from(chosen).sort();
}
