export {
  type AppOptions,
  type CollectionsBackend,
  createApp,
  DEFAULT_LIMITS,
  type ExplorerBackend,
  type MapPoint,
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
  transformerModel,
} from './backends.js';
export { DynamicBatcher } from './batcher.js';
export { mapHtml, renderPng } from './plot.js';
export { type RunningServer, startServer } from './serve.js';
export { mountWebUi } from './web.js';
