import { readFileSync } from 'node:fs';
import { type Command, Option } from 'commander';
import { loadWordVectors } from '../../embed/static/pretrained.js';
import type { TransformerEmbedder } from '../../embed/transformer/index.js';
import { SmyslError } from '../../errors.js';
import { LibraryExplorer, StoreCollections, transformerModel } from '../../server/backends.js';
import { DynamicBatcher } from '../../server/batcher.js';
import { ModelPool } from '../../server/models.js';
import { startServer } from '../../server/serve.js';
import { mountWebUi } from '../../server/web.js';
import { addOutputFlags, collect, embedderOption, parseIntOption } from '../options.js';

/** `name=file`, or `wink` (the pretrained English set) on its own. */
export function parseVectorSets(specs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const spec of specs) {
    const at = spec.indexOf('=');
    const [name, source] = at < 0 ? [spec, spec] : [spec.slice(0, at), spec.slice(at + 1)];
    if (at < 0 && spec !== 'wink')
      throw new SmyslError('E_USAGE', `--vectors expects name=file (or wink), got "${spec}"`);
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(name))
      throw new SmyslError('E_USAGE', `--vectors: invalid name "${name}" (letters, digits, . _ -)`);
    out[name] = source;
  }
  return out;
}

export function register(program: Command): void {
  const cmd = program
    .command('serve')
    .description(
      'HTTP service: OpenAI-compatible /v1/embeddings, collection search and upserts, and the web UI',
    )
    .option('--port <n>', 'port (0 picks a free one)', parseIntOption('--port', 0), 8080)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option(
      '--collection <name>',
      'serve only this collection (repeatable; default: all in --dir)',
      collect,
      [],
    )
    .option('--dir <dir>', 'directory holding the collections', '.smysl')
    .addOption(
      embedderOption(
        'transformer model for /v1/embeddings and contextual vectors (minilm, an imported name)',
        'minilm',
      ),
    )
    .addOption(
      new Option('--dtype <dtype>', 'precision of --embedder: int8 is 3-6x faster, STSb 86.52 vs 86.72')
        .choices(['fp32', 'int8'])
        .default('fp32'),
    )
    .option(
      '--vectors <name=file>',
      'word vectors for the explorer (repeatable; "wink" for the pretrained set)',
      collect,
      [],
    )
    .option('--api-key-file <file>', 'require "Authorization: Bearer <key>" with the key in this file')
    .option(
      '--allow-host <name>',
      'also answer to this Host name (e.g. behind a reverse proxy; repeatable)',
      collect,
      [],
    )
    .option('--no-web', 'do not serve the web UI at /');
  addOutputFlags(cmd, 'print {url, embedder, collections} as one JSON line once listening').action(
    async (o) => {
      let apiKey: string | undefined;
      if (o.apiKeyFile) {
        try {
          apiKey = readFileSync(o.apiKeyFile, 'utf8').trim();
        } catch (e) {
          throw new SmyslError('E_IO', `cannot read ${o.apiKeyFile}: ${(e as Error).message}`);
        }
        if (apiKey === '') throw new SmyslError('E_USAGE', `${o.apiKeyFile} is empty`);
      }
      const vectorSets = parseVectorSets(o.vectors);
      // one batcher and one copy of each model for the API, the collections and the explorer
      const batcher = new DynamicBatcher();
      const models = new ModelPool();
      const getTransformer = (): Promise<TransformerEmbedder> =>
        models.transformer({ model: o.embedder, dtype: o.dtype });
      const collections = new StoreCollections(o.dir, o.collection.length > 0 ? o.collection : undefined, {
        batcher,
        models,
      });
      // one server per directory: a second one fails here, naming the first
      const lock = collections.lock();
      const explorer = new LibraryExplorer({
        collections,
        transformer: getTransformer,
        batcher,
        vectors: Object.fromEntries(
          Object.entries(vectorSets).map(([name, source]) => [name, () => loadWordVectors(source)]),
        ),
      });
      const server = await startServer({
        host: o.host,
        port: o.port,
        models: { [o.embedder]: async () => transformerModel(o.embedder, await getTransformer()) },
        collections,
        explorer,
        apiKey,
        batcher,
        allowedHosts: o.allowHost,
        mount: o.web ? mountWebUi : undefined,
      }).catch(async (e) => {
        lock.release();
        throw e;
      });
      await lock.describe(server.url);
      if (o.json)
        process.stdout.write(
          `${JSON.stringify({ url: server.url, embedder: o.embedder, dtype: o.dtype, collections: collections.names() })}\n`,
        );
      else if (!o.quiet) {
        const names = collections.names();
        process.stderr.write(
          `smysl serve: listening on ${server.url} (embedder ${o.embedder} ${o.dtype}; collections: ${names.join(', ') || 'none'}` +
            `${apiKey ? '; API key required' : ''}${o.web ? `; web UI at ${server.url}/` : ''})\n`,
        );
      }
      // the command ends when a signal asks it to: in-flight requests and writes finish first
      await new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          if (!o.quiet) process.stderr.write(`smysl serve: ${signal}, finishing in-flight requests…\n`);
          void (async () => {
            await server.close();
            await collections.close();
            await models.dispose();
            resolve();
          })();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    },
  );
}
