/**
 * Word tokenizer for Russian and English. (Placeholder implementation: the text-stage work
 * replaces the pattern with the full one — hyphens, apostrophes, numbers, URLs, e-mails,
 * hashtags — keeping these signatures.)
 */
export type TokenType = 'word' | 'number' | 'url' | 'email' | 'hashtag' | 'mention' | 'punct';

export interface Token {
  text: string;
  /** Offsets in UTF-16 code units into the original string: text.slice(start, end). */
  start: number;
  end: number;
  type: TokenType;
}

export interface TokenizeOptions {
  /** Also emit punctuation tokens (default false). */
  punctuation?: boolean;
}

const WORD = /[\p{L}\p{M}\p{N}]+(?:[-'’][\p{L}\p{M}\p{N}]+)*/gu;

/** Tokens with types and offsets. */
export function tokenize(text: string, _opts: TokenizeOptions = {}): Token[] {
  const out: Token[] = [];
  for (const m of text.matchAll(WORD)) {
    const start = m.index ?? 0;
    out.push({
      text: m[0],
      start,
      end: start + m[0].length,
      type: /^\p{N}+$/u.test(m[0]) ? 'number' : 'word',
    });
  }
  return out;
}

/** The fast path: token strings only (no punctuation), for counting and vectorizing. */
export function words(text: string): string[] {
  return text.match(WORD) ?? [];
}
