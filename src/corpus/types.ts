/** A unit of text with a unique id and free-form metadata. */
export interface Document {
  id: string;
  text: string;
  meta: Record<string, unknown>;
  /** Where the text came from, when a reader knows (collections report passages as file:line). */
  source?: DocumentSource;
}

/** The file a document was read from, and where in it. */
export interface DocumentSource {
  /** The file's path (absolute). */
  path: string;
  /** Line (from 1) where the document starts: the file's first line, a paragraph's, a record's. */
  line: number;
  /**
   * The text is the file's own characters from that line on (a file of a folder, a line or a
   * paragraph of a text file), so a position in the text is a position in the file; false for a
   * field of a record (JSON Lines, JSON, CSV), which only has the record's line.
   */
  verbatim: boolean;
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
