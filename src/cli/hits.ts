import path from 'node:path';
import type { TextSpan } from '../embed/sparse/highlight.js';
import type { SearchResult } from '../store/collection.js';
import { cutAtWord } from '../store/snippets.js';

/** How search results are drawn on a terminal (ripgrep-like: location, then the matching text). */
export interface HitStyle {
  /** Mark matched words (bold red) — only when stdout is a terminal and NO_COLOR is unset. */
  color: boolean;
  /** Name of the lexical side as the user knows it ("bm25", "tfidf"). */
  lexicalName: string;
  /** Marks the query's words in a line of text. */
  mark?: (text: string) => TextSpan[];
}

const BOLD = '\x1b[1;31m';
const RESET = '\x1b[0m';

/**
 * One block per hit:
 *   1  0.912  dense 1 · bm25 3  sports/chess.txt:12-18  Chess endgames
 *      …the rook gives checkmate on the back rank…
 */
export function renderHits(results: SearchResult[], style: HitStyle): string {
  const rankWidth = String(results.length).length;
  const out: string[] = [];
  for (const r of results) {
    const head = [
      String(r.rank).padStart(rankWidth),
      r.score.toFixed(3),
      sides(r, style.lexicalName),
      location(r),
      cutAtWord(r.title ?? '', 60),
    ]
      .filter((s) => s !== '')
      .join('  ');
    out.push(head);
    const text = r.snippet ?? '';
    if (text !== '') out.push(`${' '.repeat(rankWidth + 2)}${style.color ? marked(text, style.mark) : text}`);
  }
  return `${out.join('\n')}\n`;
}

/** Which side found the hit, with its rank there: "dense 1 · bm25 3". */
export function sides(r: SearchResult, lexicalName: string): string {
  const parts: string[] = [];
  if (r.dense) parts.push(`dense ${r.dense.rank}`);
  if (r.sparse) parts.push(`${lexicalName} ${r.sparse.rank}`);
  return parts.join(' · ');
}

/** file:line(-endLine), relative to the working directory when inside it; else the id. */
export function location(r: SearchResult, cwd = process.cwd()): string {
  const p = r.passage;
  if (!p?.path) return p?.line ? `${r.id}:${p.line}` : r.id;
  const rel = path.relative(cwd, p.path);
  const shown = rel.startsWith('..') || path.isAbsolute(rel) ? p.path : rel;
  if (!p.line) return shown;
  return p.endLine && p.endLine !== p.line ? `${shown}:${p.line}-${p.endLine}` : `${shown}:${p.line}`;
}

function marked(text: string, mark: HitStyle['mark']): string {
  if (!mark) return text;
  let s = '';
  let at = 0;
  for (const h of mark(text)) {
    if (h.start < at) continue;
    s += text.slice(at, h.start) + BOLD + text.slice(h.start, h.end) + RESET;
    at = h.end;
  }
  return s + text.slice(at);
}
