import { promises as fsp } from 'node:fs';
import type { AnalogyMethod, KeyedVectors } from '../embed/static/keyed-vectors.js';
import { SmyslError, throwIfAborted } from '../errors.js';
import type { LongRunning } from '../util/progress.js';
import { evaluationVocabulary, type VocabularyOptions } from './word-pairs.js';

export interface AnalogyQuestion {
  a: string;
  b: string;
  c: string;
  expected: string;
  line: number;
}

export interface AnalogySection {
  section: string;
  questions: AnalogyQuestion[];
}

export interface AnalogySet {
  source: string;
  sections: AnalogySection[];
  /** Lines that are neither a section header nor four words (gensim skips them too). */
  skippedLines: number[];
}

/** Reads analogy questions in the `questions-words.txt` layout: `: section` headers, then `a b c d`. */
export async function readAnalogies(file: string): Promise<AnalogySet> {
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (e) {
    throw new SmyslError('E_IO', `cannot read ${file}: ${(e as Error).message}`, { cause: e });
  }
  const lines = text.split('\n');
  const sections: AnalogySection[] = [];
  const skippedLines: number[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.startsWith(': ')) {
      sections.push({ section: line.replace(/^[: ]+/, '').trim(), questions: [] });
      continue;
    }
    const fields = line.trim().split(/\s+/);
    if (fields.length !== 4) {
      if (line.trim() !== '') skippedLines.push(i + 1);
      continue;
    }
    const current = sections[sections.length - 1];
    if (!current)
      throw new SmyslError('E_INPUT', 'analogy question before any ": section" header', {
        location: { source: file, line: i + 1 },
      });
    current.questions.push({ a: fields[0], b: fields[1], c: fields[2], expected: fields[3], line: i + 1 });
  }
  if (sections.length === 0)
    throw new SmyslError('E_INPUT', 'no ": section" header found', { location: { source: file } });
  return { source: file, sections, skippedLines };
}

export interface AnalogyOptions extends VocabularyOptions, LongRunning {
  /** 3CosAdd (`add`, default) or 3CosMul (`mul`). */
  method?: AnalogyMethod;
  /** Questions solved per pass over the matrix (default 256). */
  batchSize?: number;
}

export interface AnalogySectionResult {
  section: string;
  correct: number;
  incorrect: number;
  /** Questions skipped because a word is outside the (restricted) vocabulary. */
  oov: number;
  /** correct / (correct + incorrect); NaN for a section without answerable questions. */
  accuracy: number;
}

export interface AnalogyResult {
  source: string;
  method: AnalogyMethod;
  restrictVocab: number;
  caseInsensitive: boolean;
  sections: AnalogySectionResult[];
  correct: number;
  incorrect: number;
  /** Over answered (in-vocabulary) questions, as gensim's "Total accuracy". */
  accuracy: number;
  questions: number;
  oov: number;
  oovRatio: number;
  skippedLines: number;
}

/** How many ranked candidates gensim looks at before giving up on a question. */
const CANDIDATES = 5;

/**
 * Analogy accuracy exactly as gensim's `evaluate_word_analogies`: questions with a word outside
 * the first `restrictVocab` words are counted as OOV and not answered; the prediction is the best
 * of the top 5 candidates (input rows excluded) whose folded spelling is none of a, b, c.
 */
export function evaluateAnalogies(
  kv: KeyedVectors,
  set: AnalogySet,
  options: AnalogyOptions = {},
): AnalogyResult {
  const restrictVocab = options.restrictVocab ?? 300000;
  const fold = options.caseInsensitive ?? true;
  const method = options.method ?? 'add';
  const batchSize = Math.max(1, options.batchSize ?? 256);
  const vocab = evaluationVocabulary(kv, { restrictVocab, caseInsensitive: fold });
  const key = (w: string) => (fold ? w.toUpperCase() : w);

  const sections: AnalogySectionResult[] = set.sections.map((s) => ({
    section: s.section,
    correct: 0,
    incorrect: 0,
    oov: 0,
    accuracy: Number.NaN,
  }));
  const answerable: { section: number; a: number; b: number; c: number; keys: string[] }[] = [];
  let questions = 0;
  set.sections.forEach((s, si) => {
    for (const q of s.questions) {
      questions++;
      const keys = [key(q.a), key(q.b), key(q.c), key(q.expected)];
      const ids = keys.map((k) => vocab.get(k));
      if (ids.some((id) => id === undefined)) {
        sections[si].oov++;
        continue;
      }
      answerable.push({ section: si, a: ids[0]!, b: ids[1]!, c: ids[2]!, keys });
    }
  });

  for (let start = 0; start < answerable.length; start += batchSize) {
    throwIfAborted(options.signal);
    options.onProgress?.({
      phase: `analogies (3Cos${method === 'add' ? 'Add' : 'Mul'})`,
      done: start,
      total: answerable.length,
      unit: 'questions',
    });
    const batch = answerable.slice(start, start + batchSize);
    const triples = new Int32Array(batch.length * 3);
    batch.forEach((q, i) => {
      triples[3 * i] = q.a;
      triples[3 * i + 1] = q.b;
      triples[3 * i + 2] = q.c;
    });
    const topn = CANDIDATES + 3;
    const found = kv.analogyBatch(triples, method, topn, restrictVocab);
    batch.forEach((q, i) => {
      const ignore = new Set(q.keys.slice(0, 3));
      let predicted: string | undefined;
      let seen = 0;
      for (let j = 0; j < topn && seen < CANDIDATES; j++) {
        const id = found.ids[i * topn + j];
        if (id < 0) break;
        if (id === q.a || id === q.b || id === q.c) continue;
        seen++;
        predicted = key(kv.words[id]);
        if (vocab.has(predicted) && !ignore.has(predicted)) break;
      }
      if (predicted === q.keys[3]) sections[q.section].correct++;
      else sections[q.section].incorrect++;
    });
  }
  options.onProgress?.({
    phase: 'analogies',
    done: answerable.length,
    total: answerable.length,
    unit: 'questions',
  });

  let correct = 0;
  let incorrect = 0;
  let oov = 0;
  for (const s of sections) {
    s.accuracy = s.correct + s.incorrect > 0 ? s.correct / (s.correct + s.incorrect) : Number.NaN;
    correct += s.correct;
    incorrect += s.incorrect;
    oov += s.oov;
  }
  return {
    source: set.source,
    method,
    restrictVocab,
    caseInsensitive: fold,
    sections,
    correct,
    incorrect,
    accuracy: correct + incorrect > 0 ? correct / (correct + incorrect) : 0,
    questions,
    oov,
    oovRatio: questions > 0 ? oov / questions : 0,
    skippedLines: set.skippedLines.length,
  };
}
