export { ExactIndex, type ExactIndexOptions, IdIndex } from './exact.js';
export { type RankedList, reciprocalRankFusion } from './fusion.js';
export { HNSW_DEFAULTS, HnswIndex, type HnswOptions } from './hnsw.js';
export * from './inverted.js';
export type { Hit, Index, IndexMetric, RowHits, RowIndex } from './types.js';
export { type GraphPrecision, UsearchIndex, type UsearchOptions } from './usearch.js';
