/**
 * The pseudo-random generator of the training loops: a 32-bit linear congruential generator
 * (Numerical Recipes constants), in the spirit of the word2vec C tool's LCG but kept to 32 bits
 * so it stays on the fast integer path of the JavaScript engine, with a scrambled output. The state lives in a one-element
 * Uint32Array so hot loops can inline `next` without allocating.
 */
export class Lcg {
  private readonly state: Uint32Array;

  /**
   * `state`: where the generator keeps its one word (default: its own); the WebAssembly
   * sentence kernel draws from the same word, so both advance one sequence.
   */
  constructor(seed: number, state: Uint32Array = new Uint32Array(1)) {
    this.state = state;
    // Mix the seed so seeds 1, 2, 3 give unrelated streams.
    let s = (seed ^ 0x9e3779b9) >>> 0;
    s = Math.imul(s ^ (s >>> 16), 0x85ebca6b) >>> 0;
    s = Math.imul(s ^ (s >>> 13), 0xc2b2ae35) >>> 0;
    this.state[0] = (s ^ (s >>> 16)) >>> 0;
  }

  /** The next 32-bit unsigned value. */
  next(): number {
    const s = (Math.imul(this.state[0], 1664525) + 1013904223) >>> 0;
    this.state[0] = s;
    // The low bits of a power-of-two LCG have short periods and consecutive states are
    // correlated: scramble the output with murmur3's finalizer (cheap, all bits depend on all).
    let x = s ^ (s >>> 16);
    x = Math.imul(x, 0x85ebca6b);
    x ^= x >>> 13;
    x = Math.imul(x, 0xc2b2ae35);
    return (x ^ (x >>> 16)) >>> 0;
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.next() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.uniform() * n);
  }
}
