import type { Command } from 'commander';
import { TransformerEmbedder } from '../../embed/transformer/index.js';
import { printJson } from '../output.js';
import { addEncoderOptions, type EncoderCliOptions, embedderOptions } from './embed.js';

export function register(program: Command): void {
  const cmd = program
    .command('similarity')
    .description('cosine similarity of two texts under a transformer encoder')
    .argument('<a>', 'first text')
    .argument('<b>', 'second text');
  addEncoderOptions(cmd).action(async (a: string, b: string, o: EncoderCliOptions) => {
    const embedder = await TransformerEmbedder.create(embedderOptions(o));
    try {
      const m = await embedder.embed([a, b]);
      let dot = 0;
      let na = 0;
      let nb = 0;
      for (let j = 0; j < m.dim; j++) {
        const x = m.data[j];
        const y = m.data[m.dim + j];
        dot += x * y;
        na += x * x;
        nb += y * y;
      }
      const cosine = na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
      if (o.json) printJson({ model: embedder.name, cosine });
      else process.stdout.write(`${cosine.toFixed(4)}\n`);
    } finally {
      await embedder.dispose();
    }
  });
}
