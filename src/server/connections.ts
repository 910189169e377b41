import type { Server } from 'node:http';
import type { Socket } from 'node:net';

export interface ConnectionLimits {
  /** Open connections; past it the longest-idle one is closed (default 512). */
  maxConnections: number;
  /** Time to receive a request's headers (default 10 s). */
  headersTimeoutMs: number;
  /** Time to receive a whole request, body included (default 30 s). */
  requestTimeoutMs: number;
  /** A connection with no request in progress and no bytes moving is closed after this (default 15 s). */
  idleTimeoutMs: number;
  /** Keep-alive wait for the next request on a connection (default 5 s). */
  keepAliveTimeoutMs: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  maxConnections: 512,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  idleTimeoutMs: 15_000,
  keepAliveTimeoutMs: 5_000,
};

/** Options for `http.createServer`: Node's own checks for slow headers and bodies. */
export function httpServerOptions(limits: ConnectionLimits) {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // how often Node looks for connections past headersTimeout/requestTimeout (default 30 s)
    connectionsCheckingInterval: Math.max(100, Math.min(1000, limits.headersTimeoutMs / 4)),
  };
}

/**
 * Bounds what slow or silent clients can hold. Node times out slow headers and bodies itself,
 * but not a connection that never sends a byte; such connections (or thousands of them) would
 * hold file descriptors until none are left for real clients. Here a connection without a
 * request in progress is closed after `idleTimeoutMs` of silence, and past `maxConnections` the
 * longest-idle connection makes room for the new one (a connection whose request is being
 * answered is never dropped for this). Returns counters for tests.
 */
export function limitConnections(server: Server, limits: ConnectionLimits) {
  const active = new Map<Socket, { requests: number }>();
  const stats = {
    evicted: 0,
    idleClosed: 0,
    refused: 0,
    /** Closes every connection without a request in progress (shutdown: silent ones included). */
    closeIdle: () => {
      for (const [socket, state] of active) if (state.requests === 0) socket.destroy();
    },
  };
  server.timeout = limits.idleTimeoutMs;
  server.on('timeout', (socket: Socket) => {
    // busy sockets are bounded by the request's own time budget, not by silence
    if ((active.get(socket)?.requests ?? 0) > 0) return;
    stats.idleClosed++;
    socket.destroy();
  });
  server.on('connection', (socket: Socket) => {
    active.set(socket, { requests: 0 });
    socket.once('close', () => active.delete(socket));
    if (active.size <= limits.maxConnections) return;
    for (const [other, state] of active) {
      if (other === socket || state.requests > 0) continue;
      stats.evicted++;
      other.destroy();
      return;
    }
    stats.refused++;
    socket.destroy();
  });
  server.on('request', (req, res) => {
    const state = active.get(req.socket);
    if (!state) return;
    state.requests++;
    // the map keeps insertion order: a socket that just served a request is the newest
    active.delete(req.socket);
    active.set(req.socket, state);
    res.once('close', () => state.requests--);
  });
  return stats;
}
