import { promises as fsp } from 'node:fs';
import type { Document } from '../corpus/types.js';
import { createEmbedder, type EmbedderSettings, listEmbedders, loadEmbedder } from '../embed/registry.js';
import type { Embedder } from '../embed/types.js';
import { SmyslError } from '../errors.js';
import type { LongRunning } from '../util/progress.js';
import type { DenseMatrix, SparseMatrix } from '../vectors/types.js';
import { type CorpusFlags, readCorpus } from './corpus-input.js';

/** Every embedder name the task commands accept (the registry's). */
export function embedderNames(): string[] {
  return listEmbedders().map((f) => f.method);
}

/**
 * A fresh embedder by name: a registry method, else a transformer model (an imported name or a
 * checkpoint directory) with the settings as encoder options.
 */
export async function makeEmbedder(name: string, settings: EmbedderSettings = {}): Promise<Embedder> {
  if (listEmbedders().some((f) => f.method === name)) return createEmbedder(name, settings);
  const { resolveModel } = await import('../embed/transformer/index.js');
  try {
    await resolveModel(name);
  } catch {
    return createEmbedder(name, settings); // the registry's "unknown embedder" error, listing the methods
  }
  return createEmbedder('transformer', { ...settings, model: name });
}

/** Loads an embedder a task command saved (dispatched on its manifest's method). */
export async function loadSavedEmbedder(dir: string): Promise<Embedder> {
  return loadEmbedder(dir);
}

/** Fits the embedder on the texts when it has a fit step (sparse vocabularies, trained word vectors). */
export async function fitEmbedder(embedder: Embedder, texts: readonly string[], opts: LongRunning = {}) {
  if (!embedder.fit) return;
  const docs: Document[] = texts.map((text, i) => ({ id: String(i), text, meta: {} }));
  await embedder.fit(docs, opts);
}

export function isSparse(m: DenseMatrix | SparseMatrix): m is SparseMatrix {
  return (m as SparseMatrix).indptr !== undefined;
}

/** Dense copy of a sparse matrix (refuses absurd sizes instead of exhausting memory). */
export function densify(m: DenseMatrix | SparseMatrix, limit = 200_000_000): DenseMatrix {
  if (!isSparse(m)) return m;
  if (m.rows * m.cols > limit)
    throw new SmyslError(
      'E_USAGE',
      `${m.rows} x ${m.cols} sparse vectors are too large to make dense; use a dense embedder or fewer features`,
    );
  const data = new Float32Array(m.rows * m.cols);
  for (let r = 0; r < m.rows; r++)
    for (let j = m.indptr[r]; j < m.indptr[r + 1]; j++) data[r * m.cols + m.indices[j]] = m.data[j];
  return { rows: m.rows, dim: m.cols, data };
}

/** Cosine similarity of row i of a and row i of b, for every i. */
export function rowCosines(a: DenseMatrix | SparseMatrix, b: DenseMatrix | SparseMatrix): Float64Array {
  const out = new Float64Array(a.rows);
  if (isSparse(a) && isSparse(b)) {
    for (let r = 0; r < a.rows; r++) {
      const row = new Map<number, number>();
      let na = 0;
      let nb = 0;
      let dot = 0;
      for (let j = a.indptr[r]; j < a.indptr[r + 1]; j++) {
        row.set(a.indices[j], a.data[j]);
        na += a.data[j] * a.data[j];
      }
      for (let j = b.indptr[r]; j < b.indptr[r + 1]; j++) {
        nb += b.data[j] * b.data[j];
        dot += (row.get(b.indices[j]) ?? 0) * b.data[j];
      }
      out[r] = na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
    }
    return out;
  }
  const da = densify(a);
  const db = densify(b);
  const dim = da.dim;
  for (let r = 0; r < da.rows; r++) {
    let dot = 0;
    let na = 0;
    let nb = 0;
    for (let k = 0; k < dim; k++) {
      const x = da.data[r * dim + k];
      const y = db.data[r * dim + k];
      dot += x * y;
      na += x * x;
      nb += y * y;
    }
    out[r] = na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
  }
  return out;
}

export interface LabelledFlags extends CorpusFlags {
  /** Metadata field (CSV/TSV column, JSON field) holding each document's label. */
  labelField: string;
}

/** Texts and labels of a labelled corpus; every document must carry the label field. */
export async function readLabelledCorpus(
  input: string,
  flags: LabelledFlags,
): Promise<{ texts: string[]; labels: string[] }> {
  const { documents } = await readCorpus(input, flags);
  const out = { texts: [] as string[], labels: [] as string[] };
  for (const d of documents) {
    const label = d.meta?.[flags.labelField];
    if (label === undefined || label === null || String(label).trim() === '')
      throw new SmyslError(
        'E_INPUT',
        `document ${d.id} has no label field "${flags.labelField}" (its fields: ${Object.keys(d.meta ?? {}).join(', ') || 'none'}); pass --label-field`,
      );
    out.texts.push(d.text);
    out.labels.push(String(label).trim());
  }
  if (out.texts.length === 0) throw new SmyslError('E_INPUT', `${input}: no documents`);
  return out;
}

/** "a=1,b=x" embedder settings from repeated --embedder-option flags. */
export function parseSettings(pairs: readonly string[]): EmbedderSettings {
  const s: EmbedderSettings = {};
  for (const p of pairs) {
    const eq = p.indexOf('=');
    if (eq < 1) throw new SmyslError('E_USAGE', `--set expects key=value, got "${p}"`);
    const key = p.slice(0, eq);
    const value = p.slice(eq + 1);
    s[key] =
      value === 'true'
        ? true
        : value === 'false'
          ? false
          : Number.isFinite(Number(value))
            ? Number(value)
            : value;
  }
  return s;
}

/** Lines of a plain-text file (one sentence or document a line), for fitting embedders. */
export async function readLines(file: string): Promise<string[]> {
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (e) {
    throw new SmyslError('E_IO', `cannot read ${file}: ${(e as Error).message}`);
  }
  return text.split(/\r?\n/).filter((l) => l.trim() !== '');
}

/** Cosine of each pair's two sentences under the embedder (fitted beforehand if it needs it). */
export async function stsCosines(embedder: Embedder, pairs: readonly { a: string; b: string }[]) {
  const a = await embedder.embed(pairs.map((p) => p.a));
  const b = await embedder.embed(pairs.map((p) => p.b));
  return rowCosines(a, b);
}
