import { type Command, InvalidArgumentError, Option } from 'commander';

/**
 * Option parsers and builders shared by commands, so every command spells and checks a flag the
 * same way (the vocabulary is written down in docs/cli.md and checked by test/cli/vocabulary).
 */
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

/** "a,b" and repeated flags both give a list. */
export function collectList(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== ''),
  ];
}

/** `--json` and `--quiet`, which every command has. */
export function addOutputFlags(cmd: Command, json = 'print one JSON value on stdout'): Command {
  return cmd
    .option('--json', json, false)
    .option('--quiet', 'nothing on stderr but errors (no progress, summaries or warnings)', false);
}

/** `-k, --top <n>`: the result count, in every command that returns a ranked list. */
export function topOption(description: string, fallback?: number, min = 1): Option {
  const o = new Option('-k, --top <n>', description).argParser(parseIntOption('--top', min));
  return fallback === undefined ? o : o.default(fallback);
}

/** `--embedder <name>`: what makes the vectors (a method or a model). */
export function embedderOption(description: string, fallback?: string): Option {
  const o = new Option('--embedder <name>', description);
  return fallback === undefined ? o : o.default(fallback);
}

/** `--set <key=value>`: one embedder setting, repeatable. */
export function setOption(): Option {
  return new Option(
    '--set <key=value>',
    'embedder setting, repeatable (e.g. dim=64, epochs=10, weighting=sif)',
  )
    .argParser(collect)
    .default([]);
}
