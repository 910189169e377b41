export { ExactIndex, type ExactIndexOptions, IdIndex } from './exact.js';
export {
  DEFAULT_FUSION,
  FUSION_METHODS,
  type FusedHit,
  type FusionMethod,
  type FusionOptions,
  fuse,
  type RankedList,
  reciprocalRankFusion,
  type SideHit,
} from './fusion.js';
export * from './inverted.js';
export { type SemanticSearchHit, type SemanticSearchOptions, semanticSearch } from './semantic-search.js';
export type { Hit, Index, IndexMetric, RowHits, RowIndex } from './types.js';
export { type GraphPrecision, HNSW_DEFAULTS, UsearchIndex, type UsearchOptions } from './usearch.js';
