import { cpSync, existsSync } from 'node:fs';
import path from 'node:path';
import { SmyslError, throwIfAborted } from '../../errors.js';
import type { LongRunning } from '../../util/progress.js';
import { storeBackend } from '../backends.js';
import type { CollectionLexical, CollectionStore, DocumentToWrite, IndexSettings } from '../types.js';

export interface CopyOptions extends LongRunning {
  /** Documents per committed batch in the target (default 256). */
  batchSize?: number;
  onWarning?: (message: string) => void;
  /**
   * Settings of a new target that need no embedding: its lexical search (e.g. `fts` in
   * PostgreSQL) and its index (type, HNSW parameters, graph precision).
   */
  settings?: { lexical?: CollectionLexical; index?: Partial<IndexSettings> };
}

export interface CopySummary {
  /** Where the copy went (without a password). */
  target: string;
  documents: number;
  chunks: number;
  /** Documents the target already held with the same content (a resumed copy). */
  unchanged: number;
}

/** What a collection's files directory holds besides the store's own files. */
const FILES = ['embedder', 'postprocess'];

/**
 * Copies a collection from one store to another (the embedded store and PostgreSQL, either way)
 * without embedding anything again: documents, chunk spans and the stored vectors go over as
 * they are, in batches that each commit in the target. A target that already holds the
 * collection (an interrupted copy) is resumed: documents it has with the same content are
 * skipped. The target must be new or made with the same embedder.
 */
export async function copyCollection(
  source: string,
  target: string,
  opts: CopyOptions = {},
): Promise<CopySummary> {
  const batchSize = Math.max(1, opts.batchSize ?? 256);
  const from = await storeBackend(source).open(source, { readonly: true, onWarning: opts.onWarning });
  let to: CollectionStore | undefined;
  try {
    const backend = storeBackend(target);
    if (await backend.exists(target)) {
      to = await backend.open(target, { onWarning: opts.onWarning });
      const a = from.manifest.embedder;
      const b = to.manifest.embedder;
      if (a.name !== b.name || a.dim !== b.dim)
        throw new SmyslError(
          'E_COLLECTION',
          `${to.location} already holds a collection of embedder ${b.name} (${b.dim}-d); the copy is of ${a.name} (${a.dim}-d): choose another target`,
        );
    } else {
      if (opts.settings?.lexical === 'fts' && !backend.fullText)
        throw new SmyslError(
          'E_USAGE',
          `lexical search "fts" needs a store with full-text search (PostgreSQL)`,
        );
      to = await backend.create(
        target,
        async (filesDir) => {
          for (const name of FILES) {
            const dir = path.join(from.filesDir, name);
            if (existsSync(dir)) cpSync(dir, path.join(filesDir, name), { recursive: true });
          }
          const manifest = structuredClone(from.manifest);
          return {
            ...manifest,
            name: path.basename(path.resolve(target)),
            index: { ...manifest.index, ...opts.settings?.index },
            lexical: opts.settings?.lexical ?? manifest.lexical,
          };
        },
        { onWarning: opts.onWarning },
      );
    }
    // the words the embedder learned go first: the vectors copied below were made with them
    if (from.manifest.words) await copyWords(from, to, from.manifest.words.dim);
    const docs = [...(await from.matchingDocs({}))].sort((a, b) => a - b);
    const summary: CopySummary = { target: to.location, documents: 0, chunks: 0, unchanged: 0 };
    const total = docs.length;
    opts.onProgress?.({ phase: 'copying', done: 0, total, unit: 'docs' });
    for (let i = 0; i < docs.length; i += batchSize) {
      throwIfAborted(opts.signal);
      const numbers = docs.slice(i, i + batchSize);
      const stored = await from.documents(numbers);
      const present = [...stored.values()];
      const sourceHashes = await from.hashes(present.map((d) => d.id));
      const targetHashes = await to.hashes(present.map((d) => d.id));
      const batch: DocumentToWrite[] = [];
      const rows: number[] = [];
      for (const n of numbers) {
        const d = stored.get(n);
        // deleted since the list was made
        if (!d) continue;
        const hash = sourceHashes.get(d.id);
        if (hash === undefined) continue;
        if (targetHashes.get(d.id) === hash) {
          summary.unchanged++;
          continue;
        }
        const chunks = await from.chunksOf(n);
        for (const c of chunks) rows.push(c.row);
        batch.push({
          id: d.id,
          hash,
          title: d.title,
          text: d.text,
          meta: d.meta,
          spans: chunks.map((c) => ({ start: c.start, end: c.end })),
          ...(d.source ? { source: d.source } : {}),
          // what a re-index of the same folder prunes by
          ...(d.root !== undefined ? { root: d.root } : {}),
        });
      }
      if (batch.length > 0) {
        const vectors = await from.vectors(rows);
        await to.write(batch, vectors);
        summary.documents += batch.length;
        summary.chunks += rows.length;
      }
      opts.onProgress?.({
        phase: 'copying',
        done: Math.min(total, i + numbers.length),
        total,
        unit: 'docs',
        extra: { chunks: summary.chunks },
      });
    }
    await to.flush();
    return summary;
  } finally {
    await to?.close();
    await from.close();
  }
}

/** The source's learned words after those the target holds already (a resumed copy holds a prefix). */
async function copyWords(from: CollectionStore, to: CollectionStore, dim: number): Promise<void> {
  if (!to.manifest.words)
    throw new SmyslError(
      'E_COLLECTION',
      `${to.location} keeps no learned words, but the vectors of ${from.location} were made with its own; choose another target`,
    );
  const all = await from.words().read({ count: 0, keyBytes: 0 }, dim);
  await to.words().update({ count: 0, keyBytes: 0 }, dim, (since) => {
    const have = since.end.count;
    if (since.stems.some((s, i) => s !== all.stems[i]))
      throw new SmyslError(
        'E_COLLECTION',
        `${to.location} holds other learned words than ${from.location}; choose another target`,
      );
    return { stems: all.stems.slice(have), rows: all.rows.subarray(have * dim) };
  });
}
