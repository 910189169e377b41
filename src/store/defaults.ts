import type { EmbedderSettings } from '../embed/registry.js';

/**
 * Embedder settings a new collection gets unless the user sets them (`smysl index --set`):
 * MiniLM runs smysl's int8 encoder. Measured (bench/index.ts --quality, dense search through a
 * collection): nDCG@10 Cranfield 0.3704 vs 0.3750 fp32, CISI 0.4250 vs 0.4244 — within 0.005 —
 * while indexing 1.5-2x faster (docs/collections.md). `--set dtype=fp32` keeps the float
 * encoder; collections made before keep the embedder they were made with.
 */
export const NEW_COLLECTION_EMBEDDER_SETTINGS: Readonly<Record<string, EmbedderSettings>> = {
  minilm: { dtype: 'int8' },
};
