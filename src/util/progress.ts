/** What long-running work reports; the CLI draws it, the server may ignore it. */
export interface Progress {
  /** Short label of the current phase, e.g. "reading", "epoch 2/5". */
  phase: string;
  done: number;
  /** Undefined when the total is unknown (streaming input). */
  total?: number;
  /**
   * Share of the work done (0–1) when it is known otherwise than by done/total — e.g. documents
   * counted while the input's bytes give the percentage.
   */
  fraction?: number;
  /** Unit of `done`/`total`, e.g. "docs", "words", "bytes". */
  unit?: string;
  /** Extra figures to show, e.g. { "words/s": 1.2e6, loss: 0.31 }. */
  extra?: Record<string, number | string>;
}

/** Options accepted by every long-running call. */
export interface LongRunning {
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
}
