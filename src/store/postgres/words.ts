/**
 * A PostgreSQL collection's learned words (WordsStore): one row per word in `smysl_<name>_words`,
 * numbered in the order learned. Writers of one collection may run side by side here, so a
 * writer learns with the collection's registry row locked: it reads the words others added
 * since, learns what is still new, and appends, all in one transaction.
 */
import type { NewWords, ReadWords, WordsEnd, WordsStore } from '../../embed/types.js';
import type { Connection, Run } from './connection.js';
import type { Tables } from './schema.js';
import { int, literal } from './sql.js';

export class PostgresWords implements WordsStore {
  constructor(
    private readonly db: Connection,
    private readonly t: Tables,
    private readonly name: string,
    readonly where: string,
  ) {}

  async read(end: WordsEnd, dim: number, run?: Run): Promise<ReadWords> {
    const sql = `SELECT seq, stem, row FROM ${this.t.words} WHERE seq >= ${int(end.count)} ORDER BY seq`;
    const results = run ? await run(sql) : await this.db.run(sql);
    const rows = results[results.length - 1].rows as { seq: number; stem: string; row: Buffer }[];
    // complete words, in order: a gap or a row of the wrong size ends them (damage)
    let n = 0;
    while (n < rows.length && rows[n].seq === end.count + n && rows[n].row.length === dim * 4) n++;
    const data = new Float32Array(n * dim);
    const bytes = new Uint8Array(data.buffer);
    for (let i = 0; i < n; i++) bytes.set(rows[i].row, i * dim * 4);
    return {
      stems: rows.slice(0, n).map((r) => r.stem),
      rows: data,
      end: { count: end.count + n, keyBytes: 0 },
      missing: rows.length - n,
    };
  }

  async changed(end: WordsEnd): Promise<boolean> {
    const [r] = await this.db.run(
      `SELECT EXISTS (SELECT 1 FROM ${this.t.words} WHERE seq >= ${int(end.count)}) AS more`,
    );
    return r.rows[0].more === true;
  }

  async update(end: WordsEnd, dim: number, learn: (since: ReadWords) => NewWords): Promise<WordsEnd> {
    return this.db.session(async (run) => {
      await run(`BEGIN; SELECT 1 FROM ${this.t.registry} WHERE name = ${literal(this.name)} FOR UPDATE`);
      const since = await this.read(end, dim, run);
      const words = learn(since);
      const at = since.end.count;
      if (words.stems.length > 0) {
        const values = words.stems.map((stem, i) => {
          const row = Buffer.from(words.rows.buffer, words.rows.byteOffset + i * dim * 4, dim * 4);
          return `(${int(at + i)}, ${literal(stem)}, decode(${literal(row.toString('base64'))}, 'base64'))`;
        });
        await run(`INSERT INTO ${this.t.words} (seq, stem, row) VALUES ${values.join(', ')}`);
      }
      await run('COMMIT');
      return { count: at + words.stems.length, keyBytes: 0 };
    });
  }

  async count(): Promise<number> {
    const [r] = await this.db.run(`SELECT count(*)::integer AS n FROM ${this.t.words}`);
    return Number(r.rows[0].n);
  }
}
