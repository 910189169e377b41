import { isIP } from 'node:net';
import type { Context, Hono, MiddlewareHandler } from 'hono';
import { openAiError } from './openai-errors.js';

/** True for addresses only this machine can reach: 127.0.0.0/8, ::1, localhost. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || /^::ffff:127\./.test(h);
  return false;
}

/** The host name of a Host header or an origin's authority, without port or brackets. */
export function hostName(authority: string): string {
  const a = authority.trim().toLowerCase();
  if (a.startsWith('[')) return a.slice(1, a.indexOf(']') > 0 ? a.indexOf(']') : undefined);
  const colon = a.lastIndexOf(':');
  return colon > 0 && a.indexOf(':') === colon ? a.slice(0, colon) : a;
}

export interface GuardOptions {
  /** The address the server listens on: loopback binds accept only loopback Host names. */
  bindHost: string;
  /** More Host names to accept (e.g. a reverse proxy's public name); checked on every bind. */
  allowedHosts?: string[];
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Refuses what a web page in the user's browser could make the server do:
 * - DNS rebinding: on a loopback bind the Host must be a loopback name (or an allowed host);
 *   a page on evil.example whose name now resolves to 127.0.0.1 sends `Host: evil.example`.
 * - Cross-site writes: a state-changing request that carries an Origin must come from the
 *   server's own origin, and any request with a body must be `application/json` — a form or a
 *   no-cors fetch can only send text/plain, urlencoded or multipart without a CORS preflight,
 *   and the server never answers a preflight with permission.
 */
export function browserGuard(options: GuardOptions): MiddlewareHandler {
  const loopback = isLoopbackHost(options.bindHost);
  const allowed = new Set((options.allowedHosts ?? []).map((h) => hostName(h)));
  const hostOk = (name: string) =>
    allowed.has(name) || isLoopbackHost(name) || (!loopback && allowed.size === 0);
  return async (c, next) => {
    const host = c.req.header('host');
    if (host !== undefined && !hostOk(hostName(host)))
      return openAiError(
        c,
        403,
        `Host "${host}" is not allowed: this server answers to ${loopback ? 'localhost and 127.0.0.1' : [...allowed].join(', ')} only (DNS rebinding protection; see --allow-host)`,
        { type: 'permission_error', code: 'host_not_allowed' },
      );
    const method = c.req.method;
    if (UNSAFE.has(method)) {
      const origin = c.req.header('origin');
      if (origin !== undefined && !sameOrigin(origin, host))
        return openAiError(
          c,
          403,
          `cross-origin ${method} from ${origin} refused: write requests must come from this server's own pages or from a non-browser client`,
          { type: 'permission_error', code: 'origin_not_allowed' },
        );
      if (hasBody(c) && !isJson(c.req.header('content-type')))
        return openAiError(
          c,
          415,
          `Content-Type must be application/json (got ${c.req.header('content-type') ?? 'none'})`,
          { code: 'unsupported_media_type' },
        );
    }
    await next();
  };
}

function sameOrigin(origin: string, host: string | undefined): boolean {
  if (origin === 'null' || host === undefined) return false;
  try {
    return new URL(origin).host === new URL(`http://${host}`).host;
  } catch {
    return false;
  }
}

function hasBody(c: Context): boolean {
  const length = c.req.header('content-length');
  return (length !== undefined && length !== '0') || c.req.header('transfer-encoding') !== undefined;
}

function isJson(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const type = contentType.split(';')[0].trim().toLowerCase();
  return type === 'application/json' || /^application\/[\w.+-]+\+json$/.test(type);
}

/**
 * 405 with `Allow` for a path that exists under other methods (404 stays for unknown paths).
 * Call after every route is registered.
 */
export function allowedMethods(app: Hono): (path: string) => string[] {
  const routes = app.routes
    .filter((r) => r.method !== 'ALL')
    .map((r) => ({
      method: r.method,
      pattern: new RegExp(
        `^${r.path
          .split('/')
          .map((part) =>
            part.startsWith(':')
              ? '[^/]+'
              : part === '*'
                ? '.*'
                : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
          )
          .join('/')}$`,
      ),
    }));
  return (path) => {
    const methods = new Set(routes.filter((r) => r.pattern.test(path)).map((r) => r.method));
    if (methods.has('GET')) methods.add('HEAD');
    return [...methods].sort();
  };
}
