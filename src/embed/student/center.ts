/**
 * Centering a trained student: subtract from every table row the mean word vector of running
 * text in the student's language.
 *
 * Why: a static student's sentence vector is a sum of word vectors, and every word vector
 * carries a little of one shared direction (the teacher's targets all do). A sentence of ten
 * words keeps it in proportion, but in a paragraph the words' own directions partly cancel while
 * the shared one adds up, so every long Russian text ends up close to every query — in a
 * collection that holds both languages an English query finds Russian documents before the
 * right English one (measured in docs/encoder.md, "mixed-language pool"). The teacher, a
 * transformer, does not accumulate it the same way. Removing the mean word vector per word
 * (the rows of one word share coefficients that sum to 1, so subtracting it from each row
 * subtracts it once per word) takes that drift out at any length; it needs only unlabelled text.
 */
import { type FeatureVocabulary, studentWords } from './features.js';

/** What the model card records about a centering. */
export interface CenterRecord {
  /** What the mean was taken over (file names). */
  source: string;
  /** Word occurrences with rows that were averaged. */
  words: number;
  /** Length of the mean word vector that was subtracted. */
  norm: number;
}

/**
 * The mean word vector of `texts`: each word occurrence that has rows contributes
 * Σ (1/k)·row over its k rows of `table` (rows x dim), exactly its term in the student's sum.
 */
export function meanWordVector(
  vocab: FeatureVocabulary,
  table: Float32Array,
  dim: number,
  texts: Iterable<string>,
): { mean: Float64Array; words: number } {
  const sum = new Float64Array(dim);
  let words = 0;
  for (const text of texts)
    for (const w of studentWords(text)) {
      const rows = vocab.rowsOfWord(w);
      if (rows.length === 0) continue;
      for (let k = 0; k < rows.length; k++) {
        const c = vocab.coefficient(rows, k);
        const e = rows[k] * dim;
        for (let j = 0; j < dim; j++) sum[j] += c * table[e + j];
      }
      words++;
    }
  if (words > 0) for (let j = 0; j < dim; j++) sum[j] /= words;
  return { mean: sum, words };
}

/** Subtracts `mean` from every row of `table` (rows x dim), in place. */
export function subtractFromRows(table: Float32Array, dim: number, mean: Float64Array): void {
  for (let e = 0; e < table.length; e += dim) for (let j = 0; j < dim; j++) table[e + j] -= mean[j];
}
