import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { SmyslError } from '../errors.js';
import { type AppOptions, createApp } from './app.js';
import type { DynamicBatcher } from './batcher.js';
import {
  type ConnectionLimits,
  DEFAULT_CONNECTION_LIMITS,
  httpServerOptions,
  limitConnections,
} from './connections.js';
import { isLoopbackHost } from './guard.js';

export interface RunningServer {
  url: string;
  port: number;
  /** The queue every embedding goes through (its stats are the server's load). */
  batcher: DynamicBatcher;
  /** Connections closed for silence, evicted to make room, or refused (all busy). */
  connections: { readonly idleClosed: number; readonly evicted: number; readonly refused: number };
  /** Stops accepting connections, finishes in-flight requests and writes, then resolves. */
  close(): Promise<void>;
}

export interface ServeOptions extends AppOptions {
  /** Address to listen on (default 127.0.0.1). */
  host?: string;
  /** Port (default 8080; 0 picks a free one). */
  port?: number;
  /** Timeouts and the connection cap against slow or silent clients. */
  connections?: Partial<ConnectionLimits>;
  /** Where startup warnings go (default stderr). */
  warn?: (message: string) => void;
}

/** Starts the HTTP server on host:port (port 0 picks a free one). */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const { app, drain, batcher } = createApp({ ...options, host });
  const limits = { ...DEFAULT_CONNECTION_LIMITS, ...options.connections };
  if (!isLoopbackHost(host) && !options.apiKey)
    (options.warn ?? ((m) => process.stderr.write(`${m}\n`)))(
      `WARNING: smysl serve is listening on ${host} without an API key: anyone who can reach this ` +
        'address can read, add and delete documents. Pass --api-key-file, or listen on 127.0.0.1.',
    );
  return new Promise((resolve, reject) => {
    const server = serve(
      {
        fetch: app.fetch,
        hostname: host,
        port: options.port ?? 8080,
        serverOptions: httpServerOptions(limits),
      },
      (info: AddressInfo) => {
        const shownHost = host.includes(':') ? `[${host}]` : host;
        resolve({
          url: `http://${shownHost}:${info.port}`,
          port: info.port,
          batcher,
          connections,
          close: async () => {
            const closed = new Promise<void>((r) => server.close(() => r()));
            await drain();
            connections.closeIdle();
            await closed;
          },
        });
      },
    ) as Server;
    // a busy or forbidden port is a usage problem to name, not a crash with a stack trace
    server.once('error', (e: NodeJS.ErrnoException) => {
      const where = `${host}:${options.port ?? 8080}`;
      reject(
        e.code === 'EADDRINUSE'
          ? new SmyslError(
              'E_USAGE',
              `port ${where} is already in use; pass another --port (0 picks a free one)`,
            )
          : e.code === 'EACCES'
            ? new SmyslError('E_USAGE', `no permission to listen on ${where}; use a port above 1023`)
            : new SmyslError('E_IO', `cannot listen on ${where}: ${e.message}`, { cause: e }),
      );
    });
    const connections = limitConnections(server, limits);
  });
}
