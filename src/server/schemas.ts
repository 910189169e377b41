import { z } from 'zod';

export interface ServerLimits {
  /** Request body bytes (default 2 MiB). */
  maxBodyBytes: number;
  /** Texts in one embeddings request (OpenAI allows 2048). */
  maxBatch: number;
  /** Characters in one input text. */
  maxInputChars: number;
  /** Tokens in one embeddings request, counted by the model's tokenizer after its truncation. */
  maxRequestTokens: number;
  /** Documents in one upsert request. */
  maxDocuments: number;
  /** Characters of document text in one upsert request (every one of them is embedded). */
  maxUpsertChars: number;
  /** Largest k in a search. */
  maxK: number;
  /** Points in one map, by projection: t-SNE is O(n²) per iteration, UMAP and k-means grow fast too. */
  maxMapPoints: { pca: number; umap: number; tsne: number };
  /** Time budget of one request's embedding work, queueing included (503 after it). */
  embedTimeoutMs: number;
  /** Time budget of one map (queueing included); the worker computing it is stopped after it. */
  mapTimeoutMs: number;
}

export const DEFAULT_LIMITS: ServerLimits = {
  maxBodyBytes: 2 * 1024 * 1024,
  maxBatch: 2048,
  maxInputChars: 32_000,
  maxRequestTokens: 32_768,
  maxDocuments: 1000,
  maxUpsertChars: 256 * 1024,
  maxK: 1000,
  maxMapPoints: { pca: 5000, umap: 2000, tsne: 1000 },
  embedTimeoutMs: 60_000,
  mapTimeoutMs: 120_000,
};

/** Maps draw this many points when the request names no limit (or the method's maximum, if lower). */
export const DEFAULT_MAP_POINTS = 2000;

/** Names of collections and vector sets: no paths, no surprises. */
export const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** The request schemas: they validate requests and generate the OpenAPI document. */
export function schemas(limits: ServerLimits) {
  const text = z
    .string()
    .max(limits.maxInputChars, `an input is longer than ${limits.maxInputChars} characters`);
  const inputText = text.min(1, 'input must not be empty');
  const inputArray = z
    .array(text.min(1, 'input must not contain empty strings'))
    .min(1, 'input must not be an empty array')
    .max(limits.maxBatch, `at most ${limits.maxBatch} inputs per request`);
  const maxPoints = limits.maxMapPoints;
  return {
    inputText,
    inputArray,
    embeddings: z.object({
      model: z.string().min(1).max(128),
      input: z.union([inputText, inputArray]),
      encoding_format: z.enum(['float', 'base64']).optional(),
      dimensions: z.number().int().min(1).optional(),
      role: z
        .enum(['query', 'document'])
        .optional()
        .describe('what the inputs are, for models with a prompt per role (e5: "query: " / "passage: ")'),
      user: z.string().max(256).optional(),
    }),
    search: z.object({
      query: text
        .min(1, 'query must not be empty')
        .refine((q) => q.trim() !== '', 'query is only spaces: give words to search for'),
      k: z.number().int().min(1).max(limits.maxK).default(10),
      filter: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
      method: z.enum(['dense', 'sparse', 'hybrid']).optional(),
      passages: z.boolean().optional().describe('every matching passage instead of one result per document'),
    }),
    deleteDocuments: z
      .object({
        ids: z
          .array(z.string().min(1))
          .max(limits.maxK * 100)
          .optional(),
        where: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
      })
      .refine((d) => (d.ids?.length ?? 0) > 0 || Object.keys(d.where ?? {}).length > 0, {
        message: 'say what to delete: ids, or where (field: value)',
      }),
    map: z
      .object({
        source: z.union([
          z.object({ collection: z.string().regex(NAME) }),
          z.object({ vectors: z.string().regex(NAME) }),
        ]),
        method: z.enum(['pca', 'tsne', 'umap']).default('umap'),
        color: z.string().max(128).optional(),
        limit: z
          .number()
          .int()
          .min(2)
          .optional()
          .describe(
            `points to draw (default ${DEFAULT_MAP_POINTS}); at most ${maxPoints.pca} for pca, ${maxPoints.umap} for umap, ${maxPoints.tsne} for tsne`,
          ),
      })
      // the maximum depends on the method (checked here, so the message can say which)
      .superRefine((m, ctx) => {
        const max = maxPoints[m.method];
        if (m.limit !== undefined && m.limit > max)
          ctx.addIssue({
            code: 'custom',
            path: ['limit'],
            message: `a ${m.method} map draws at most ${max} points (use pca for larger maps)`,
          });
      })
      .transform((m) => ({ ...m, limit: m.limit ?? Math.min(DEFAULT_MAP_POINTS, maxPoints[m.method]) })),
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
      // sentences, not documents: each is run through the transformer whole
      sentences: z
        .array(z.string().min(1).max(1000, 'a sentence is longer than 1000 characters'))
        .min(1)
        .max(64),
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

export type Schemas = ReturnType<typeof schemas>;
