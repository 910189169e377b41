// Child process for crash.test.ts: indexes synthetic documents and prints each committed batch.
// Run without arguments (as the test runner does for every file under test/) it does nothing.
import { writeSync } from 'node:fs';
import { TrigramEmbedder } from '../../src/embed/trigram.js';
import { Collection } from '../../src/store/collection.js';

const [dir, total, batchSize] = process.argv.slice(2);
if (dir) {
  const docs = Array.from({ length: Number(total) }, (_, i) => {
    const code = (i * 7919).toString(36);
    return {
      id: `doc${i}`,
      text: `record ${code} mentions topic${i % 17} and item${i % 29}. ${`${code} continues here. `.repeat(1 + (i % 4))}`,
      meta: { group: `g${i % 10}` },
    };
  });
  const c = await Collection.openOrCreate(dir, {
    embedder: new TrigramEmbedder({ dim: 256 }),
    chunking: { maxTokens: 12, overlapTokens: 2 },
  });
  const s = await c.add(docs, {
    batchSize: Number(batchSize),
    onCommit: ({ ids }) => writeSync(1, `committed ${ids.join(',')}\n`),
  });
  await c.close();
  process.stdout.write(`done ${JSON.stringify(s)}\n`);
}
