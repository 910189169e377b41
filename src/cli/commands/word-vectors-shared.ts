import { Option } from 'commander';
import type { KeyedVectors } from '../../embed/static/keyed-vectors.js';
import { loadWordVectors } from '../../embed/static/pretrained.js';
import { parseIntOption } from '../options.js';
import { warn } from '../output.js';
import { ProgressBar } from '../progress.js';

export interface VectorSourceOptions {
  vectors: string;
  format: string;
  limit?: number;
  quiet?: boolean;
}

/** Options every word-vector command shares: where the vectors come from and how to read them. */
export function vectorSourceOptions(): Option[] {
  return [
    new Option(
      '--vectors <file>',
      'word vectors: a word2vec text/binary, GloVe or .vec file, or "wink" for the pretrained English set',
    ).makeOptionMandatory(),
    new Option('--format <format>', 'file format')
      .choices(['auto', 'word2vec-text', 'word2vec-binary', 'glove-text', 'fasttext-vec'])
      .default('auto'),
    new Option('--limit <n>', 'read only the first n vectors').argParser(parseIntOption('--limit', 1)),
  ];
}

export async function loadVectorsForCli(options: VectorSourceOptions): Promise<KeyedVectors> {
  const bar = new ProgressBar({ quiet: options.quiet });
  try {
    return await loadWordVectors(options.vectors, {
      format: options.format as 'auto',
      limit: options.limit,
      onProgress: bar.update,
      onWarning: options.quiet ? undefined : warn,
    });
  } finally {
    bar.done();
  }
}
