/**
 * Sentence splitter for Russian and English. (Placeholder: the text-stage work replaces it
 * with the full rule set — abbreviations, initials, decimals, ellipsis, quotes — keeping this
 * signature.)
 */
export interface Sentence {
  text: string;
  /** Offsets in UTF-16 code units into the original string. */
  start: number;
  end: number;
}

const BOUNDARY = /[^.!?…]*(?:[.!?…]+["»”)]*|$)/gu;

export function splitSentences(text: string): Sentence[] {
  const out: Sentence[] = [];
  for (const m of text.matchAll(BOUNDARY)) {
    const raw = m[0];
    const lead = raw.length - raw.trimStart().length;
    const s = raw.trim();
    if (s === '') continue;
    const start = (m.index ?? 0) + lead;
    out.push({ text: s, start, end: start + s.length });
  }
  return out;
}
