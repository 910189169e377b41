import { z } from 'zod';
import type { Schemas } from './schemas.js';

/** The OpenAPI 3.1 document, with request schemas generated from the same zod schemas that validate. */
export function buildOpenApi(s: Schemas, version: string): object {
  const json = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
  const error = {
    description: 'Error (OpenAI error shape)',
    content: {
      'application/json': {
        schema: {
          type: 'object',
          properties: {
            error: {
              type: 'object',
              properties: {
                message: { type: 'string' },
                type: { type: 'string' },
                param: { type: ['string', 'null'] },
                code: { type: ['string', 'null'] },
              },
            },
          },
        },
      },
    },
  };
  const body = (schema: z.ZodType) => ({
    required: true,
    content: { 'application/json': { schema: json(schema) } },
  });
  const ok = (description: string) => ({
    description,
    content: { 'application/json': { schema: { type: 'object' } } },
  });
  const described = (description: string) => ({ ...error, description });
  const errors = {
    400: described('Invalid request (the message names the field and the limit)'),
    401: described('Missing or invalid API key'),
    403: described('Host or Origin refused (DNS rebinding and cross-site protection)'),
    404: described('No such model, collection or document'),
    405: described('Method not allowed on this path (see the Allow header)'),
    413: described('Request body or upsert text too large'),
    415: described('A request body that is not application/json'),
  };
  const busy = {
    429: described('The model queue is full; retry after the Retry-After header (seconds)'),
    503: described("The request's time budget ran out; retry after Retry-After"),
  };
  // writes and drops meet another process writing the collection (e.g. `smysl index`)
  const writeBusy = {
    ...busy,
    409: described('Another process is writing the collection; retry after Retry-After'),
  };
  const name = { name: 'name', in: 'path', required: true, schema: { type: 'string' } };
  return {
    openapi: '3.1.0',
    info: { title: 'smysl', version, description: 'Embeddings (OpenAI-compatible) and collection search.' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
    paths: {
      '/healthz': { get: { summary: 'Health check', security: [], responses: { 200: ok('Server is up') } } },
      '/v1/models': { get: { summary: 'List models', responses: { 200: ok('Models'), ...errors } } },
      '/v1/embeddings': {
        post: {
          summary: 'Create embeddings (OpenAI-compatible)',
          requestBody: body(s.embeddings),
          responses: {
            200: ok('{object: "list", data: [{object, index, embedding}], model, usage}'),
            ...errors,
            ...busy,
          },
        },
      },
      '/v1/collections': {
        get: { summary: 'List collections', responses: { 200: ok('Collections'), ...errors } },
      },
      '/v1/collections/{name}': {
        get: {
          summary:
            'What a collection holds: documents, chunks, embedder, precision, languages, size, last update',
          parameters: [name],
          responses: { 200: ok('Collection info'), ...errors },
        },
        delete: {
          summary: 'Drop a whole collection (confirm=<name> required)',
          parameters: [name, { name: 'confirm', in: 'query', required: true, schema: { type: 'string' } }],
          responses: { 200: ok('{name, dropped}'), ...errors, ...writeBusy },
        },
      },
      '/v1/collections/{name}/delete': {
        post: {
          summary: 'Delete documents by id or by metadata',
          parameters: [name],
          requestBody: body(s.deleteDocuments),
          responses: { 200: ok('{deleted}'), ...errors, ...writeBusy },
        },
      },
      '/v1/collections/{name}/search': {
        post: {
          summary: 'Search a collection',
          parameters: [name],
          requestBody: body(s.search),
          responses: { 200: ok('Ranked hits'), ...errors, ...busy },
        },
      },
      '/v1/collections/{name}/documents': {
        post: {
          summary: 'Add or replace documents',
          parameters: [name],
          requestBody: body(s.documents),
          responses: { 200: ok('{upserted}'), ...errors, ...writeBusy },
        },
      },
      '/v1/collections/{name}/documents/{id}': {
        delete: {
          summary: 'Delete a document',
          parameters: [name, { name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { 200: ok('{id, deleted}'), ...errors, ...writeBusy },
        },
      },
      '/v1/explore/map': {
        post: {
          summary: 'A 2-D map of a collection or word-vector set (computed in a worker thread)',
          requestBody: body(s.map),
          responses: { 200: ok('{points: [{x, y, label, group}]}'), ...errors, ...busy },
        },
      },
    },
  };
}
