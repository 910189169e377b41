import path from 'node:path';
import type { Command } from 'commander';
import { loadWordVectors } from '../../embed/static/pretrained.js';
import { SmyslError } from '../../errors.js';
import type { MapPoint } from '../../server/app.js';
import { mapPoints, metaGroup, type ProjectionMethod, topWords } from '../../server/backends.js';
import { mapHtml, pngRenderer, renderPng } from '../../server/plot.js';
import { Collection } from '../../store/collection.js';
import { writeFileAtomic } from '../../util/fs.js';
import { readNpy } from '../../vectors/io.js';
import { checkProjectionMethod } from '../../vectors/projection.js';
import { addOutputFlags, parseIntOption } from '../options.js';
import { printJson } from '../output.js';
import { collectionDir } from './collection-paths.js';

export function register(program: Command): void {
  const cmd = program
    .command('plot')
    .description('a 2-D map of word vectors, a .npy matrix or a collection, as interactive HTML or PNG')
    .argument('[input]', 'word-vector file (any supported format), "wink", or a .npy matrix')
    .option('--collection <name>', 'plot the documents of this collection (.smysl/<name>) instead')
    .option(
      '--limit <n>',
      'most frequent words / first documents / first rows',
      parseIntOption('--limit', 2),
      2000,
    )
    .option('--projection <method>', 'umap, tsne or pca', 'umap')
    .option(
      '--color <field>',
      'colour by a metadata field (collections; "dir" = folder) or "cluster"',
      'cluster',
    )
    .option('--title <text>', 'title shown on the map (default: the source and method)')
    .requiredOption('--out <file>', 'map.html (interactive, self-contained) or map.png');
  addOutputFlags(cmd).action(async (input: string | undefined, o) => {
    const method = checkProjectionMethod(o.projection) as ProjectionMethod;
    if ((input === undefined) === (o.collection === undefined))
      throw new SmyslError('E_USAGE', 'give exactly one of an input (vectors) and --collection');
    o.vectors = input;
    const ext = path.extname(o.out).toLowerCase();
    if (ext !== '.html' && ext !== '.png')
      throw new SmyslError('E_USAGE', `--out must end in .html or .png, got ${o.out}`);
    // before the projection: name what PNG output needs now, not after the work
    if (ext === '.png') await pngRenderer();
    const color = o.color === 'cluster' ? undefined : o.color;
    let points: MapPoint[];
    let source: string;
    if (o.collection !== undefined) {
      source = o.collection;
      const c = await Collection.open(collectionDir(o.collection), { readonly: true });
      try {
        const docs = await c.documentVectors(o.limit);
        if (docs.ids.length < 2) throw new SmyslError('E_INPUT', 'a map needs at least 2 documents');
        points = mapPoints(
          docs.vectors,
          docs.ids.map((id, i) => docs.titles[i] || id),
          {
            method,
            groups: color ? docs.ids.map((id, i) => metaGroup(id, docs.meta[i], color)) : undefined,
          },
        );
      } finally {
        await c.close();
      }
    } else if (o.vectors.endsWith('.npy')) {
      source = path.basename(o.vectors);
      const m = await readNpy(o.vectors);
      const rows = Math.min(o.limit, m.rows);
      const x = { rows, dim: m.dim, data: m.data.subarray(0, rows * m.dim) };
      points = mapPoints(
        x,
        Array.from({ length: rows }, (_, i) => `row ${i}`),
        { method },
      );
    } else {
      source = o.vectors === 'wink' ? 'wink' : path.basename(o.vectors);
      const v = await loadWordVectors(o.vectors, { limit: o.limit });
      const { words, matrix } = topWords(v, o.limit);
      points = mapPoints(matrix, words, { method });
    }
    if (points.length < 2) throw new SmyslError('E_INPUT', 'a map needs at least 2 points');
    const title = o.title ?? `${source} · ${method} · ${points.length} points`;
    const html = mapHtml(points, title);
    // atomic: an interrupted render never leaves a half-written map where an old one was
    await writeFileAtomic(o.out, ext === '.html' ? html : await renderPng(html));
    const summary = {
      out: o.out,
      points: points.length,
      method,
      groups: new Set(points.map((p) => p.group)).size,
    };
    if (o.json) printJson(summary);
    else if (!o.quiet) process.stderr.write(`wrote ${o.out}: ${summary.points} points (${method})\n`);
  });
}
