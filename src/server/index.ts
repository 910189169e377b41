export {
  type AppOptions,
  type CollectionsBackend,
  createApp,
  DEFAULT_LIMITS,
  type ExplorerBackend,
  type MapPoint,
  type MapRequest,
  type SearchHit,
  type SearchRequest,
  type ServedModel,
  type ServerLimits,
} from './app.js';
export {
  type ExplorerOptions,
  LibraryExplorer,
  mapPoints,
  type ProjectionMethod,
  StoreCollections,
  type StoreCollectionsOptions,
  transformerModel,
} from './backends.js';
export { type BatcherOptions, DynamicBatcher, ServerBusyError } from './batcher.js';
export { type ConnectionLimits, DEFAULT_CONNECTION_LIMITS } from './connections.js';
export { MapJobs, type MapJobsOptions } from './jobs.js';
export { ModelPool } from './models.js';
export { mapHtml, renderPng } from './plot.js';
export { type RunningServer, startServer } from './serve.js';
export { mountWebUi } from './web.js';
