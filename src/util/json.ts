/** Metadata deeper than this is refused: SQLite's JSON functions stop at 1,000 levels. */
export const MAX_META_DEPTH = 64;

/**
 * Nesting depth of a JSON-like value, without recursion (a hostile value may be very deep);
 * counting stops once it passes MAX_META_DEPTH.
 */
export function jsonDepth(value: unknown): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    const d = depth + 1;
    if (d > max) max = d;
    if (max > MAX_META_DEPTH) return max;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, d]);
  }
  return max;
}
