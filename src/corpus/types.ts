/** A unit of text with a unique id and free-form metadata. */
export interface Document {
  id: string;
  text: string;
  meta: Record<string, unknown>;
}

/** A problem in the input, reported as a value rather than thrown (unless in strict mode). */
export interface InputProblem {
  source: string;
  line?: number;
  offset?: number;
  reason: string;
}
