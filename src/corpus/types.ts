/** A unit of text with a unique id and free-form metadata. */
export interface Document {
  id: string;
  text: string;
  meta: Record<string, unknown>;
}

/** Categories of input problems; summaries count skipped items by these. */
export type ProblemKind =
  | 'invalid-utf8'
  | 'invalid-encoding'
  | 'malformed-json'
  | 'malformed-csv'
  | 'wrong-column-count'
  | 'missing-text'
  | 'empty-document'
  | 'duplicate-id'
  | 'binary-file'
  | 'unreadable-file'
  | 'other';

/** A problem in the input, reported as a value rather than thrown (unless in strict mode). */
export interface InputProblem {
  source: string;
  line?: number;
  offset?: number;
  reason: string;
  /** Category for summaries; readers in this stage always set it. */
  kind?: ProblemKind;
}
