import type { Command } from 'commander';
import { embedderByName, fitOnTexts } from '../../embed/by-name.js';
import { SmyslError } from '../../errors.js';
import { adjustedRandIndex, normalizedMutualInformation } from '../../eval/clustering.js';
import { clusterTerms, kmeans, kmeansBestK } from '../../tasks/cluster.js';
import { densify } from '../../vectors/rows.js';
import { addCorpusOptions, CORPUS_INPUT, type CorpusFlags, readCorpus } from '../corpus-input.js';
import { addOutputFlags, embedderOption, parseIntOption, parseRange, setOption } from '../options.js';
import { printJson } from '../output.js';
import { ProgressBar } from '../progress.js';
import { embedderNames, parseSettings } from '../task-support.js';

interface ClusterFlags extends CorpusFlags {
  embedder: string;
  set: string[];
  clusters?: number;
  clustersRange?: [number, number];
  miniBatch: boolean;
  restarts: number;
  seed: number;
  labelField?: string;
  topTerms: number;
  examples: number;
  json: boolean;
}

export function register(program: Command): void {
  const cmd = program
    .command('cluster')
    .description(
      'k-means over any embedder: cluster sizes, distinctive terms, examples; ARI/NMI against a label',
    )
    .argument('<input>', CORPUS_INPUT);
  addCorpusOptions(cmd)
    .addOption(
      embedderOption(`embedding method (${embedderNames().join(', ')}) or a transformer model`, 'minilm'),
    )
    .addOption(setOption())
    .option(
      '--clusters <n>',
      'number of clusters k (default 8 unless --clusters-range)',
      parseIntOption('--clusters', 1),
    )
    .option(
      '--clusters-range <min,max>',
      'choose k in this range by silhouette',
      parseRange('--clusters-range'),
    )
    .option('--mini-batch', 'mini-batch k-means (batches of 1024) for large sets', false)
    .option('--restarts <n>', 'k-means++ restarts (lowest inertia wins)', parseIntOption('--restarts', 1), 4)
    .option('--seed <n>', 'random seed', parseIntOption('--seed'), 1)
    .option(
      '--label-field <name>',
      'metadata field holding a reference label (CSV/TSV: a column): report ARI and NMI',
    )
    .option('--top-terms <n>', 'distinctive terms shown per cluster', parseIntOption('--top-terms', 0), 8)
    .option('--examples <n>', 'example documents shown per cluster', parseIntOption('--examples', 0), 3);
  addOutputFlags(cmd).action(async (corpus: string, flags: ClusterFlags) => {
    if (flags.clusters !== undefined && flags.clustersRange)
      throw new SmyslError('E_USAGE', 'give --clusters or --clusters-range, not both');
    const texts: string[] = [];
    const ids: string[] = [];
    const reference: string[] = [];
    for (const doc of (await readCorpus(corpus, flags)).documents) {
      texts.push(doc.text);
      ids.push(doc.id);
      if (flags.labelField) {
        const v = doc.meta?.[flags.labelField];
        if (v === undefined || v === null)
          throw new SmyslError('E_INPUT', `document ${doc.id} has no metadata field "${flags.labelField}"`);
        reference.push(String(v));
      }
    }
    if (texts.length < 2) throw new SmyslError('E_INPUT', `${corpus}: need at least 2 documents to cluster`);
    const bar = new ProgressBar({ quiet: flags.quiet });
    const embedder = await embedderByName(flags.embedder, parseSettings(flags.set));
    await fitOnTexts(embedder, texts, { onProgress: bar.update });
    bar.done();
    const x = densify(await embedder.embed(texts));
    const options = {
      restarts: flags.restarts,
      seed: flags.seed,
      miniBatch: flags.miniBatch ? 1024 : 0,
    };
    let tried: { k: number; silhouette: number }[] | undefined;
    let result: ReturnType<typeof kmeans>;
    if (flags.clustersRange) {
      const best = kmeansBestK(x, flags.clustersRange[0], flags.clustersRange[1], options);
      tried = best.tried;
      result = best;
    } else result = kmeans(x, { ...options, k: Math.min(flags.clusters ?? 8, x.rows) });
    const k = result.k;
    const terms = clusterTerms(texts, result.labels, k, flags.topTerms);
    const members: number[][] = Array.from({ length: k }, () => []);
    result.labels.forEach((c, i) => {
      members[c].push(i);
    });
    const clusters = members.map((rows, c) => ({
      cluster: c,
      size: rows.length,
      terms: terms[c],
      examples: rows.slice(0, flags.examples).map((i) => ({ id: ids[i], text: texts[i].slice(0, 100) })),
    }));
    const agreement = flags.labelField
      ? {
          ari: adjustedRandIndex(reference, Array.from(result.labels)),
          nmi: normalizedMutualInformation(reference, Array.from(result.labels)),
        }
      : undefined;
    if (flags.json) {
      printJson({
        k,
        embedder: flags.embedder,
        documents: texts.length,
        inertia: result.inertia,
        tried,
        agreement,
        clusters,
      });
      return;
    }
    console.log(`${texts.length} documents, ${flags.embedder}, k = ${k}${tried ? ' (best silhouette)' : ''}`);
    if (tried)
      console.log(`silhouette by k: ${tried.map((t) => `${t.k}:${t.silhouette.toFixed(3)}`).join(' ')}`);
    for (const c of clusters) {
      console.log('');
      console.log(`cluster ${c.cluster}  (${c.size} documents)  ${c.terms.join(', ')}`);
      for (const e of c.examples) console.log(`  ${e.id}: ${e.text.replace(/\s+/g, ' ')}`);
    }
    if (agreement)
      console.log(
        `\nagainst "${flags.labelField}": ARI ${agreement.ari.toFixed(4)}  NMI ${agreement.nmi.toFixed(4)}`,
      );
  });
}
