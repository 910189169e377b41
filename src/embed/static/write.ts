import { randomBytes } from 'node:crypto';
import { createWriteStream, promises as fsp } from 'node:fs';
import path from 'node:path';
import { SmyslError } from '../../errors.js';

/**
 * Minimal word2vec text writer ("V dim" header, then "word v1 v2 ..."), used by `smysl train`
 * until the word-vectors stage's KeyedVectors.save lands; streams, then renames atomically.
 */
export async function writeWord2VecText(
  file: string,
  words: string[],
  vectors: Float32Array,
  dim: number,
): Promise<void> {
  const dir = path.dirname(file);
  await fsp.mkdir(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const out = createWriteStream(tmp);
    const write = (s: string) =>
      out.write(s) ? Promise.resolve() : new Promise<void>((resolve) => out.once('drain', () => resolve()));
    await write(`${words.length} ${dim}\n`);
    const parts: string[] = new Array(dim + 1);
    for (let w = 0; w < words.length; w++) {
      parts[0] = words[w];
      for (let k = 0; k < dim; k++) parts[k + 1] = String(vectors[w * dim + k]);
      await write(`${parts.join(' ')}\n`);
    }
    await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
    await fsp.rename(tmp, file);
  } catch (e) {
    await fsp.rm(tmp, { force: true });
    throw new SmyslError('E_IO', `cannot write ${file}: ${(e as Error).message}`, { cause: e });
  }
}
