import { type Command, Option } from 'commander';
import { ensureEncoderFile, importModel, listModels } from '../../embed/transformer/index.js';
import { addOutputFlags, parseIntOption } from '../options.js';
import { formatTable, printJson } from '../output.js';

export function register(program: Command): void {
  const model = program
    .command('model')
    .description('transformer encoder models: import a local checkpoint, list');
  const imp = model
    .command('import')
    .description(
      'import a local BERT-family checkpoint (config.json + *.safetensors + tokenizer.json or vocab.txt)',
    )
    .argument('<dir>', 'checkpoint directory')
    .requiredOption('--name <name>', 'name to use with --embedder')
    .addOption(
      new Option('--pooling <kind>', 'default sentence pooling')
        .choices(['mean', 'cls', 'max'])
        .default('mean'),
    )
    .option('--normalize', 'L2-normalize sentence vectors by default', true)
    .option('--no-normalize', 'do not L2-normalize by default')
    .option(
      '--max-length <n>',
      'default maximum tokens per sequence (capped by the model)',
      parseIntOption('--max-length', 3),
      512,
    )
    .option('--force', 'replace an existing model of that name', false);
  addOutputFlags(imp).action(
    async (
      dir: string,
      o: {
        name: string;
        pooling: 'mean' | 'cls' | 'max';
        normalize: boolean;
        maxLength: number;
        force: boolean;
        json: boolean;
        quiet: boolean;
      },
    ) => {
      const source = await importModel(dir, o);
      const built = await ensureEncoderFile(source, 'fp32', o.quiet ? () => {} : undefined);
      const info = {
        name: source.name,
        dir: source.dir,
        onnx: built.file,
        hiddenSize: built.config.hiddenSize,
        layers: built.config.numHiddenLayers,
      };
      if (o.json) printJson(info);
      else
        process.stdout.write(
          `imported "${info.name}" (${info.layers} layers, ${info.hiddenSize}-d) into ${info.dir}\n`,
        );
    },
  );
  addOutputFlags(model.command('list').description('list the built-in and imported models')).action(
    async (o: { json: boolean }) => {
      const models = await listModels();
      if (o.json) return printJson(models);
      process.stdout.write(
        `${formatTable(
          ['name', 'layers', 'dim', 'pooling', 'normalize', 'max length', 'source'],
          models.map((m) => [
            m.name,
            m.layers,
            m.hiddenSize,
            m.defaults.pooling,
            String(m.defaults.normalize),
            m.defaults.maxLength,
            m.builtin ? 'built-in (npm)' : m.dir,
          ]),
        )}\n`,
      );
    },
  );
}
