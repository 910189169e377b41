export { hasBom, invalidUtf8At, type RawLine, readLines } from './bytes.js';
export type { CsvColumns } from './csv.js';
export { DEFAULT_EXTENSIONS } from './directory.js';
export { type MetaFilter, matchesFilters, parseWhere } from './filter.js';
export { IdSet } from './ids.js';
export { readTextLines, type TextSplit } from './plaintext.js';
export { formatProblem, ProblemLog, type ProblemSummary } from './problems.js';
export {
  CORPUS_FORMATS,
  type CorpusFormat,
  detectFormat,
  type ReadOptions,
  readDocuments,
  TEXT_SPLITS,
} from './read.js';
export { type CorpusStats, computeCorpusStats, type StatsOptions, type WordCount } from './stats.js';
export type { Document, DocumentSource, InputProblem, ProblemKind } from './types.js';
