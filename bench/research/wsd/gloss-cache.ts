/**
 * Embeds the glosses of every candidate sense of an evaluation corpus once, per layer, for WSD
 * experiments: "lemma, synonym, ... - definition" with and without the examples; keeps the mean
 * of all words and the vector of the candidate lemma's own words.
 *
 *   node dist/bench/research/wsd/gloss-cache.js <wordnet dict> <out dir> <corpus dir>[@every]...
 *
 * "semcor@10" takes the candidates of every 10th instance only (the sample features.js
 * learns its weights on). WSD_GLOSS_VARIANTS=full skips the definition-only variant.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { TransformerEmbedder } from '../../../src/embed/transformer/index.js';
import { findRaganatoFiles, readRaganatoXml } from '../../../src/tasks/wsd/raganato.js';
import { type Sense, toWordNetPos, WordNet } from '../../../src/tasks/wsd/wordnet.js';
import { layerReplay } from './layers.js';

const [dict, outDir, ...corpora] = process.argv.slice(2);
const wn = await WordNet.load(dict);
const senses = new Map<string, { sense: Sense; lemma: string }>();
for (const spec of corpora) {
  const at = spec.lastIndexOf('@');
  const dir = at > 0 ? spec.slice(0, at) : spec;
  const every = at > 0 ? Number(spec.slice(at + 1)) : 1;
  const { xml } = await findRaganatoFiles(dir);
  let seen = 0;
  for await (const s of readRaganatoXml(xml))
    for (const t of s.tokens) {
      if (!t.instance) continue;
      if (seen++ % every !== 0) continue;
      const pos = toWordNetPos(t.pos);
      if (!pos) continue;
      for (const c of wn.senses(t.lemma, pos))
        senses.set(c.key, { sense: c, lemma: c.key.slice(0, c.key.indexOf('%')) });
    }
}
const keys = [...senses.keys()];
process.stderr.write(`${keys.length} candidate senses\n`);

const WORD = /[\p{L}\p{N}'_-]+|\S/gu;
interface Text {
  tokens: string[];
  lemmaWords: number;
}
const variants: Record<string, Text[]> = {};
for (const name of (process.env.WSD_GLOSS_VARIANTS ?? 'def,full').split(',')) variants[name] = [];
for (const key of keys) {
  const { sense, lemma } = senses.get(key)!;
  const synset = await wn.synset(sense.synset);
  const words = [lemma, ...synset.words.filter((w) => w !== lemma)].map((w) => w.replace(/_/g, ' '));
  const lemmaWords = words[0].split(' ').length;
  const head = `${words.join(', ')} - `;
  for (const [name, body] of [
    ['def', synset.definition],
    ['full', synset.gloss],
  ]) {
    if (!variants[name]) continue;
    const text = head + body;
    variants[name].push({ tokens: text.match(WORD) ?? [], lemmaWords });
  }
}

const embedder = await TransformerEmbedder.create({ model: 'minilm', dtype: 'fp32', batchSize: 32 });
const replay = layerReplay(embedder);
const layerCount = replay.count;
const dim = embedder.dim;
const tokenEmbed = replay.embed;
await fsp.mkdir(outDir, { recursive: true });
const started = Date.now();
for (const [name, texts] of Object.entries(variants)) {
  const sentence = Array.from({ length: layerCount }, () => new Float32Array(texts.length * dim));
  const lemma = Array.from({ length: layerCount }, () => new Float32Array(texts.length * dim));
  for (let start = 0; start < texts.length; start += 256) {
    const chunk = texts.slice(start, start + 256);
    replay.reset();
    for (let layer = 0; layer < layerCount; layer++) {
      replay.layer = layer;
      replay.rewind();
      const vectors = await tokenEmbed(chunk.map((t) => t.tokens));
      chunk.forEach((t, k) => {
        const row = (start + k) * dim;
        const m = vectors[k];
        for (let w = 0; w < m.rows; w++)
          for (let d = 0; d < dim; d++) {
            const v = m.data[w * dim + d];
            sentence[layer][row + d] += v / m.rows;
            if (w < t.lemmaWords) lemma[layer][row + d] += v / t.lemmaWords;
          }
      });
    }
    process.stderr.write(
      `\r${name}: ${start + chunk.length}/${texts.length}, ${((Date.now() - started) / 1000).toFixed(0)} s`,
    );
  }
  process.stderr.write('\n');
  for (let layer = 0; layer < layerCount; layer++) {
    await fsp.writeFile(
      path.join(outDir, `${name}-sentence-layer${layer}.f32`),
      new Uint8Array(sentence[layer].buffer),
    );
    await fsp.writeFile(
      path.join(outDir, `${name}-lemma-layer${layer}.f32`),
      new Uint8Array(lemma[layer].buffer),
    );
  }
}
await fsp.writeFile(path.join(outDir, 'senses.json'), JSON.stringify({ dim, layers: layerCount, keys }));
await embedder.dispose();
