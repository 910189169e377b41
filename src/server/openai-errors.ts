import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** The OpenAI API's error body: { error: { message, type, param, code } }. */
export function openAiError(
  c: Context,
  status: ContentfulStatusCode,
  message: string,
  options: { type?: string; param?: string | null; code?: string | null } = {},
) {
  const type =
    options.type ??
    (status === 401
      ? 'authentication_error'
      : status === 404
        ? 'not_found_error'
        : status >= 500
          ? 'server_error'
          : 'invalid_request_error');
  return c.json(
    { error: { message, type, param: options.param ?? null, code: options.code ?? null } },
    status,
  );
}
