import { timingSafeEqual } from 'node:crypto';
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { z } from 'zod';
import { isSmyslError } from '../errors.js';
import { VERSION } from '../version.js';
import { type BatcherOptions, DynamicBatcher, ServerBusyError, withWork } from './batcher.js';
import { allowedMethods, browserGuard } from './guard.js';
import { openAiError } from './openai-errors.js';
import { buildOpenApi } from './openapi.js';
import { DEFAULT_LIMITS, NAME, type ServerLimits, schemas } from './schemas.js';
import type { CollectionsBackend, ExplorerBackend, ServedModel } from './types.js';

export { DEFAULT_LIMITS, type ServerLimits, schemas } from './schemas.js';
export type {
  CollectionsBackend,
  ExplorerBackend,
  MapPoint,
  MapRequest,
  SearchHit,
  SearchRequest,
  ServedModel,
} from './types.js';

export interface AppOptions {
  /** Models by name; the first is the default. Loaded lazily on first use. */
  models: Record<string, () => Promise<ServedModel>>;
  collections?: CollectionsBackend;
  explorer?: ExplorerBackend;
  /** When set, every /v1 request needs `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  limits?: Partial<ServerLimits>;
  /** The batcher every embedding goes through; pass the one the collections use (default: a new one). */
  batcher?: DynamicBatcher;
  /** Settings of the batcher made when none is given (5 ms window, 64 texts, a bounded queue). */
  batching?: BatcherOptions;
  version?: string;
  /** Extra routes (the web UI) mounted after the API. */
  mount?: (app: Hono) => void;
  /** The address the server listens on: a loopback bind answers only to loopback Host names (default 127.0.0.1). */
  host?: string;
  /** More Host names to answer to (e.g. a reverse proxy's public name). */
  allowedHosts?: string[];
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

const countWords = (text: string) => text.match(/\S+/g)?.length ?? 0;

/**
 * Token counts of `texts`, yielding to the event loop every few milliseconds: two megabytes of
 * Cyrillic take about a second to tokenize, which must not stop other requests.
 */
async function countTokens(texts: string[], count: (text: string) => number): Promise<number[]> {
  const out = new Array<number>(texts.length);
  let slice = performance.now();
  for (let i = 0; i < texts.length; i++) {
    out[i] = count(texts[i]);
    if (performance.now() - slice > 8) {
      await new Promise((r) => setImmediate(r));
      slice = performance.now();
    }
  }
  return out;
}

/**
 * Builds the HTTP app (hono): OpenAI-compatible embeddings, collection search and upsert,
 * explorer routes, health, OpenAPI. Every embedding goes through one `DynamicBatcher`.
 */
export function createApp(options: AppOptions): {
  app: Hono;
  drain: () => Promise<void>;
  batcher: DynamicBatcher;
} {
  const limits: ServerLimits = {
    ...DEFAULT_LIMITS,
    ...options.limits,
    maxMapPoints: { ...DEFAULT_LIMITS.maxMapPoints, ...options.limits?.maxMapPoints },
  };
  const s = schemas(limits);
  const app = new Hono();
  const batcher = options.batcher ?? new DynamicBatcher(options.batching);
  const modelNames = Object.keys(options.models);
  const loaded = new Map<string, Promise<ServedModel>>();
  const getModel = (name: string) => {
    let m = loaded.get(name);
    if (!m) {
      m = options.models[name]();
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
  /** The request's share of the model: dropped when the client goes away or the budget runs out. */
  const work = (c: Context) => ({
    signal: c.req.raw.signal,
    deadline: Date.now() + limits.embedTimeoutMs,
    admission: 'refuse' as const,
  });

  app.onError((err, c) => {
    if (err instanceof ServerBusyError) {
      c.header('Retry-After', String(err.retryAfter));
      return openAiError(c, err.status, err.message, {
        type:
          err.status === 429 ? 'rate_limit_error' : err.status === 409 ? 'conflict_error' : 'server_error',
        code: err.status === 429 ? 'server_busy' : err.status === 409 ? 'collection_busy' : 'timeout',
      });
    }
    if (isSmyslError(err)) {
      if (err.code === 'E_CANCELLED') return openAiError(c, 400, err.message, { code: err.code });
      const status =
        err.code === 'E_USAGE' || err.code === 'E_INPUT' ? 400 : err.code === 'E_COLLECTION' ? 404 : 500;
      return openAiError(c, status, err.message, { code: err.code });
    }
    process.stderr.write(`server error: ${(err as Error).stack ?? err}\n`);
    return openAiError(c, 500, 'internal server error');
  });

  let allowedFor: ((path: string) => string[]) | undefined;
  app.notFound((c) => {
    allowedFor ??= allowedMethods(app);
    const methods = allowedFor(c.req.path);
    if (methods.length === 0) return openAiError(c, 404, `no route ${c.req.method} ${c.req.path}`);
    c.header('Allow', methods.join(', '));
    return openAiError(
      c,
      405,
      `${c.req.method} is not allowed on ${c.req.path}; allowed: ${methods.join(', ')}`,
      {
        code: 'method_not_allowed',
      },
    );
  });

  app.use('*', browserGuard({ bindHost: options.host ?? '127.0.0.1', allowedHosts: options.allowedHosts }));

  app.get('/healthz', (c) =>
    c.json({ status: 'ok', models: modelNames, version: options.version ?? VERSION }),
  );
  app.get('/openapi.json', (c) => c.json(buildOpenApi(s, options.version ?? VERSION)));

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
    const loadedModel = await getModel(req.model);
    const model = (req.role && loadedModel.withRole?.(req.role)) || loadedModel;
    if (req.dimensions !== undefined && req.dimensions > model.dim)
      return openAiError(c, 400, `dimensions must be <= ${model.dim} for ${model.name}`, {
        param: 'dimensions',
      });
    const inputs = typeof req.input === 'string' ? [req.input] : req.input;
    const counts = await countTokens(inputs, model.countTokens ?? countWords);
    const tokens = counts.reduce((a, b) => a + b, 0);
    if (tokens > limits.maxRequestTokens)
      return openAiError(
        c,
        400,
        `input: ${tokens} tokens in one request, at most ${limits.maxRequestTokens}; send the inputs in smaller requests`,
        { param: 'input', code: 'too_many_tokens' },
      );
    const vectors = await track(batcher.submit(model, inputs, { ...work(c), tokens: counts }));
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
    // the query is embedded by the collection, through the batcher, on this request's budget
    const hits = await track(withWork(work(c), () => collections.search(name, parsed.data)));
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
    const chars = parsed.data.documents.reduce((n, d) => n + d.text.length, 0);
    if (chars > limits.maxUpsertChars)
      return openAiError(
        c,
        413,
        `documents: ${chars} characters of text in one request, at most ${limits.maxUpsertChars}; send fewer documents per request`,
        { param: 'documents', code: 'too_much_text' },
      );
    // a write is bounded by the limit above; once accepted it runs to the end, client or not
    const result = await track(
      withWork({ admission: 'always' }, () => collections.upsert(name, parsed.data.documents)),
    );
    return c.json(result);
  });

  app.get('/v1/collections/:name', async (c) => {
    if (!collections) return needCollections(c);
    const name = c.req.param('name');
    if (!checkName(name)) return openAiError(c, 400, 'invalid collection name', { param: 'name' });
    return c.json(await collections.info(name));
  });

  app.delete('/v1/collections/:name', async (c) => {
    if (!collections) return needCollections(c);
    const name = c.req.param('name');
    if (!checkName(name)) return openAiError(c, 400, 'invalid collection name', { param: 'name' });
    // dropping a whole collection is never implied: the client says so
    if (c.req.query('confirm') !== name)
      return openAiError(
        c,
        400,
        `to drop the collection, repeat its name: DELETE /v1/collections/${name}?confirm=${name}`,
        {
          param: 'confirm',
        },
      );
    return c.json({
      name,
      ...(await track(withWork({ admission: 'always' }, () => collections.drop(name)))),
    });
  });

  app.post('/v1/collections/:name/delete', async (c) => {
    if (!collections) return needCollections(c);
    const name = c.req.param('name');
    if (!checkName(name)) return openAiError(c, 400, 'invalid collection name', { param: 'name' });
    const body = await readJson(c);
    if (!body.ok) return openAiError(c, 400, 'request body is not valid JSON');
    const parsed = s.deleteDocuments.safeParse(body.value);
    if (!parsed.success) {
      const { message, param } = zodMessage(parsed.error);
      return openAiError(c, 400, message, { param });
    }
    const result = await track(
      withWork({ admission: 'always' }, () =>
        collections.deleteDocuments(name, { ids: parsed.data.ids, where: parsed.data.where }),
      ),
    );
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
    run: (e: ExplorerBackend, req: z.output<S>, c: Context) => Promise<R>,
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
      return c.json(await run(explorer, parsed.data, c));
    });
  app.get('/v1/explore/sources', async (c) =>
    c.json(explorer ? await explorer.sources() : { collections: [], vectors: [] }),
  );
  explore('map', s.map, async (e, req, c) => ({
    points: await e.map(req, { signal: c.req.raw.signal, timeoutMs: limits.mapTimeoutMs }),
  }));
  explore('similar', s.similar, async (e, req) => ({ data: await e.similar(req) }));
  explore('analogy', s.analogy, async (e, req) => ({ data: await e.analogy(req) }));
  explore('context', s.context, async (e, req, c) => ({
    ...(await withWork(work(c), () => e.context(req))),
  }));

  options.mount?.(app);

  const drain = async () => {
    await batcher.drain();
    await Promise.allSettled([...inFlight]);
  };
  return { app, drain, batcher };
}
