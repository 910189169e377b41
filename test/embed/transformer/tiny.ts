import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import { encodeSafetensors, type Tensor } from '../../../src/embed/transformer/safetensors.js';

/** Vocabulary of the tiny test model; the words of TINY_TEXT are whole entries or pieces. */
export const TINY_VOCAB = [
  '[PAD]',
  '[UNK]',
  '[CLS]',
  '[SEP]',
  '[MASK]',
  'the',
  'cat',
  'sat',
  'on',
  'mat',
  'dog',
  'run',
  '##s',
  '##ning',
  'a',
  '.',
  ',',
  'un',
  '##believ',
  '##able',
];

export const TINY_CONFIG = {
  architectures: ['BertModel'],
  model_type: 'bert',
  vocab_size: TINY_VOCAB.length,
  hidden_size: 16,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  intermediate_size: 24,
  hidden_act: 'gelu',
  max_position_embeddings: 24,
  type_vocab_size: 2,
  layer_norm_eps: 1e-12,
  pad_token_id: 0,
  position_embedding_type: 'absolute',
};

/** Deterministic pseudo-random numbers (mulberry32) so failures reproduce. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random BERT tensors with Hugging Face names ("bert." prefix, as full checkpoints have). */
export function tinyTensors(seed = 7): Map<string, Tensor> {
  const rnd = random(seed);
  const c = TINY_CONFIG;
  const out = new Map<string, Tensor>();
  const add = (name: string, shape: number[], scale: number, offset = 0) => {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = offset + (rnd() * 2 - 1) * scale;
    out.set(`bert.${name}`, { shape, data });
  };
  const h = c.hidden_size;
  add('embeddings.word_embeddings.weight', [c.vocab_size, h], 1);
  add('embeddings.position_embeddings.weight', [c.max_position_embeddings, h], 0.5);
  add('embeddings.token_type_embeddings.weight', [c.type_vocab_size, h], 0.5);
  add('embeddings.LayerNorm.weight', [h], 0.2, 1);
  add('embeddings.LayerNorm.bias', [h], 0.2);
  for (let i = 0; i < c.num_hidden_layers; i++) {
    const p = `encoder.layer.${i}.`;
    for (const name of [
      'attention.self.query',
      'attention.self.key',
      'attention.self.value',
      'attention.output.dense',
    ]) {
      add(`${p}${name}.weight`, [h, h], 0.5);
      add(`${p}${name}.bias`, [h], 0.1);
    }
    add(`${p}attention.output.LayerNorm.weight`, [h], 0.2, 1);
    add(`${p}attention.output.LayerNorm.bias`, [h], 0.2);
    add(`${p}intermediate.dense.weight`, [c.intermediate_size, h], 0.5);
    add(`${p}intermediate.dense.bias`, [c.intermediate_size], 0.1);
    add(`${p}output.dense.weight`, [h, c.intermediate_size], 0.5);
    add(`${p}output.dense.bias`, [h], 0.1);
    add(`${p}output.LayerNorm.weight`, [h], 0.2, 1);
    add(`${p}output.LayerNorm.bias`, [h], 0.2);
  }
  add('pooler.dense.weight', [h, h], 0.5);
  return out;
}

/** Writes a checkpoint directory (config.json, model.safetensors, vocab.txt) to a temp dir. */
export async function writeTinyCheckpoint(): Promise<string> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'smysl-tiny-bert-'));
  await fsp.writeFile(path.join(dir, 'config.json'), JSON.stringify(TINY_CONFIG, null, 2));
  await fsp.writeFile(path.join(dir, 'model.safetensors'), encodeSafetensors(tinyTensors()));
  await fsp.writeFile(path.join(dir, 'vocab.txt'), `${TINY_VOCAB.join('\n')}\n`);
  return dir;
}

/**
 * A tiny checkpoint and a fresh smysl cache (XDG_CACHE_HOME) for one test file: made before its
 * tests, removed after them. Read the paths inside tests (they are set by then). More set-up that
 * needs them goes in `setup`: Node 20 runs a file's top-level before hooks concurrently.
 */
export function useTinyCheckpoint(setup?: (dir: string) => Promise<void>): {
  readonly dir: string;
  readonly cache: string;
} {
  const paths = { dir: '', cache: '' };
  before(async () => {
    paths.dir = await writeTinyCheckpoint();
    paths.cache = await fsp.mkdtemp(path.join(os.tmpdir(), 'smysl-cache-'));
    process.env.XDG_CACHE_HOME = paths.cache;
    await setup?.(paths.dir);
  });
  after(async () => {
    await fsp.rm(paths.dir, { recursive: true, force: true });
    await fsp.rm(paths.cache, { recursive: true, force: true });
  });
  return paths;
}
