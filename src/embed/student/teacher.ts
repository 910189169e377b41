/**
 * Teacher vectors for distillation, cached on disk: running MiniLM over tens of thousands of
 * sentences is most of a build's time, and a rerun (another seed, another student size) should
 * not pay it again. The cache key is the teacher's name plus every text, so any change to
 * either recomputes.
 */
import { createHash } from 'node:crypto';
import { existsSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import { SmyslError } from '../../errors.js';
import { cacheDir, writeFileAtomic } from '../../util/fs.js';
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
  /** Texts per call to the teacher (progress granularity; default 2048). */
  chunk?: number;
}

export function teacherCacheKey(teacherName: string, texts: readonly string[]): string {
  const hash = createHash('sha256');
  hash.update(teacherName);
  for (const t of texts) {
    hash.update('\u0000');
    hash.update(t);
  }
  return hash.digest('hex').slice(0, 32);
}

/** The teacher's unit vectors for `texts` (texts.length x dim), from the cache when present. */
export async function teacherVectors(
  teacher: Embedder,
  texts: readonly string[],
  opts: TeacherOptions = {},
): Promise<{ dim: number; data: Float32Array; cached: boolean }> {
  if (teacher.kind !== 'dense') throw new SmyslError('E_USAGE', `the teacher ${teacher.name} is not dense`);
  const dir = opts.cache === false ? undefined : (opts.cache ?? defaultTeacherCache());
  const file = dir ? path.join(dir, `${teacherCacheKey(teacher.name, texts)}.f32`) : undefined;
  if (file && existsSync(file) && texts.length > 0) {
    const buf = await fsp.readFile(file);
    const dim = buf.byteLength / 4 / texts.length;
    if (Number.isInteger(dim) && dim > 0) {
      const data = new Float32Array(buf.byteLength / 4);
      new Uint8Array(data.buffer).set(buf);
      return { dim, data, cached: true };
    }
  }
  const embed = teacher.embed.bind(teacher) as EmbedWithProgress;
  const chunk = opts.chunk ?? 2048;
  let dim = 0;
  let data = new Float32Array(0);
  for (let start = 0; start < texts.length; start += chunk) {
    const part = texts.slice(start, start + chunk) as string[];
    const m = await embed(part, { signal: opts.signal });
    if (dim === 0) {
      dim = m.dim;
      data = new Float32Array(texts.length * dim);
    }
    // unit vectors whatever the teacher's own setting: the student is compared by cosine
    for (let r = 0; r < m.rows; r++) {
      let n2 = 0;
      for (let j = 0; j < dim; j++) n2 += m.data[r * dim + j] ** 2;
      const inv = n2 > 0 ? 1 / Math.sqrt(n2) : 0;
      for (let j = 0; j < dim; j++) data[(start + r) * dim + j] = m.data[r * dim + j] * inv;
    }
    opts.onProgress?.({
      phase: 'teacher',
      done: Math.min(texts.length, start + chunk),
      total: texts.length,
      unit: 'texts',
    });
  }
  if (file && texts.length > 0) await writeFileAtomic(file, new Uint8Array(data.buffer));
  return { dim, data, cached: false };
}
