import { timingSafeEqual } from 'node:crypto';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { z } from 'zod';
import { isSmyslError } from '../errors.js';
import type { DenseMatrix } from '../vectors/types.js';
import { DynamicBatcher } from './batcher.js';
import { openAiError } from './openai-errors.js';
import { buildOpenApi } from './openapi.js';

/** A model the server can embed with (e.g. the transformer `minilm`). */
export interface ServedModel {
  readonly name: string;
  readonly dim: number;
  embed(texts: string[]): Promise<DenseMatrix>;
  /** Tokens the model would see, for `usage`; words are counted when absent. */
  countTokens?(texts: string[]): number;
}

export interface SearchRequest {
  query: string;
  k: number;
  filter?: Record<string, string | number | boolean>;
  method?: 'dense' | 'sparse' | 'hybrid';
}

export interface SearchHit {
  rank: number;
  id: string;
  score: number;
  title?: string;
  snippet?: string;
  /** Words of the snippet the query matches under the collection's analyzer: [start, end) offsets. */
  highlights?: { start: number; end: number }[];
  meta?: Record<string, unknown>;
}

/** Contextual vectors of a word, and the sentences that were left out (no form of the word in them). */
export interface ContextResult {
  points: MapPoint[];
  skipped: { sentence: number; text: string }[];
}

/** What the collection routes need from the store; collections are addressed by name only. */
export interface CollectionsBackend {
  list(): Promise<{ name: string; count: number; embedder: string }[]>;
  search(name: string, request: SearchRequest): Promise<SearchHit[]>;
  upsert(
    name: string,
    documents: { id: string; text: string; meta?: Record<string, unknown> }[],
  ): Promise<{ upserted: number }>;
  remove(name: string, id: string): Promise<boolean>;
}

export interface MapPoint {
  x: number;
  y: number;
  label: string;
  group?: string;
  highlight?: boolean;
}

/** What the web UI's explorer routes need (maps, word queries, contextual vectors). */
export interface ExplorerBackend {
  sources(): Promise<{ collections: string[]; vectors: string[] }>;
  map(request: {
    source: { collection?: string; vectors?: string };
    method: 'pca' | 'tsne' | 'umap';
    color?: string;
    limit: number;
  }): Promise<MapPoint[]>;
  similar(request: { vectors: string; word: string; k: number }): Promise<{ word: string; score: number }[]>;
  analogy(request: {
    vectors: string;
    a: string;
    b: string;
    c: string;
    k: number;
  }): Promise<{ word: string; score: number }[]>;
  context(request: { word: string; sentences: string[] }): Promise<ContextResult>;
}

export interface ServerLimits {
  /** Request body bytes (default 2 MiB). */
  maxBodyBytes: number;
  /** Texts in one embeddings request (OpenAI allows 2048). */
  maxBatch: number;
  /** Characters in one input text. */
  maxInputChars: number;
  /** Documents in one upsert request. */
  maxDocuments: number;
  /** Largest k in a search. */
  maxK: number;
}

export const DEFAULT_LIMITS: ServerLimits = {
  maxBodyBytes: 2 * 1024 * 1024,
  maxBatch: 2048,
  maxInputChars: 32_000,
  maxDocuments: 1000,
  maxK: 1000,
};

export interface AppOptions {
  /** Models by name; the first is the default. Loaded lazily on first use. */
  models: Record<string, () => Promise<ServedModel>>;
  collections?: CollectionsBackend;
  explorer?: ExplorerBackend;
  /** When set, every /v1 request needs `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  limits?: Partial<ServerLimits>;
  /** Dynamic batching window (default 5 ms) and size (default 64 texts). */
  batching?: { waitMs?: number; maxBatch?: number };
  version?: string;
  /** Extra routes (the web UI) mounted after the API. */
  mount?: (app: Hono) => void;
}

/** Names of collections and vector sets: no paths, no surprises. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function schemas(limits: ServerLimits) {
  const text = z
    .string()
    .max(limits.maxInputChars, `an input is longer than ${limits.maxInputChars} characters`);
  const inputText = text.min(1, 'input must not be empty');
  const inputArray = z
    .array(text.min(1, 'input must not contain empty strings'))
    .min(1, 'input must not be an empty array')
    .max(limits.maxBatch, `at most ${limits.maxBatch} inputs per request`);
  return {
    inputText,
    inputArray,
    embeddings: z.object({
      model: z.string().min(1).max(128),
      input: z.union([inputText, inputArray]),
      encoding_format: z.enum(['float', 'base64']).optional(),
      dimensions: z.number().int().min(1).optional(),
      user: z.string().max(256).optional(),
    }),
    search: z.object({
      query: text.min(1, 'query must not be empty'),
      k: z.number().int().min(1).max(limits.maxK).default(10),
      filter: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
      method: z.enum(['dense', 'sparse', 'hybrid']).optional(),
    }),
    map: z.object({
      source: z.union([
        z.object({ collection: z.string().regex(NAME) }),
        z.object({ vectors: z.string().regex(NAME) }),
      ]),
      method: z.enum(['pca', 'tsne', 'umap']).default('umap'),
      color: z.string().max(128).optional(),
      limit: z.number().int().min(2).max(20000).default(2000),
    }),
    similar: z.object({
      vectors: z.string().regex(NAME),
      word: z.string().min(1).max(200),
      k: z.number().int().min(1).max(100).default(10),
    }),
    analogy: z.object({
      vectors: z.string().regex(NAME),
      a: z.string().min(1).max(200),
      b: z.string().min(1).max(200),
      c: z.string().min(1).max(200),
      k: z.number().int().min(1).max(100).default(10),
    }),
    context: z.object({
      word: z.string().min(1).max(100),
      sentences: z.array(text.min(1)).min(1).max(64),
    }),
    documents: z.object({
      documents: z
        .array(
          z.object({
            id: z.string().min(1).max(512),
            text: text.min(1, 'a document text must not be empty'),
            meta: z.record(z.string(), z.unknown()).optional(),
          }),
        )
        .min(1)
        .max(limits.maxDocuments, `at most ${limits.maxDocuments} documents per request`),
    }),
  };
}

function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function zodMessage(e: z.ZodError): { message: string; param: string | null } {
  const issue = e.issues[0];
  const param = issue?.path.length ? issue.path.join('.') : null;
  return { message: issue ? `${param ? `${param}: ` : ''}${issue.message}` : 'invalid request', param };
}

/** Builds the HTTP app (hono): OpenAI-compatible embeddings, collection search and upsert, health, OpenAPI. */
export function createApp(options: AppOptions): { app: Hono; drain: () => Promise<void> } {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const s = schemas(limits);
  const app = new Hono();
  const modelNames = Object.keys(options.models);
  const loaded = new Map<string, Promise<{ model: ServedModel; batcher: DynamicBatcher }>>();
  const getModel = (name: string) => {
    let m = loaded.get(name);
    if (!m) {
      const factory = options.models[name];
      m = factory().then((model) => ({
        model,
        batcher: new DynamicBatcher((t) => model.embed(t), options.batching),
      }));
      m.catch(() => loaded.delete(name));
      loaded.set(name, m);
    }
    return m;
  };
  const inFlight = new Set<Promise<unknown>>();
  const track = <T>(p: Promise<T>): Promise<T> => {
    inFlight.add(p);
    p.finally(() => inFlight.delete(p)).catch(() => {});
    return p;
  };

  app.onError((err, c) => {
    if (isSmyslError(err)) {
      const status =
        err.code === 'E_USAGE' || err.code === 'E_INPUT' ? 400 : err.code === 'E_COLLECTION' ? 404 : 500;
      return openAiError(c, status, err.message, { code: err.code });
    }
    process.stderr.write(`server error: ${(err as Error).stack ?? err}\n`);
    return openAiError(c, 500, 'internal server error');
  });
  app.notFound((c) => openAiError(c, 404, `no route ${c.req.method} ${c.req.path}`));

  app.get('/healthz', (c) => c.json({ status: 'ok', models: modelNames, version: options.version ?? null }));
  app.get('/openapi.json', (c) => c.json(buildOpenApi(s, options.version ?? '0.0.0')));

  app.use(
    '/v1/*',
    bodyLimit({
      maxSize: limits.maxBodyBytes,
      onError: (c) => openAiError(c, 413, `request body exceeds ${limits.maxBodyBytes} bytes`),
    }),
  );
  if (options.apiKey) {
    const key = options.apiKey;
    app.use('/v1/*', async (c, next) => {
      const h = c.req.header('authorization') ?? '';
      const m = /^Bearer\s+(.+)$/i.exec(h);
      if (!m || !constantTimeEqual(m[1].trim(), key))
        return openAiError(c, 401, 'missing or invalid API key (send Authorization: Bearer <key>)', {
          code: 'invalid_api_key',
        });
      await next();
    });
  }

  const readJson = async (c: { req: { json: () => Promise<unknown> } }) => {
    try {
      return { ok: true as const, value: await c.req.json() };
    } catch {
      return { ok: false as const };
    }
  };

  app.get('/v1/models', (c) =>
    c.json({ object: 'list', data: modelNames.map((id) => ({ id, object: 'model', owned_by: 'smysl' })) }),
  );

  app.post('/v1/embeddings', async (c) => {
    const body = await readJson(c);
    if (!body.ok) return openAiError(c, 400, 'request body is not valid JSON');
    const raw = body.value as { input?: unknown };
    if (Array.isArray(raw?.input) && raw.input.some((x) => typeof x !== 'string'))
      return openAiError(c, 400, 'input: token arrays are not supported; send strings', { param: 'input' });
    // check `input` on its own first: a union's error would only say "Invalid input"
    const input = (Array.isArray(raw?.input) ? s.inputArray : s.inputText).safeParse(raw?.input);
    if (!input.success) {
      const { message } = zodMessage(input.error);
      return openAiError(
        c,
        400,
        message.startsWith('input') ? message : `input: ${message.replace(/^\d+: /, '')}`,
        {
          param: 'input',
        },
      );
    }
    const parsed = s.embeddings.safeParse(body.value);
    if (!parsed.success) {
      const { message, param } = zodMessage(parsed.error);
      return openAiError(c, 400, message, { param });
    }
    const req = parsed.data;
    if (!options.models[req.model])
      return openAiError(c, 404, `model ${req.model} does not exist; available: ${modelNames.join(', ')}`, {
        param: 'model',
        code: 'model_not_found',
      });
    const { model, batcher } = await getModel(req.model);
    if (req.dimensions !== undefined && req.dimensions > model.dim)
      return openAiError(c, 400, `dimensions must be <= ${model.dim} for ${model.name}`, {
        param: 'dimensions',
      });
    const inputs = typeof req.input === 'string' ? [req.input] : req.input;
    const vectors = await track(batcher.submit(inputs));
    const tokens = model.countTokens
      ? model.countTokens(inputs)
      : inputs.reduce((n, t) => n + (t.match(/\S+/g)?.length ?? 0), 0);
    const data = vectors.map((v, index) => {
      let out = v;
      if (req.dimensions !== undefined && req.dimensions < v.length) {
        // shortened embeddings are re-normalised, as OpenAI's `dimensions` does
        out = v.slice(0, req.dimensions);
        let norm = 0;
        for (const x of out) norm += x * x;
        norm = Math.sqrt(norm) || 1;
        for (let i = 0; i < out.length; i++) out[i] /= norm;
      }
      const embedding =
        req.encoding_format === 'base64'
          ? Buffer.from(out.buffer, out.byteOffset, out.byteLength).toString('base64')
          : Array.from(out);
      return { object: 'embedding', index, embedding };
    });
    return c.json({
      object: 'list',
      data,
      model: req.model,
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    });
  });

  const collections = options.collections;
  const needCollections = (c: Parameters<typeof openAiError>[0]) =>
    openAiError(c, 404, 'this server was started without collections');
  const checkName = (name: string) => NAME.test(name);

  app.get('/v1/collections', async (c) => {
    if (!collections) return c.json({ object: 'list', data: [] });
    return c.json({ object: 'list', data: await collections.list() });
  });

  app.post('/v1/collections/:name/search', async (c) => {
    if (!collections) return needCollections(c);
    const name = c.req.param('name');
    if (!checkName(name)) return openAiError(c, 400, 'invalid collection name', { param: 'name' });
    const body = await readJson(c);
    if (!body.ok) return openAiError(c, 400, 'request body is not valid JSON');
    const parsed = s.search.safeParse(body.value);
    if (!parsed.success) {
      const { message, param } = zodMessage(parsed.error);
      return openAiError(c, 400, message, { param });
    }
    const hits = await track(collections.search(name, parsed.data));
    return c.json({ object: 'list', data: hits });
  });

  app.post('/v1/collections/:name/documents', async (c) => {
    if (!collections) return needCollections(c);
    const name = c.req.param('name');
    if (!checkName(name)) return openAiError(c, 400, 'invalid collection name', { param: 'name' });
    const body = await readJson(c);
    if (!body.ok) return openAiError(c, 400, 'request body is not valid JSON');
    const parsed = s.documents.safeParse(body.value);
    if (!parsed.success) {
      const { message, param } = zodMessage(parsed.error);
      return openAiError(c, 400, message, { param });
    }
    const result = await track(collections.upsert(name, parsed.data.documents));
    return c.json(result);
  });

  app.delete('/v1/collections/:name/documents/:id', async (c) => {
    if (!collections) return needCollections(c);
    const name = c.req.param('name');
    if (!checkName(name)) return openAiError(c, 400, 'invalid collection name', { param: 'name' });
    const id = c.req.param('id');
    const deleted = await track(collections.remove(name, id));
    if (!deleted) return openAiError(c, 404, `no document ${id} in ${name}`);
    return c.json({ id, deleted: true });
  });

  const explorer = options.explorer;
  const explore = <S extends z.ZodType, R>(
    path: string,
    schema: S,
    run: (e: ExplorerBackend, req: z.output<S>) => Promise<R>,
  ) =>
    app.post(`/v1/explore/${path}`, async (c) => {
      if (!explorer) return openAiError(c, 404, 'this server was started without the explorer');
      const body = await readJson(c);
      if (!body.ok) return openAiError(c, 400, 'request body is not valid JSON');
      const parsed = schema.safeParse(body.value);
      if (!parsed.success) {
        const { message, param } = zodMessage(parsed.error);
        return openAiError(c, 400, message, { param });
      }
      return c.json(await run(explorer, parsed.data));
    });
  app.get('/v1/explore/sources', async (c) =>
    c.json(explorer ? await explorer.sources() : { collections: [], vectors: [] }),
  );
  explore('map', s.map, async (e, req) => ({ points: await e.map(req) }));
  explore('similar', s.similar, async (e, req) => ({ data: await e.similar(req) }));
  explore('analogy', s.analogy, async (e, req) => ({ data: await e.analogy(req) }));
  explore('context', s.context, (e, req) => e.context(req));

  options.mount?.(app);

  const drain = async () => {
    await Promise.all([...loaded.values()].map(async (m) => (await m).batcher.drain()));
    await Promise.allSettled([...inFlight]);
  };
  return { app, drain };
}
