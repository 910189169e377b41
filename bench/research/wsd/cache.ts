/**
 * Embeds the tagged tokens of a Raganato-format corpus ONCE and keeps every layer's vector per
 * instance (one float32 file per layer), so WSD variants can be compared in seconds.
 *
 *   node dist/bench/research/wsd/cache.js <corpus dir> <out dir> [context sentences]
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { TransformerEmbedder } from '../../../src/embed/transformer/index.js';
import { findRaganatoFiles, readGoldKeys, readRaganatoXml } from '../../../src/tasks/wsd/raganato.js';
import { type SentenceInContext, withContext } from '../../../src/tasks/wsd/wsd.js';
import { layerReplay } from './layers.js';

const [dataDir, outDir, contextArg] = process.argv.slice(2);
// Sentences of the same document on each side of the one being embedded.
const contextSentences = Number(contextArg ?? 0);
if (!dataDir || !outDir) {
  process.stderr.write(
    'usage: node dist/bench/research/wsd/cache.js <corpus dir> <out dir> [context sentences]\n',
  );
  process.exit(2);
}

const { xml, keys } = await findRaganatoFiles(dataDir);
const gold = await readGoldKeys(keys);
const embedder = await TransformerEmbedder.create({
  model: 'minilm',
  dtype: 'fp32',
  batchSize: 32,
  long: 'window',
});
const replay = layerReplay(embedder);
const layerCount = replay.count;
const dim = embedder.dim;
const tokenEmbed = replay.embed;

await fsp.mkdir(outDir, { recursive: true });
const files = await Promise.all(
  Array.from({ length: layerCount }, (_, l) => fsp.open(path.join(outDir, `layer${l}.f32`), 'w')),
);
// Per instance, the mean of all word vectors of its sentence ("sentence-") and of the whole
// context window ("window-"): MiniLM's own sentence embedding is such a mean of the last layer.
const sentenceFiles = await Promise.all(
  Array.from({ length: layerCount }, (_, l) => fsp.open(path.join(outDir, `sentence-layer${l}.f32`), 'w')),
);
const windowFiles = await Promise.all(
  Array.from({ length: layerCount }, (_, l) => fsp.open(path.join(outDir, `window-layer${l}.f32`), 'w')),
);
const instances: { id: string; lemma: string; pos: string; keys: string[] }[] = [];
let batch: SentenceInContext[] = [];
let sentences = 0;
const started = Date.now();
const flush = async () => {
  if (batch.length === 0) return;
  const texts = batch.map((s) => s.tokens);
  replay.reset();
  for (let layer = 0; layer < layerCount; layer++) {
    replay.layer = layer;
    replay.rewind();
    const vectors = await tokenEmbed(texts);
    const rows: Float32Array[] = [];
    const sentenceRows: Float32Array[] = [];
    const windowRows: Float32Array[] = [];
    batch.forEach(({ sentence, offset }, si) => {
      const m = vectors[si];
      const sentenceMean = new Float32Array(dim);
      const windowMean = new Float32Array(dim);
      const n = sentence.tokens.length;
      for (let w = 0; w < m.rows; w++)
        for (let d = 0; d < dim; d++) {
          const v = m.data[w * dim + d];
          windowMean[d] += v / m.rows;
          if (w >= offset && w < offset + n) sentenceMean[d] += v / n;
        }
      sentence.tokens.forEach((t, k) => {
        if (!t.instance) return;
        const i = offset + k;
        rows.push(m.data.subarray(i * dim, (i + 1) * dim));
        sentenceRows.push(sentenceMean);
        windowRows.push(windowMean);
        if (layer === 0)
          instances.push({ id: t.instance, lemma: t.lemma, pos: t.pos, keys: gold.get(t.instance) ?? [] });
      });
    });
    const out = new Float32Array(rows.length * dim);
    rows.forEach((r, k) => {
      out.set(r, k * dim);
    });
    await files[layer].write(new Uint8Array(out.buffer));
    for (const [target, list] of [
      [sentenceFiles, sentenceRows],
      [windowFiles, windowRows],
    ] as const) {
      const packed = new Float32Array(list.length * dim);
      list.forEach((r, k) => {
        packed.set(r, k * dim);
      });
      await target[layer].write(new Uint8Array(packed.buffer));
    }
  }
  sentences += batch.length;
  const seconds = (Date.now() - started) / 1000;
  process.stderr.write(`\r${sentences} sentences, ${instances.length} instances, ${seconds.toFixed(0)} s`);
  batch = [];
};
for await (const s of withContext(readRaganatoXml(xml), contextSentences)) {
  if (s.sentence.tokens.some((t) => t.instance)) batch.push(s);
  if (batch.length >= 64) await flush();
}
await flush();
process.stderr.write('\n');
await Promise.all([...files, ...sentenceFiles, ...windowFiles].map((f) => f.close()));
await fsp.writeFile(
  path.join(outDir, 'instances.json'),
  JSON.stringify({ dim, layers: layerCount, model: 'minilm', instances }),
);
await embedder.dispose();
