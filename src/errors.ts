/**
 * One error type for the whole library. `code` is stable (callers and the CLI branch on it);
 * `message` is written for a person who must act on it.
 */
export type ErrorCode =
  | 'E_USAGE' // bad arguments or options
  | 'E_INPUT' // bad input data (file, line, reason)
  | 'E_IO' // cannot read or write a path
  | 'E_FORMAT' // a model/vector/index file is malformed
  | 'E_MODEL' // a model cannot be built, loaded or run
  | 'E_COLLECTION' // a collection cannot be opened or does not match
  | 'E_STATE' // method called in the wrong state (e.g. transform before fit)
  | 'E_CANCELLED'; // cancelled through an AbortSignal

export interface Location {
  source?: string;
  line?: number;
  offset?: number;
}

export class SmyslError extends Error {
  readonly code: ErrorCode;
  readonly location?: Location;

  constructor(code: ErrorCode, message: string, options?: { location?: Location; cause?: unknown }) {
    super(withLocation(message, options?.location), { cause: options?.cause });
    this.name = 'SmyslError';
    this.code = code;
    this.location = options?.location;
  }
}

function withLocation(message: string, loc?: Location): string {
  if (!loc?.source) return message;
  let where = loc.source;
  if (loc.line !== undefined) where += `:${loc.line}`;
  else if (loc.offset !== undefined) where += ` (byte ${loc.offset})`;
  return `${where}: ${message}`;
}

export function isSmyslError(e: unknown, code?: ErrorCode): e is SmyslError {
  return e instanceof SmyslError && (code === undefined || e.code === code);
}

/** Throws E_CANCELLED when the signal is aborted; cheap enough to call once per batch. */
export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new SmyslError('E_CANCELLED', 'cancelled');
}
