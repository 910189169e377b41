/**
 * Teacher vectors for distillation, cached on disk per text: running MiniLM over tens of
 * thousands of sentences is most of a build's time, and a rerun — another seed, another
 * student size, one more source — should pay only for texts it has not seen. The cache is a
 * directory per teacher with two append-only files: `vectors.f32` (rows of dim float32) and
 * `index.tsv` (`sha256-prefix TAB row` per text). Vectors are appended before their index
 * lines, so an interrupted run leaves at most unreferenced rows, and the work done before the
 * interruption is kept. One writer at a time.
 */
import { createHash } from 'node:crypto';
import { existsSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import { SmyslError } from '../../errors.js';
import { cacheDir } from '../../util/fs.js';
import type { LongRunning } from '../../util/progress.js';
import type { DenseMatrix } from '../../vectors/types.js';
import type { Embedder } from '../types.js';

/** Where teacher vectors are cached unless told otherwise. */
export function defaultTeacherCache(): string {
  return path.join(cacheDir(), 'teacher');
}

type EmbedWithProgress = (texts: string[], opts?: LongRunning) => Promise<DenseMatrix>;

export interface TeacherOptions extends LongRunning {
  /** Cache directory; `false` turns caching off. */
  cache?: string | false;
  /** Texts per call to the teacher (a cache append and a progress tick each; default 1024). */
  chunk?: number;
}

export function textKey(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}

interface Store {
  dir: string;
  dim: number;
  rows: Map<string, number>;
  count: number;
}

async function openStore(root: string, teacherName: string): Promise<Store> {
  const dir = path.join(root, teacherName.replace(/[^\w.-]/g, '_'));
  const rows = new Map<string, number>();
  let dim = 0;
  let count = 0;
  const indexFile = path.join(dir, 'index.tsv');
  if (existsSync(indexFile)) {
    const meta = JSON.parse(await fsp.readFile(path.join(dir, 'meta.json'), 'utf8')) as { dim: number };
    dim = meta.dim;
    const size = (await fsp.stat(path.join(dir, 'vectors.f32'))).size;
    count = Math.floor(size / 4 / dim);
    for (const line of (await fsp.readFile(indexFile, 'utf8')).split('\n')) {
      const tab = line.indexOf('\t');
      if (tab < 0) continue;
      const row = Number(line.slice(tab + 1));
      if (row < count) rows.set(line.slice(0, tab), row);
    }
  }
  return { dir, dim, rows, count };
}

async function readRows(store: Store, wanted: number[]): Promise<Float32Array> {
  const out = new Float32Array(wanted.length * store.dim);
  if (wanted.length === 0) return out;
  const buf = await fsp.readFile(path.join(store.dir, 'vectors.f32'));
  const all = new Float32Array(buf.buffer, buf.byteOffset, Math.floor(buf.byteLength / 4));
  for (let i = 0; i < wanted.length; i++)
    out.set(all.subarray(wanted[i] * store.dim, (wanted[i] + 1) * store.dim), i * store.dim);
  return out;
}

/** Unit vectors whatever the teacher's own setting: the student is compared by cosine. */
function normalizeRows(m: DenseMatrix): Float32Array {
  const out = new Float32Array(m.rows * m.dim);
  for (let r = 0; r < m.rows; r++) {
    let n2 = 0;
    for (let j = 0; j < m.dim; j++) n2 += m.data[r * m.dim + j] ** 2;
    const inv = n2 > 0 ? 1 / Math.sqrt(n2) : 0;
    for (let j = 0; j < m.dim; j++) out[r * m.dim + j] = m.data[r * m.dim + j] * inv;
  }
  return out;
}

/**
 * The teacher's unit vectors for `texts` (texts.length x dim): cached texts are read, the rest
 * embedded (each distinct text once) and appended to the cache.
 */
export async function teacherVectors(
  teacher: Embedder,
  texts: readonly string[],
  opts: TeacherOptions = {},
): Promise<{ dim: number; data: Float32Array; computed: number }> {
  if (teacher.kind !== 'dense') throw new SmyslError('E_USAGE', `the teacher ${teacher.name} is not dense`);
  const root = opts.cache === false ? undefined : (opts.cache ?? defaultTeacherCache());
  const store = root ? await openStore(root, teacher.name) : undefined;
  const keys = texts.map(textKey);
  const missing: string[] = [];
  const missingKeys = new Set<string>();
  keys.forEach((k, i) => {
    if (store?.rows.has(k) || missingKeys.has(k)) return;
    missingKeys.add(k);
    missing.push(texts[i]);
  });
  const embed = teacher.embed.bind(teacher) as EmbedWithProgress;
  const chunk = opts.chunk ?? 1024;
  const fresh = new Map<string, Float32Array>();
  let dim = store?.dim ?? 0;
  for (let start = 0; start < missing.length; start += chunk) {
    const part = missing.slice(start, start + chunk);
    const m = await embed(part, { signal: opts.signal });
    if (dim === 0) dim = m.dim;
    if (m.dim !== dim)
      throw new SmyslError('E_MODEL', `teacher ${teacher.name} changed dimension (${m.dim} vs ${dim})`);
    const data = normalizeRows(m);
    if (store) {
      await fsp.mkdir(store.dir, { recursive: true });
      if (store.dim === 0) {
        store.dim = dim;
        await fsp.writeFile(
          path.join(store.dir, 'meta.json'),
          JSON.stringify({ teacher: teacher.name, dim }),
        );
      }
      await fsp.appendFile(path.join(store.dir, 'vectors.f32'), new Uint8Array(data.buffer));
      const lines = part.map((t, i) => `${textKey(t)}\t${store.count + i}\n`).join('');
      await fsp.appendFile(path.join(store.dir, 'index.tsv'), lines);
      part.forEach((t, i) => {
        store.rows.set(textKey(t), store.count + i);
      });
      store.count += part.length;
    } else part.forEach((t, i) => fresh.set(textKey(t), data.subarray(i * dim, (i + 1) * dim)));
    opts.onProgress?.({
      phase: 'teacher',
      done: Math.min(missing.length, start + chunk),
      total: missing.length,
      unit: 'texts',
    });
  }
  if (texts.length === 0) return { dim, data: new Float32Array(0), computed: 0 };
  if (!store) {
    const data = new Float32Array(texts.length * dim);
    keys.forEach((k, i) => data.set(fresh.get(k)!, i * dim));
    return { dim, data, computed: missing.length };
  }
  const data = await readRows(
    store,
    keys.map((k) => store.rows.get(k)!),
  );
  return { dim: store.dim, data, computed: missing.length };
}
