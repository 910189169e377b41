/** Public surface of the word-vector queries and file formats (trainers export theirs elsewhere). */

export {
  detectWordVectorFormat,
  formatFloat32,
  normalizeWordVectorFormat,
  readWordVectors,
  type WordVectorData,
  type WordVectorFormat,
  type WordVectorFormatName,
  type WordVectorReadOptions,
  type WordVectorReadResult,
  writeWordVectors,
} from './formats.js';
export {
  type AnalogyMethod,
  type BatchNeighbors,
  KeyedVectors,
  type MostSimilarOptions,
  type Neighbor,
  type QueryTerm,
} from './keyed-vectors.js';
