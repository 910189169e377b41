/**
 * Word and character n-grams with exactly scikit-learn's semantics (CountVectorizer's
 * `_word_ngrams`, `_char_ngrams`, `_char_wb_ngrams`), so vocabularies match it. Lengths are
 * counted in code points, as Python does.
 */

const MULTI_SPACE = /\s\s+/gu;

/** Word n-grams for n in [minN, maxN], joined by a space; unigrams first, as scikit-learn orders them. */
export function wordNgrams(tokens: readonly string[], minN = 1, maxN = 1): string[] {
  if (maxN === 1 && minN === 1) return tokens.slice();
  const out: string[] = [];
  const len = tokens.length;
  let n0 = minN;
  if (minN === 1) {
    for (const t of tokens) out.push(t);
    n0 = 2;
  }
  for (let n = n0; n <= Math.min(maxN, len); n++) {
    for (let i = 0; i + n <= len; i++) {
      let g = tokens[i];
      for (let j = 1; j < n; j++) g += ` ${tokens[i + j]}`;
      out.push(g);
    }
  }
  return out;
}

/** Character n-grams over the whole text (runs of 2+ whitespace folded to one space first). */
export function charNgrams(text: string, minN = 1, maxN = 1): string[] {
  const chars = Array.from(text.replace(MULTI_SPACE, ' '));
  const len = chars.length;
  const out: string[] = [];
  let n0 = minN;
  if (minN === 1) {
    for (const c of chars) out.push(c);
    n0 = 2;
  }
  for (let n = n0; n <= Math.min(maxN, len); n++) {
    for (let i = 0; i + n <= len; i++) out.push(chars.slice(i, i + n).join(''));
  }
  return out;
}

/**
 * Character n-grams inside word boundaries: each whitespace-separated word is padded with one
 * space on each side; a word shorter than n yields itself (padded) once.
 */
export function charWbNgrams(text: string, minN = 1, maxN = 1): string[] {
  const out: string[] = [];
  for (const word of text.replace(MULTI_SPACE, ' ').split(/\s+/u)) {
    if (word === '') continue;
    const w = Array.from(` ${word} `);
    const wl = w.length;
    for (let n = minN; n <= maxN; n++) {
      let offset = 0;
      out.push(w.slice(offset, offset + n).join(''));
      while (offset + n < wl) {
        offset++;
        out.push(w.slice(offset, offset + n).join(''));
      }
      if (offset === 0) break;
    }
  }
  return out;
}
