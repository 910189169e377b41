import { z } from 'zod';
import type { schemas } from './app.js';

/** The OpenAPI 3.1 document, with request schemas generated from the same zod schemas that validate. */
export function buildOpenApi(s: ReturnType<typeof schemas>, version: string): object {
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
  const errors = { 400: error, 401: error, 404: error, 413: error };
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
          },
        },
      },
      '/v1/collections': {
        get: { summary: 'List collections', responses: { 200: ok('Collections'), ...errors } },
      },
      '/v1/collections/{name}/search': {
        post: {
          summary: 'Search a collection',
          parameters: [name],
          requestBody: body(s.search),
          responses: { 200: ok('Ranked hits'), ...errors },
        },
      },
      '/v1/collections/{name}/documents': {
        post: {
          summary: 'Add or replace documents',
          parameters: [name],
          requestBody: body(s.documents),
          responses: { 200: ok('{upserted}'), ...errors },
        },
      },
      '/v1/collections/{name}/documents/{id}': {
        delete: {
          summary: 'Delete a document',
          parameters: [name, { name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { 200: ok('{id, deleted}'), ...errors },
        },
      },
    },
  };
}
