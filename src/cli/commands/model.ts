import { type Command, Option } from 'commander';
import { listStudents } from '../../embed/student/embedder.js';
import {
  ensureEncoderFile,
  fitsOneOnnxFile,
  importModel,
  listModels,
  readBertConfig,
} from '../../embed/transformer/index.js';
import { addOutputFlags, parseIntOption } from '../options.js';
import { formatTable, printJson } from '../output.js';

export function register(program: Command): void {
  const model = program
    .command('model')
    .description('transformer encoder models: import a local checkpoint, list');
  const imp = model
    .command('import')
    .description(
      'import a local BERT or XLM-RoBERTa checkpoint (config.json + *.safetensors or pytorch_model.bin + tokenizer.json or vocab.txt), or a sentence-transformers folder (modules.json, pooling, Dense, Normalize, prompts)',
    )
    .argument('<dir>', 'checkpoint directory')
    .option('--name <name>', 'name to use with --embedder (default: the folder name)')
    .addOption(
      new Option(
        '--pooling <kind>',
        "sentence pooling (default: the folder's sentence-transformers setting, else mean)",
      ).choices(['mean', 'cls', 'max']),
    )
    .option(
      '--normalize',
      "L2-normalize sentence vectors (default: as the folder's modules.json says, else on)",
    )
    .option('--no-normalize', 'do not L2-normalize')
    .option(
      '--max-length <n>',
      'maximum tokens per sequence (default: max_seq_length of sentence_bert_config.json, else 512; capped by the model)',
      parseIntOption('--max-length', 3),
    )
    .option(
      '--query-prompt <text>',
      'text put before queries (e5: "query: "; default: the folder\'s prompts, "" for none)',
    )
    .option('--document-prompt <text>', 'text put before indexed documents (e5: "passage: ")')
    .option('--force', 'replace an existing model of that name', false);
  addOutputFlags(imp).action(
    async (
      dir: string,
      o: {
        name?: string;
        pooling?: 'mean' | 'cls' | 'max';
        normalize?: boolean;
        maxLength?: number;
        queryPrompt?: string;
        documentPrompt?: string;
        force: boolean;
        json: boolean;
        quiet: boolean;
      },
    ) => {
      const source = await importModel(dir, {
        name: o.name,
        pooling: o.pooling,
        normalize: o.normalize,
        maxLength: o.maxLength,
        prompts: { query: o.queryPrompt, document: o.documentPrompt },
        force: o.force,
      });
      // Models past ONNX's 2 GiB in fp32 (multilingual-e5-large, bge-m3) still run in int8.
      const config = await readBertConfig(source.configFile);
      const dtype = fitsOneOnnxFile(config, 'fp32') ? 'fp32' : 'int8';
      const built = await ensureEncoderFile(source, dtype, o.quiet ? () => {} : undefined);
      const dim = source.dense.length
        ? source.dense[source.dense.length - 1].outFeatures
        : built.config.hiddenSize;
      const info = {
        name: source.name,
        dir: source.dir,
        onnx: built.file,
        modelType: built.config.modelType,
        hiddenSize: built.config.hiddenSize,
        dim,
        layers: built.config.numHiddenLayers,
        defaults: source.defaults,
        dense: source.dense.length,
      };
      if (o.json) printJson(info);
      else {
        const d = source.defaults;
        const prompts = Object.entries(d.prompts ?? {})
          .map(([role, text]) => `${role} ${JSON.stringify(text)}`)
          .join(', ');
        process.stdout.write(
          `imported "${info.name}" (${info.modelType}, ${info.layers} layers, ${info.dim}-d vectors: ${d.pooling} pooling${info.dense ? `, ${info.dense} Dense` : ''}${d.normalize ? ', normalized' : ''}, ${d.maxLength} tokens${prompts ? `; prompts: ${prompts}` : ''}) into ${info.dir}\n`,
        );
      }
    },
  );
  addOutputFlags(model.command('list').description('list the built-in and imported models')).action(
    async (o: { json: boolean }) => {
      const models = await listModels();
      const students = await listStudents();
      if (o.json) return printJson([...models, ...students]);
      process.stdout.write(
        `${formatTable(
          ['name', 'type', 'layers', 'dim', 'pooling', 'normalize', 'max length', 'source'],
          [
            ...models.map((m) => [
              m.name,
              m.modelType,
              m.layers,
              m.dim,
              m.defaults.pooling,
              String(m.defaults.normalize),
              m.defaults.maxLength,
              m.builtin ? 'built-in (npm)' : m.dir,
            ]),
            // static students: --embedder student --set model=<name> (bilingual routes to minilm-ru)
            ...students.map((s) => [
              s.name,
              'student',
              0,
              s.dim,
              'weighted sum',
              'true',
              '-',
              `built-in (models/), in ${s.teacher}'s space`,
            ]),
          ],
        )}\n`,
      );
    },
  );
}
