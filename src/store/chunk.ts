import { splitSentences } from '../text/sentences.js';
import { tokenize } from '../text/tokenize.js';

export interface ChunkOptions {
  /** Token budget per chunk (default 256). */
  maxTokens?: number;
  /** Tokens of trailing context repeated at the start of the next chunk (default 32). */
  overlapTokens?: number;
}

export interface Span {
  start: number;
  end: number;
}

export const CHUNK_DEFAULTS = { maxTokens: 256, overlapTokens: 32 } as const;

/**
 * Splits a text into chunks of whole sentences up to `maxTokens` word tokens, each chunk starting
 * with up to `overlapTokens` of the previous chunk's last sentences. A sentence longer than the
 * budget is cut into token windows. Always returns at least one span (possibly empty).
 */
export function chunkText(text: string, opts: ChunkOptions = {}): Span[] {
  const maxTokens = Math.max(1, opts.maxTokens ?? CHUNK_DEFAULTS.maxTokens);
  const overlap = Math.max(0, Math.min(opts.overlapTokens ?? CHUNK_DEFAULTS.overlapTokens, maxTokens - 1));
  const units: { start: number; end: number; tokens: number }[] = [];
  for (const s of splitSentences(text)) {
    const tokens = tokenize(s.text);
    if (tokens.length <= maxTokens) {
      units.push({ start: s.start, end: s.end, tokens: tokens.length });
      continue;
    }
    const step = maxTokens - overlap;
    for (let i = 0; i < tokens.length; i += step) {
      const last = Math.min(tokens.length, i + maxTokens) - 1;
      units.push({
        start: s.start + (i === 0 ? 0 : tokens[i].start),
        end: last === tokens.length - 1 ? s.end : s.start + tokens[last].end,
        tokens: last - i + 1,
      });
      if (last === tokens.length - 1) break;
    }
  }
  if (units.length === 0) return [{ start: 0, end: text.length }];
  const spans: Span[] = [];
  let first = 0;
  while (first < units.length) {
    let end = first;
    let used = 0;
    while (end < units.length && (end === first || used + units[end].tokens <= maxTokens)) {
      used += units[end].tokens;
      end++;
    }
    spans.push({ start: units[first].start, end: units[end - 1].end });
    if (end >= units.length) break;
    // step back over trailing sentences that fit in the overlap, but always move forward
    let next = end;
    let carried = 0;
    while (next - 1 > first && carried + units[next - 1].tokens <= overlap) {
      carried += units[next - 1].tokens;
      next--;
    }
    first = next;
  }
  return spans;
}
