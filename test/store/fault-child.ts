// Child process for faults.test.ts: runs operations on a collection and reports each one
// ("begin …" before, "committed …" after it is durable). Without arguments (as the test
// runner runs every file under test/) it does nothing.
//   node fault-child.js <dir> upsert:<from>:<to>:<version>,delete:<from>:<to>,compact,…
import { writeSync } from 'node:fs';
import { TrigramEmbedder } from '../../src/embed/trigram.js';
import { isSmyslError } from '../../src/errors.js';
import { Collection } from '../../src/store/collection.js';

/** The text of document `i` at `version`: unique per (i, version), several chunks long. */
export function faultText(i: number, version: number): string {
  const code = (i * 7919 + version * 104729).toString(36);
  return `record ${code} version v${version} mentions topic${i % 17} and item${i % 29}. ${`${code} continues here. `.repeat(1 + (i % 4))}`;
}

export const FAULT_EMBEDDER = () => new TrigramEmbedder({ dim: 64 });

const [dir, script] = process.argv.slice(2);
if (dir) {
  // synchronous: a line must be out before the work it announces starts (the parent kills us)
  const say = (line: string) => writeSync(1, `${line}\n`);
  try {
    const c = await Collection.openOrCreate(dir, {
      embedder: FAULT_EMBEDDER(),
      chunking: { maxTokens: 12, overlapTokens: 2 },
    });
    for (const op of script.split(',')) {
      const [kind, a, b, v] = op.split(':');
      if (kind === 'upsert' || kind === 'delete') {
        for (let start = Number(a); start < Number(b); start += 20) {
          const ids = Array.from({ length: Math.min(20, Number(b) - start) }, (_, i) => start + i);
          const tag = kind === 'upsert' ? `upsert ${v}` : 'delete';
          say(`begin ${tag} ${ids.join(' ')}`);
          if (kind === 'upsert')
            await c.add(
              ids.map((i) => ({ id: `d${i}`, text: faultText(i, Number(v)), meta: { group: `g${i % 5}` } })),
              { batchSize: 20 },
            );
          else await c.delete(ids.map((i) => `d${i}`));
          say(`committed ${tag} ${ids.join(' ')}`);
        }
      } else if (kind === 'compact') {
        say('begin compact');
        await c.compact();
        say('committed compact');
      }
    }
    await c.close();
    say('done');
  } catch (e) {
    say(`error ${isSmyslError(e) ? e.code : 'internal'} ${(e as Error).message.replace(/\n/g, ' ')}`);
    process.exitCode = 1;
  }
}
