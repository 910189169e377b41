import { splitSentences } from '../text/sentences.js';
import { tokenize } from '../text/tokenize.js';

export interface ChunkOptions {
  /** Token budget per chunk (default 256). */
  maxTokens?: number;
  /** Tokens of trailing context repeated at the start of the next chunk (default 32). */
  overlapTokens?: number;
  /**
   * What a token is: 'words' (the text stage's word tokens; collections made before encoder
   * pieces were counted) or 'encoder' (the collection embedder's own pieces, so a chunk is
   * never longer than what the encoder reads). Absent: words.
   */
  unit?: 'words' | 'encoder';
}

/** Options of one chunking call: the budget, and how to count a piece of text. */
export interface ChunkTextOptions extends ChunkOptions {
  /**
   * Tokens in a piece of text as the encoder counts them (without special tokens). Default:
   * the number of word tokens. Chunks are packed from per-sentence counts and each finished
   * chunk is counted again whole, so a tokenizer whose count is not additive (SentencePiece
   * joins) still never gets a chunk over budget.
   */
  countTokens?: (text: string) => number;
}

export interface Span {
  start: number;
  end: number;
}

export const CHUNK_DEFAULTS = { maxTokens: 256, overlapTokens: 32 } as const;

interface Unit {
  start: number;
  end: number;
  tokens: number;
}

/**
 * Splits a text into chunks of whole sentences up to `maxTokens` tokens, each chunk starting
 * with up to `overlapTokens` of the previous chunk's last sentences. A sentence longer than the
 * budget is cut into windows of words (overlapping by `overlapTokens`). Tokens are word tokens,
 * or whatever `countTokens` counts (an encoder's word pieces). Always returns at least one span
 * (possibly empty).
 */
export function chunkText(text: string, opts: ChunkTextOptions = {}): Span[] {
  const maxTokens = Math.max(1, opts.maxTokens ?? CHUNK_DEFAULTS.maxTokens);
  const overlap = Math.max(0, Math.min(opts.overlapTokens ?? CHUNK_DEFAULTS.overlapTokens, maxTokens - 1));
  const count = opts.countTokens;
  if (count === undefined) return chunkWords(text, maxTokens, overlap);
  const units: Unit[] = [];
  for (const s of splitSentences(text)) {
    const tokens = count(s.text);
    if (tokens <= maxTokens) units.push({ start: s.start, end: s.end, tokens });
    else
      for (const w of sentenceWindows(s.text, maxTokens, overlap, count))
        units.push({ ...w, start: s.start + w.start, end: s.start + w.end });
  }
  if (units.length === 0) return [{ start: 0, end: text.length }];
  return pack(units, maxTokens, overlap, (first, end) => {
    // per-sentence counts may not add up exactly (pieces across the joins): count the chunk
    // whole and give back trailing sentences until it fits
    while (end - first > 1 && count(text.slice(units[first].start, units[end - 1].end)) > maxTokens) end--;
    return end;
  });
}

/**
 * Windows of one over-long sentence: its words (punctuation included, as encoders read it)
 * packed up to `maxTokens` counted pieces, consecutive windows sharing about `overlap` pieces.
 */
function sentenceWindows(
  sentence: string,
  maxTokens: number,
  overlap: number,
  count: (t: string) => number,
): Unit[] {
  const words = tokenize(sentence, { punctuation: true });
  const sizes = words.map((w) => Math.max(1, count(w.text)));
  const out: Unit[] = [];
  let i = 0;
  while (i < words.length) {
    let j = i;
    let used = 0;
    while (j < words.length && (j === i || used + sizes[j] <= maxTokens)) used += sizes[j++];
    // a single word longer than the budget (a URL, a base64 blob) is cut by characters
    if (j === i + 1 && sizes[i] > maxTokens) {
      const w = words[i];
      const step = Math.max(1, Math.floor(((w.end - w.start) * maxTokens) / sizes[i]));
      for (let a = w.start; a < w.end; ) {
        let b = Math.min(w.end, a + step);
        while (b - a > 1 && count(sentence.slice(a, b)) > maxTokens) b = a + Math.floor((b - a) * 0.9);
        out.push({ start: a, end: b, tokens: count(sentence.slice(a, b)) });
        a = b;
      }
      i = j;
      continue;
    }
    const start = words[i].start;
    let end = words[j - 1].end;
    let whole = count(sentence.slice(start, end));
    while (j - i > 1 && whole > maxTokens) {
      j--;
      end = words[j - 1].end;
      whole = count(sentence.slice(start, end));
    }
    out.push({ start: i === 0 ? 0 : start, end: j === words.length ? sentence.length : end, tokens: whole });
    if (j >= words.length) break;
    // step back over trailing words that fit in the overlap, but always move forward
    let next = j;
    let carried = 0;
    while (next - 1 > i && carried + sizes[next - 1] <= overlap) carried += sizes[--next];
    i = next;
  }
  return out;
}

/** Greedy packing of units into chunks with sentence overlap; `fit` may shorten a chunk. */
function pack(
  units: Unit[],
  maxTokens: number,
  overlap: number,
  fit: (first: number, end: number) => number = (_, end) => end,
): Span[] {
  const spans: Span[] = [];
  let first = 0;
  while (first < units.length) {
    let end = first;
    let used = 0;
    while (end < units.length && (end === first || used + units[end].tokens <= maxTokens)) {
      used += units[end].tokens;
      end++;
    }
    end = fit(first, end);
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

/** Word-token chunking (what collections made before encoder pieces use): unchanged behaviour. */
function chunkWords(text: string, maxTokens: number, overlap: number): Span[] {
  const units: Unit[] = [];
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
  return pack(units, maxTokens, overlap);
}
