import type { Command } from 'commander';
import { fitOnTexts } from '../../embed/by-name.js';
import { listEmbedders } from '../../embed/registry.js';
import { rowCosines } from '../../vectors/rows.js';
import { addOutputFlags, embedderOption, setOption } from '../options.js';
import { printJson } from '../output.js';
import { addEncoderOptions, disposeEmbedder, type EncoderCliOptions, openEmbedder } from './embed.js';

export function register(program: Command): void {
  const cmd = program
    .command('similarity')
    .description('cosine similarity of two texts under an embedder (default all-MiniLM-L6-v2)')
    .argument('<a>', 'first text')
    .argument('<b>', 'second text')
    .addOption(
      embedderOption(
        `a transformer model (minilm, an imported name, a checkpoint directory) or a method (${listEmbedders()
          .map((f) => f.method)
          .filter((m) => m !== 'transformer' && m !== 'minilm')
          .join(', ')}; fitted on the two texts)`,
        'minilm',
      ),
    )
    .addOption(setOption());
  addOutputFlags(addEncoderOptions(cmd)).action(
    async (a: string, b: string, o: EncoderCliOptions, command: Command) => {
      const embedder = await openEmbedder(o, command);
      try {
        await fitOnTexts(embedder, [a, b]);
        const ma = await embedder.embed([a]);
        const mb = await embedder.embed([b]);
        const cosine = rowCosines(ma, mb)[0];
        if (o.json) printJson({ embedder: embedder.name, cosine });
        else process.stdout.write(`${cosine.toFixed(4)}\n`);
      } finally {
        await disposeEmbedder(embedder);
      }
    },
  );
}
