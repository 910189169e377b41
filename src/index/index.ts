export { ExactIndex, type ExactIndexOptions, IdIndex } from './exact.js';
export { type RankedList, reciprocalRankFusion } from './fusion.js';
export * from './inverted.js';
export type { Hit, Index, IndexMetric, RowHits, RowIndex } from './types.js';
export { type GraphPrecision, HNSW_DEFAULTS, UsearchIndex, type UsearchOptions } from './usearch.js';
