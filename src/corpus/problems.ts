import { SmyslError } from '../errors.js';
import type { InputProblem, ProblemKind } from './types.js';

/** What a read did not turn into documents, and why. */
export interface ProblemSummary {
  /** Items skipped because of a problem, by kind. */
  skipped: Partial<Record<ProblemKind, number>>;
  /** Total of `skipped`. */
  skippedTotal: number;
  /** The first few problems of each kind, in input order. */
  examples: InputProblem[];
  /** Input deliberately passed over (not problems): e.g. "extension .pdf", "blank line". */
  ignored: Record<string, number>;
  /** Documents removed by metadata filters. */
  filtered: number;
}

/**
 * Collects the problems of one or more reads: counts by kind and keeps the first
 * `examplesPerKind` of each, so a run over millions of bad lines stays small in memory.
 */
export class ProblemLog {
  private readonly counts = new Map<ProblemKind, number>();
  private readonly ignoredCounts = new Map<string, number>();
  readonly examples: InputProblem[] = [];
  filtered = 0;

  constructor(readonly examplesPerKind = 3) {}

  add(problem: InputProblem): void {
    const kind = problem.kind ?? 'other';
    const n = (this.counts.get(kind) ?? 0) + 1;
    this.counts.set(kind, n);
    if (n <= this.examplesPerKind) this.examples.push(problem);
  }

  ignore(reason: string, count = 1): void {
    this.ignoredCounts.set(reason, (this.ignoredCounts.get(reason) ?? 0) + count);
  }

  get total(): number {
    let t = 0;
    for (const n of this.counts.values()) t += n;
    return t;
  }

  count(kind: ProblemKind): number {
    return this.counts.get(kind) ?? 0;
  }

  summary(): ProblemSummary {
    const skipped: Partial<Record<ProblemKind, number>> = {};
    for (const [k, n] of [...this.counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])))
      skipped[k] = n;
    const ignored: Record<string, number> = {};
    for (const [k, n] of [...this.ignoredCounts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])))
      ignored[k] = n;
    return {
      skipped,
      skippedTotal: this.total,
      examples: [...this.examples],
      ignored,
      filtered: this.filtered,
    };
  }
}

/** "file:12: reason" — how a problem is shown to a person. */
export function formatProblem(p: InputProblem): string {
  let where = p.source;
  if (p.line !== undefined) where += `:${p.line}`;
  else if (p.offset !== undefined) where += ` (byte ${p.offset})`;
  return `${where}: ${p.reason}`;
}

/** Routes problems to the log and the callback; in strict mode the first one is fatal. */
export class ProblemSink {
  constructor(
    readonly log: ProblemLog,
    private readonly strict: boolean,
    private readonly onProblem?: (p: InputProblem) => void,
  ) {}

  report(kind: ProblemKind, source: string, reason: string, where: { line?: number; offset?: number } = {}) {
    const problem: InputProblem = { source, reason, kind };
    if (where.line !== undefined) problem.line = where.line;
    if (where.offset !== undefined) problem.offset = where.offset;
    this.log.add(problem);
    this.onProblem?.(problem);
    if (this.strict)
      // the "…; line skipped" tail would be wrong here: nothing after this point is read
      throw new SmyslError(
        'E_INPUT',
        `${reason.replace(/; [^;]*skipped$/, '')} (strict mode stops at the first problem)`,
        {
          location: { source, line: where.line, offset: where.offset },
        },
      );
  }
}
