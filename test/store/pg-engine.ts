// A PostgreSQL engine for tests: PGlite (PostgreSQL 18 in WebAssembly) with the real pgvector
// extension, served on a free local TCP port by pglite-socket, so that the store talks to it
// through node-postgres exactly as to a server. initdb takes 20 s under load, so the initialised
// data directory is kept once per PGlite version in the temp directory and copied for each engine.
import { cpSync, existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface Engine {
  /** postgres://… of the engine's database (no collection name). */
  url: string;
  stop(): Promise<void>;
}

/** Why the engine cannot start here (packages missing), or undefined. */
export let engineMissing: string | undefined;

type PgliteModules = {
  PGlite: typeof import('@electric-sql/pglite').PGlite;
  vector: typeof import('@electric-sql/pglite-pgvector').vector;
  PGLiteSocketServer: typeof import('@electric-sql/pglite-socket').PGLiteSocketServer;
};

async function modules(): Promise<PgliteModules | undefined> {
  try {
    const [{ PGlite }, { vector }, { PGLiteSocketServer }] = await Promise.all([
      import('@electric-sql/pglite'),
      import('@electric-sql/pglite-pgvector'),
      import('@electric-sql/pglite-socket'),
    ]);
    return { PGlite, vector, PGLiteSocketServer };
  } catch (e) {
    engineMissing = `PGlite packages are missing (${(e as Error).message.split('\n')[0]}): npm install`;
    return undefined;
  }
}

async function template(m: PgliteModules): Promise<string> {
  const dir = path.join(os.tmpdir(), `smysl-pglite-template-0.5.15-${process.getuid?.() ?? 'u'}`);
  if (existsSync(path.join(dir, 'PG_VERSION'))) return dir;
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'smysl-pglite-init-'));
  const db = await m.PGlite.create({ dataDir: tmp, extensions: { vector: m.vector } });
  await db.exec('CREATE EXTENSION IF NOT EXISTS vector');
  await db.close();
  try {
    renameSync(tmp, dir);
  } catch {
    // another test file made it first
    rmSync(tmp, { recursive: true, force: true });
  }
  return dir;
}

/** Starts an engine on a copy of the template (every engine starts empty but for pgvector). */
export async function startEngine(): Promise<Engine | undefined> {
  const m = await modules();
  if (!m) return undefined;
  const data = mkdtempSync(path.join(os.tmpdir(), 'smysl-pglite-'));
  cpSync(await template(m), data, { recursive: true });
  const db = await m.PGlite.create({ dataDir: data, extensions: { vector: m.vector } });
  const server = new m.PGLiteSocketServer({ db, port: 0, host: '127.0.0.1', maxConnections: 64 });
  await server.start();
  const port = (server as unknown as { port: number }).port;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      await server.stop();
      await db.close();
      rmSync(data, { recursive: true, force: true });
    },
  };
}

// `node pg-engine.js serve`: an engine in a process of its own (benchmarks measure the client
// apart from the server); prints its URL and stops on SIGTERM. Without arguments (as the test
// runner runs every file under test/) it does nothing.
if (process.argv[2] === 'serve') {
  const engine = await startEngine();
  if (!engine) {
    process.stderr.write(`${engineMissing}\n`);
    process.exit(1);
  }
  process.stdout.write(`${engine.url}\n`);
  const stop = () => void engine.stop().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
