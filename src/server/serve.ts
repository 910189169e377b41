import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { type AppOptions, createApp } from './app.js';

export interface RunningServer {
  url: string;
  port: number;
  /** Stops accepting connections, finishes in-flight requests and writes, then resolves. */
  close(): Promise<void>;
}

/** Starts the HTTP server on host:port (port 0 picks a free one). */
export async function startServer(
  options: AppOptions & { host?: string; port?: number },
): Promise<RunningServer> {
  const { app, drain } = createApp(options);
  const host = options.host ?? '127.0.0.1';
  return new Promise((resolve) => {
    const server = serve(
      { fetch: app.fetch, hostname: host, port: options.port ?? 8080 },
      (info: AddressInfo) => {
        const shownHost = host.includes(':') ? `[${host}]` : host;
        resolve({
          url: `http://${shownHost}:${info.port}`,
          port: info.port,
          close: async () => {
            const closed = new Promise<void>((r) => server.close(() => r()));
            await drain();
            (server as unknown as { closeIdleConnections?: () => void }).closeIdleConnections?.();
            await closed;
          },
        });
      },
    );
  });
}
