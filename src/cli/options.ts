import { InvalidArgumentError } from 'commander';

/** Option parsers shared by commands, so every command spells and checks flags the same way. */
export function parseIntOption(name: string, min = Number.NEGATIVE_INFINITY) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min)
      throw new InvalidArgumentError(`${name} must be an integer >= ${min}`);
    return n;
  };
}

export function parseFloatOption(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number`);
    return n;
  };
}

/** "1,2" -> [1, 2]; "2" -> [2, 2]. */
export function parseRange(name: string) {
  return (value: string): [number, number] => {
    const parts = value.split(',').map((p) => Number(p.trim()));
    if (parts.length < 1 || parts.length > 2 || parts.some((n) => !Number.isInteger(n) || n < 1))
      throw new InvalidArgumentError(`${name} must be "n" or "min,max" with positive integers`);
    const [a, b = a] = parts;
    if (b < a) throw new InvalidArgumentError(`${name}: max must be >= min`);
    return [a, b];
  };
}

/** Collects a repeatable option into an array. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
