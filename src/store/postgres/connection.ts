import type * as PG from 'pg';
import { SmyslError } from '../../errors.js';
import type { PostgresLocation } from './location.js';

type PgModule = typeof PG;
let pgModule: Promise<PgModule> | undefined;

/**
 * node-postgres, imported on first use: it is an optional dependency, so that users who never
 * point smysl at PostgreSQL neither install nor load it.
 */
export function loadPg(): Promise<PgModule> {
  pgModule ??= import('pg')
    .then((m) => ((m as unknown as { default?: PgModule }).default ?? m) as PgModule)
    .catch((e) => {
      pgModule = undefined;
      throw new SmyslError(
        'E_USAGE',
        'PostgreSQL stores need the npm package "pg" (an optional dependency of smysl that was not installed): run "npm install pg"',
        { cause: e },
      );
    });
  return pgModule;
}

export type Results = PG.QueryResult[];

/** Runs SQL text (one or more statements, one message) and returns every statement's result. */
export type Run = (sql: string) => Promise<Results>;

/**
 * A small pool of connections to one database. Every statement goes out as one simple-protocol
 * message (see sql.ts), so a pooled connection never holds a half-sent statement.
 */
export class Connection {
  private constructor(
    private readonly pool: PG.Pool,
    readonly where: string,
  ) {}

  static async open(loc: PostgresLocation, max = 4): Promise<Connection> {
    const pg = await loadPg();
    const pool = new pg.Pool({
      connectionString: loc.connectionString,
      max,
      application_name: 'smysl',
      // a store left open must not keep the process alive
      allowExitOnIdle: true,
      idleTimeoutMillis: 10_000,
    });
    // an idle connection that the server drops is replaced on next use; nothing to report
    pool.on('error', () => {});
    const c = new Connection(pool, loc.display);
    await c.run('SELECT 1');
    return c;
  }

  /** One message on any pooled connection; a failure inside an explicit transaction is rolled back. */
  async run(sql: string): Promise<Results> {
    return this.session((run) => run(sql));
  }

  /**
   * Several messages on one connection (a transaction spanning round trips). When `work` fails,
   * whatever transaction it left open is rolled back before the connection goes back.
   */
  async session<T>(work: (run: Run) => Promise<T>): Promise<T> {
    let client: PG.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (e) {
      throw databaseError(this.where, e);
    }
    const run: Run = async (sql) => {
      const r = (await client.query(sql)) as PG.QueryResult | PG.QueryResult[];
      return Array.isArray(r) ? r : [r];
    };
    try {
      const result = await work(run);
      client.release();
      return result;
    } catch (e) {
      let broken: unknown = isConnectionError(e) ? e : undefined;
      if (!broken)
        await client.query('ROLLBACK').catch((r) => {
          broken = r;
        });
      client.release(broken instanceof Error ? broken : undefined);
      throw databaseError(this.where, e);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

function isConnectionError(e: unknown): boolean {
  const code = (e as { code?: string }).code ?? '';
  return (
    /^E[A-Z]+$/.test(code) || /Connection terminated|connection .*(ended|closed)/i.test((e as Error).message)
  );
}

/** What went wrong, as a person should read it: unreachable server, full disk, privileges, or the message. */
export function databaseError(where: string, e: unknown): SmyslError {
  if (e instanceof SmyslError) return e;
  const err = e as { code?: string; message?: string };
  const code = err.code ?? '';
  const message = err.message ?? String(e);
  if (['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ETIMEDOUT', 'ECONNRESET', 'EAI_AGAIN'].includes(code))
    return new SmyslError('E_IO', `cannot reach PostgreSQL at ${where}: ${message}`, { cause: e });
  if (code === '53100')
    return new SmyslError('E_IO', `disk full on the PostgreSQL server of ${where}: ${message}`, { cause: e });
  if (code === '28P01' || code === '28000')
    return new SmyslError(
      'E_IO',
      `PostgreSQL refused the login for ${where}: ${message} (give the password in PGPASSWORD or ~/.pgpass rather than in the URL)`,
      { cause: e },
    );
  if (code === '42501')
    return new SmyslError('E_COLLECTION', `${where}: permission denied (${message})`, { cause: e });
  if (code === '3D000') return new SmyslError('E_IO', `${where}: ${message}`, { cause: e });
  return new SmyslError('E_COLLECTION', `${where}: ${message}`, { cause: e });
}
