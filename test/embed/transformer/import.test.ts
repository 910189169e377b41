import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fsp, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { TransformerEmbedder } from '../../../src/embed/transformer/embedder.js';
import {
  ensureEncoderFile,
  importModel,
  listModels,
  resolveModel,
} from '../../../src/embed/transformer/models.js';
import { parsePytorchStateDict } from '../../../src/embed/transformer/pytorch.js';
import { encodeSafetensors, type Tensor } from '../../../src/embed/transformer/safetensors.js';
import { embedFor } from '../../../src/embed/types.js';
import { random } from './tiny.js';

// Golden vectors from test/golden/transformer_import.py (plain PyTorch forward passes; token ids
// of the XLM-R model from the sentencepiece library). The weights are not committed: the script
// wrote the mulberry32 seed and the order of every tensor, and the test regenerates them.

type Spec = [string, number[], number, number][];
interface Vector {
  ids: number[];
  vector: number[];
}
interface GoldenModel {
  seed?: number;
  tensors?: Spec;
  dense?: { seed: number; tensors: Spec };
  /** The weights of pytorch_model.bin (committed, written by torch). */
  pickled?: { seed: number; tensors: Spec };
  vocab?: string[];
  files: Record<string, unknown>;
  sentences: ({ text: string } & Partial<Vector> & { plain?: Vector; query?: Vector; document?: Vector })[];
}
const goldenDir = fileURLToPath(new URL('../../../../test/golden/transformer-import/', import.meta.url));
const golden = JSON.parse(readFileSync(path.join(goldenDir, 'golden.json'), 'utf8')) as {
  models: Record<'xlmr' | 'labse' | 'bin', GoldenModel>;
};

function generate(spec: Spec, seed: number): Map<string, Tensor> {
  const rnd = random(seed);
  const out = new Map<string, Tensor>();
  for (const [name, shape, scale, offset] of spec) {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = offset + (rnd() * 2 - 1) * scale;
    out.set(name, { shape, data });
  }
  return out;
}

let root: string;
let cache: string;
const folders: Record<string, string> = {};

async function writeFolder(name: string, model: GoldenModel): Promise<string> {
  const dir = path.join(root, name);
  for (const [file, content] of Object.entries(model.files)) {
    await fsp.mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await fsp.writeFile(path.join(dir, file), JSON.stringify(content, null, 2));
  }
  if (model.tensors && model.seed !== undefined)
    await fsp.writeFile(
      path.join(dir, 'model.safetensors'),
      encodeSafetensors(generate(model.tensors, model.seed)),
    );
  if (model.dense)
    await fsp.writeFile(
      path.join(dir, '2_Dense', 'model.safetensors'),
      encodeSafetensors(generate(model.dense.tensors, model.dense.seed)),
    );
  if (model.vocab) await fsp.writeFile(path.join(dir, 'vocab.txt'), `${model.vocab.join('\n')}\n`);
  return dir;
}

before(async () => {
  root = await fsp.mkdtemp(path.join(os.tmpdir(), 'smysl-import-'));
  cache = await fsp.mkdtemp(path.join(os.tmpdir(), 'smysl-cache-'));
  process.env.XDG_CACHE_HOME = cache;
  folders.xlmr = await writeFolder('tiny-e5-xlmr', golden.models.xlmr);
  await fsp.copyFile(path.join(goldenDir, 'xlmr-tokenizer.json'), path.join(folders.xlmr, 'tokenizer.json'));
  folders.labse = await writeFolder('tiny-labse', golden.models.labse);
  folders.bin = await writeFolder('tiny-bin', golden.models.bin);
  await fsp.copyFile(
    path.join(goldenDir, 'bin-pytorch_model.bin'),
    path.join(folders.bin, 'pytorch_model.bin'),
  );
  await fsp.copyFile(
    path.join(goldenDir, 'bin-dense-pytorch_model.bin'),
    path.join(folders.bin, '2_Dense', 'pytorch_model.bin'),
  );
});
after(async () => {
  await fsp.rm(root, { recursive: true, force: true });
  await fsp.rm(cache, { recursive: true, force: true });
});

function assertClose(got: ArrayLike<number>, want: number[], tol: number, what: string) {
  assert.equal(got.length, want.length, `${what}: dimensions`);
  for (let i = 0; i < want.length; i++)
    assert.ok(Math.abs(got[i] - want[i]) < tol, `${what}[${i}]: ${got[i]} vs ${want[i]}`);
}

const rowOf = (m: { dim: number; data: Float32Array }, i: number) =>
  m.data.subarray(i * m.dim, (i + 1) * m.dim);

test('XLM-R (e5-shaped): import by folder name; ids equal sentencepiece, vectors equal PyTorch to 1e-4 for plain, query and passage', async () => {
  const model = golden.models.xlmr;
  const source = await importModel(folders.xlmr);
  assert.equal(source.name, 'tiny-e5-xlmr');
  assert.deepEqual(source.defaults, {
    pooling: 'mean',
    normalize: true,
    maxLength: 32,
    prompts: { query: 'query: ', document: 'passage: ' },
  });
  const embedder = await TransformerEmbedder.create({ model: 'tiny-e5-xlmr', threads: 1, log: () => {} });
  assert.equal(embedder.dim, 16);
  const texts = model.sentences.map((s) => s.text);
  for (const [role, prompt] of [
    ['plain', ''],
    ['query', 'query: '],
    ['document', 'passage: '],
  ] as const) {
    for (const s of model.sentences) {
      const want = s[role] as Vector;
      const pieces = Array.from(embedder.tokenizer.encodePieces(prompt + s.text).ids).slice(0, 30);
      assert.deepEqual(
        [embedder.tokenizer.clsId, ...pieces, embedder.tokenizer.sepId],
        want.ids,
        `${role}: ${s.text}`,
      );
    }
    const m =
      role === 'plain'
        ? await embedder.embed(texts)
        : role === 'query'
          ? await embedder.embedQueries(texts)
          : await embedFor(embedder, texts, 'document');
    model.sentences.forEach((s, i) => {
      assertClose(rowOf(m, i), (s[role] as Vector).vector, 1e-4, `${role} ${i}`);
    });
  }
  // The long sentence really was cut to max_seq_length.
  assert.equal(model.sentences[model.sentences.length - 1].plain?.ids.length, 32);
  await embedder.dispose();

  // int8 runs the same offset positions through the quantized graph.
  const int8 = await TransformerEmbedder.create({
    model: 'tiny-e5-xlmr',
    dtype: 'int8',
    threads: 1,
    log: () => {},
  });
  const q = await int8.embedQueries(texts);
  model.sentences.forEach((s, i) => {
    let dot = 0;
    const row = rowOf(q, i);
    for (let j = 0; j < 16; j++) dot += row[j] * (s.query as Vector).vector[j];
    assert.ok(dot > 0.97, `int8 vs fp32 cosine ${dot}`);
  });
  await int8.dispose();
});

test('LaBSE-shaped BERT (CLS + Dense tanh + Normalize, 12 tokens): from the folder and after import, equal to PyTorch to 1e-4', async () => {
  const model = golden.models.labse;
  const direct = await TransformerEmbedder.create({ model: folders.labse, threads: 1, log: () => {} });
  assert.equal(direct.dim, 12);
  assert.equal(direct.hiddenSize, 16);
  assert.equal(direct.maxLength, 12);
  for (const s of model.sentences)
    assert.deepEqual(
      [2, ...Array.from(direct.tokenizer.encodePieces(s.text).ids).slice(0, 10), 3],
      s.ids,
      s.text,
    );
  const texts = model.sentences.map((s) => s.text);
  const a = await direct.embed(texts);
  // No prompts: queries and documents are embedded alike.
  assert.deepEqual(Array.from((await direct.embedQueries(texts)).data), Array.from(a.data));
  model.sentences.forEach((s, i) => {
    assertClose(rowOf(a, i), s.vector as number[], 1e-4, `direct ${i}`);
  });
  await direct.dispose();

  await importModel(folders.labse, { name: 'labse-tiny' });
  const imported = await TransformerEmbedder.create({ model: 'labse-tiny', threads: 1, log: () => {} });
  const b = await imported.embed(texts);
  model.sentences.forEach((s, i) => {
    assertClose(rowOf(b, i), s.vector as number[], 1e-4, `imported ${i}`);
  });
  // The manifest keeps what the embedder needs; a saved embedder reloads the same.
  const saved = path.join(root, 'saved-labse');
  await imported.save(saved);
  const again = await TransformerEmbedder.load(saved, { threads: 1, log: () => {} });
  assert.deepEqual(Array.from((await again.embed(texts)).data), Array.from(b.data));
  await again.dispose();
  await imported.dispose();
  const listed = (await listModels()).find((m) => m.name === 'labse-tiny');
  assert.equal(listed?.dim, 12);
  assert.equal(listed?.hiddenSize, 16);
  assert.deepEqual((await fsp.readdir(path.join(cache, 'smysl', 'models', 'labse-tiny'))).sort(), [
    'config.json',
    'dense_0.safetensors',
    'model.json',
    'model.safetensors',
    'vocab.txt',
  ]);
});

test('pytorch_model.bin only (zip, with a Parameter, strided, int64 and fp16 tensors) + legacy-format Dense: max pooling, lowercasing', async () => {
  const model = golden.models.bin;
  const source = await importModel(folders.bin, { name: 'bin-tiny' });
  assert.equal(path.basename(source.weightsFile), 'model.safetensors');
  assert.deepEqual(source.defaults, { pooling: 'max', normalize: false, maxLength: 16, lowercase: true });
  const embedder = await TransformerEmbedder.create({ model: 'bin-tiny', threads: 1, log: () => {} });
  assert.equal(embedder.dim, 8);
  const m = await embedder.embed(model.sentences.map((s) => s.text));
  model.sentences.forEach((s, i) => {
    assertClose(rowOf(m, i), s.vector as number[], 1e-4, `bin ${i}`);
  });
  await embedder.dispose();
  // Straight from the folder (no conversion) gives the same vectors.
  const direct = await TransformerEmbedder.create({ model: folders.bin, threads: 1, log: () => {} });
  const d = await direct.embed(model.sentences.map((s) => s.text));
  model.sentences.forEach((s, i) => {
    assertClose(rowOf(d, i), s.vector as number[], 1e-4, `bin direct ${i}`);
  });
  await direct.dispose();
});

test('the pickle reader rebuilds torch tensors exactly and refuses every global outside a state dict', async () => {
  const tensors = parsePytorchStateDict(
    new Uint8Array(await fsp.readFile(path.join(goldenDir, 'bin-pytorch_model.bin'))),
  );
  assert.deepEqual(Array.from(tensors.get('bert.embeddings.position_ids')?.data ?? []), [
    ...Array(16).keys(),
  ]);
  assert.deepEqual(tensors.get('bert.embeddings.position_ids')?.shape, [1, 16]);
  assert.ok(tensors.get('bert.pooler.dense.weight')?.data.every((v) => v === 1));
  // Same PRNG stream as the script: every tensor, the strided (column-major) one and the
  // Parameter included, comes back bit for bit.
  const pickled = golden.models.bin.pickled as { seed: number; tensors: Spec };
  for (const [name, t] of generate(pickled.tensors, pickled.seed)) {
    assert.deepEqual(tensors.get(name)?.shape, t.shape, name);
    assert.deepEqual(Array.from(tensors.get(name)?.data ?? []), Array.from(t.data), name);
  }
  const legacy = parsePytorchStateDict(
    new Uint8Array(await fsp.readFile(path.join(goldenDir, 'bin-dense-pytorch_model.bin'))),
  );
  assert.deepEqual([...legacy.keys()], ['linear.weight']);
  assert.deepEqual(legacy.get('linear.weight')?.shape, [8, 12]);
  const want = generate([['linear.weight', [8, 12], 0.5, 0]], 304).get('linear.weight')?.data;
  assert.deepEqual(Array.from(legacy.get('linear.weight')?.data ?? []), Array.from(want ?? []));

  // A pickle that would run os.system("echo pwned") under Python's pickle.
  const evil = Uint8Array.from([
    0x80,
    0x02,
    0x63,
    ...Buffer.from('os\nsystem\n'),
    0x58,
    10,
    0,
    0,
    0,
    ...Buffer.from('echo pwned'),
    0x85,
    0x52,
    0x2e,
  ]);
  const zip = storedZip({ 'archive/data.pkl': evil, 'archive/version': Buffer.from('3\n') });
  assert.throws(() => parsePytorchStateDict(zip, 'evil.bin'), /evil\.bin.*refers to os\.system.*refusing/);
  assert.throws(() => parsePytorchStateDict(Uint8Array.from([1, 2, 3, 4]), 'junk.bin'), { code: 'E_FORMAT' });
});

/** A minimal zip (stored entries) for hand-made checkpoints. */
function storedZip(files: Record<string, Uint8Array>): Uint8Array {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, data] of Object.entries(files)) {
    const n = Buffer.from(name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(n.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(n.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, n, Buffer.from(data));
    centrals.push(central, n);
    offset += 30 + n.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(files).length, 8);
  end.writeUInt16LE(Object.keys(files).length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return new Uint8Array(Buffer.concat([...locals, directory, end]));
}

test('wrong or unsupported configs fail naming the file and the field', async () => {
  const variant = async (name: string, edit: (dir: string) => Promise<void>) => {
    const dir = path.join(root, name);
    await fsp.cp(folders.labse, dir, { recursive: true });
    await edit(dir);
    return dir;
  };
  const setJson = (dir: string, file: string, patch: Record<string, unknown>) =>
    fsp
      .readFile(path.join(dir, file), 'utf8')
      .then((t) => fsp.writeFile(path.join(dir, file), JSON.stringify({ ...JSON.parse(t), ...patch })));
  const cases: [string, (dir: string) => Promise<void>, RegExp][] = [
    [
      'bad-pooling',
      (d) =>
        setJson(d, '1_Pooling/config.json', {
          pooling_mode_cls_token: false,
          pooling_mode_mean_sqrt_len_tokens: true,
        }),
      /1_Pooling\/config\.json: "pooling_mode_mean_sqrt_len_tokens" is not supported/,
    ],
    [
      'two-poolings',
      (d) => setJson(d, '1_Pooling/config.json', { pooling_mode_mean_tokens: true }),
      /1_Pooling\/config\.json: "pooling_mode_cls_token" and "pooling_mode_mean_tokens" are all on/,
    ],
    [
      'bad-activation',
      (d) =>
        setJson(d, '2_Dense/config.json', { activation_function: 'torch.nn.modules.activation.Softplus' }),
      /2_Dense\/config\.json: "activation_function" "torch\.nn\.modules\.activation\.Softplus" is not supported/,
    ],
    [
      'bad-dense-width',
      (d) => setJson(d, '2_Dense/config.json', { in_features: 15 }),
      /2_Dense\/config\.json: "in_features" is 15 but the vectors reaching this Dense layer have 16/,
    ],
    [
      'bad-model-type',
      (d) => setJson(d, 'config.json', { model_type: 'distilbert' }),
      /config\.json: "model_type" is "distilbert"/,
    ],
    [
      'bad-module',
      async (d) => {
        const modules = JSON.parse(await fsp.readFile(path.join(d, 'modules.json'), 'utf8'));
        modules[2].type = 'sentence_transformers.models.LayerNorm';
        await fsp.writeFile(path.join(d, 'modules.json'), JSON.stringify(modules));
      },
      /modules\.json: module 2 has "type" "sentence_transformers\.models\.LayerNorm"/,
    ],
    [
      'bad-max-length',
      (d) => setJson(d, 'sentence_bert_config.json', { max_seq_length: 'long' }),
      /sentence_bert_config\.json: "max_seq_length" must be an integer/,
    ],
    [
      'bad-default-prompt',
      (d) =>
        fsp.writeFile(
          path.join(d, 'config_sentence_transformers.json'),
          JSON.stringify({ prompts: { query: 'query: ' }, default_prompt_name: 'passage' }),
        ),
      /config_sentence_transformers\.json: "default_prompt_name" "passage" names no entry of "prompts"/,
    ],
    [
      'bad-dense-tensor',
      (d) =>
        fsp.writeFile(
          path.join(d, '2_Dense', 'model.safetensors'),
          encodeSafetensors({ 'linear.weight': { shape: [12, 15], data: new Float32Array(180) } }),
        ),
      /2_Dense\/model\.safetensors: tensor "linear\.weight" has shape \[12,15\]/,
    ],
  ];
  for (const [name, edit, message] of cases) {
    const dir = await variant(name, edit);
    await assert.rejects(importModel(dir), message, name);
  }
});

test('default prompt: role-less texts get it; a role without a prompt falls back to it', async () => {
  const dir = path.join(root, 'default-prompt');
  await fsp.cp(folders.xlmr, dir, { recursive: true });
  await fsp.writeFile(
    path.join(dir, 'config_sentence_transformers.json'),
    JSON.stringify({
      prompts: { query: 'query: ', passage: 'passage: ', classification: 'query: ' },
      default_prompt_name: 'classification',
    }),
  );
  const e = await TransformerEmbedder.create({ model: dir, threads: 1, log: () => {} });
  assert.deepEqual(e.prompts, { query: 'query: ', document: 'passage: ', default: 'query: ' });
  const s = golden.models.xlmr.sentences[0];
  assertClose((await e.embed([s.text])).data, (s.query as Vector).vector, 1e-4, 'default prompt');
  await e.dispose();
  // Options override the folder's prompts ("" = none).
  const plain = await TransformerEmbedder.create({
    model: dir,
    threads: 1,
    log: () => {},
    prompts: { default: '', query: '' },
  });
  assertClose((await plain.embedQueries([s.text])).data, (s.plain as Vector).vector, 1e-4, 'prompt off');
  await plain.dispose();
});

test('CLI: model import without --name, prompts from flags, list shows type and dim', async () => {
  const bin = fileURLToPath(new URL('../../../src/cli/main.js', import.meta.url));
  const env = { ...process.env, XDG_CACHE_HOME: path.join(root, 'cli-cache') };
  const smysl = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env });
  const dir = path.join(root, 'plain-xlmr');
  await fsp.mkdir(dir);
  for (const f of ['config.json', 'model.safetensors', 'tokenizer.json'])
    await fsp.copyFile(path.join(folders.xlmr, f), path.join(dir, f));
  let r = smysl(
    'model',
    'import',
    dir,
    '--query-prompt',
    'query: ',
    '--document-prompt',
    'passage: ',
    '--json',
    '--quiet',
  );
  assert.equal(r.status, 0, r.stderr);
  const info = JSON.parse(r.stdout);
  assert.equal(info.name, 'plain-xlmr');
  assert.equal(info.modelType, 'xlm-roberta');
  // No modules.json: mean pooling, normalized, capped by the position table (34 - 2).
  assert.deepEqual(info.defaults, {
    pooling: 'mean',
    normalize: true,
    maxLength: 32,
    prompts: { query: 'query: ', document: 'passage: ' },
  });
  r = smysl('model', 'list');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /plain-xlmr\s+xlm-roberta\s+2\s+16\s+mean/);
  r = smysl('model', 'import', folders.labse, '--name', 'bad name');
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /model name "bad name"/);
  const e = await TransformerEmbedder.create({ model: dir, threads: 1, log: () => {} });
  assert.deepEqual(e.prompts, {});
  await e.dispose();
  assert.deepEqual((await resolveModel('minilm')).dense, []);
});

test('texts of a role: smysl embed --role, embedFor and POST /v1/embeddings {role} put the prompt first (tiny e5 equal to PyTorch)', async () => {
  const model = golden.models.xlmr;
  const texts = model.sentences.map((s) => s.text);
  const bin = fileURLToPath(new URL('../../../src/cli/main.js', import.meta.url));
  const env = { ...process.env, XDG_CACHE_HOME: cache };
  const vectorsOf = (role?: 'query' | 'document') => {
    const args = [
      'embed',
      ...texts.flatMap((t) => ['--text', t]),
      '--embedder',
      folders.xlmr,
      '--json',
      '--quiet',
    ];
    if (role) args.push('--role', role);
    const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { role?: string; rows: { vector: number[] }[] };
    assert.equal(out.role, role);
    return out.rows.map((row) => row.vector);
  };
  for (const role of ['query', 'document', undefined] as const) {
    const rows = vectorsOf(role);
    model.sentences.forEach((s, i) => {
      assertClose(rows[i], (s[role ?? 'plain'] as Vector).vector, 1e-4, `embed --role ${role} ${i}`);
    });
  }
  const bad = spawnSync(process.execPath, [bin, 'embed', '--text', 'x', '--role', 'passage'], {
    encoding: 'utf8',
    env,
  });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--role.*query, document/);
  const sparse = spawnSync(
    process.execPath,
    [
      bin,
      'embed',
      '--text',
      'x',
      '--embedder',
      'tfidf',
      '--role',
      'query',
      '--out',
      path.join(root, 'x.mtx'),
    ],
    { encoding: 'utf8', env },
  );
  assert.equal(sparse.status, 2);
  assert.match(sparse.stderr, /--role applies to transformer models only/);

  const embedder = await TransformerEmbedder.create({ model: folders.xlmr, threads: 1, log: () => {} });
  try {
    const { embedFor: rootEmbedFor } = await import('../../../src/index.js');
    const q = await rootEmbedFor(embedder, texts, 'query');
    model.sentences.forEach((s, i) => {
      assertClose(rowOf(q, i), (s.query as Vector).vector, 1e-4, `embedFor query ${i}`);
    });
    const { createApp } = await import('../../../src/server/app.js');
    const { transformerModel } = await import('../../../src/server/backends.js');
    const { app } = createApp({ models: { e5: async () => transformerModel('e5', embedder) } });
    const post = async (body: object) => {
      const r = await app.request('/v1/embeddings', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return {
        status: r.status,
        body: (await r.json()) as { data: { embedding: number[] }[]; error?: { message: string } },
      };
    };
    // one request per role at once: the batcher must not mix "query: " and "passage: " texts
    const [asDocuments, asQueries, plain] = await Promise.all([
      post({ model: 'e5', input: texts, role: 'document' }),
      post({ model: 'e5', input: texts, role: 'query' }),
      post({ model: 'e5', input: texts }),
    ]);
    for (const [r, role] of [
      [asDocuments, 'document'],
      [asQueries, 'query'],
      [plain, 'plain'],
    ] as const) {
      assert.equal(r.status, 200, JSON.stringify(r.body));
      model.sentences.forEach((s, i) => {
        assertClose(r.body.data[i].embedding, (s[role] as Vector).vector, 1e-4, `HTTP ${role} ${i}`);
      });
    }
    const wrong = await post({ model: 'e5', input: 'x', role: 'passage' });
    assert.equal(wrong.status, 400);
    assert.match(wrong.body.error?.message ?? '', /role/);
  } finally {
    await embedder.dispose();
  }
});

test('an encoder above the one-file limit is built with external data: the same hidden states, and a folder of ONNX files alone is refused by name', async () => {
  const source = await resolveModel(folders.xlmr);
  const single = await ensureEncoderFile(source, 'fp32', () => {});
  const lines: string[] = [];
  const split = await ensureEncoderFile(source, 'fp32', (l) => lines.push(l), 0);
  assert.equal(split.built, true);
  assert.notEqual(split.file, single.file);
  assert.match(lines.join('\n'), /external data/);
  const dataFile = `${split.file}.data`;
  const [singleSize, modelSize, dataSize] = await Promise.all(
    [single.file, split.file, dataFile].map(async (f) => (await fsp.stat(f)).size),
  );
  // the weights moved out: the graph file keeps only small tensors, the data file the rest
  assert.ok(modelSize < singleSize / 4, `model ${modelSize} of ${singleSize} bytes`);
  assert.ok(modelSize + dataSize >= singleSize * 0.9, `data ${dataSize}, model ${modelSize}`);
  assert.equal((await ensureEncoderFile(source, 'fp32', () => {}, 0)).built, false);
  const { EncoderSession } = await import('../../../src/embed/transformer/encoder.js');
  const h = split.config.hiddenSize;
  const layers = split.config.numHiddenLayers;
  const ids = BigInt64Array.from([0n, 5n, 9n, 17n, 2n, 0n, 11n, 2n, 1n, 1n]);
  const mask = BigInt64Array.from([1n, 1n, 1n, 1n, 1n, 1n, 1n, 1n, 0n, 0n]);
  const batch = { rows: 2, length: 5, ids, mask };
  const a = await EncoderSession.create(single.file, h, layers, { threads: 1 });
  const b = await EncoderSession.create(split.file, h, layers, { threads: 1 });
  const [x] = await a.run(batch);
  const [y] = await b.run(batch);
  assert.equal(x.length, 2 * 5 * h);
  assert.deepEqual(Array.from(y), Array.from(x));
  await a.release();
  await b.release();
  // the WebAssembly fallback is given the data file's bytes: the same states
  const encoderModule = fileURLToPath(new URL('../../../src/embed/transformer/encoder.js', import.meta.url));
  const script = `
    const { EncoderSession } = await import(${JSON.stringify(encoderModule)});
    const s = await EncoderSession.create(${JSON.stringify(split.file)}, ${h}, ${layers}, { threads: 1, log: () => {} });
    const [z] = await s.run({ rows: 2, length: 5, ids: BigInt64Array.from(${JSON.stringify(Array.from(ids, Number))}, BigInt), mask: BigInt64Array.from(${JSON.stringify(Array.from(mask, Number))}, BigInt) });
    console.log(JSON.stringify(Array.from(z)));`;
  const wasm = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, SMYSL_ONNXRUNTIME: 'wasm' },
  });
  assert.equal(wasm.status, 0, wasm.stderr);
  const z = JSON.parse(wasm.stdout) as number[];
  assert.equal(z.length, x.length);
  for (let i = 0; i < z.length; i++) assert.ok(Math.abs(z[i] - x[i]) < 1e-5, `wasm ${i}: ${z[i]} vs ${x[i]}`);

  // An export folder (model.onnx + its external data, no PyTorch weights) names what it lacks.
  const dir = path.join(root, 'onnx-export');
  await fsp.mkdir(dir);
  for (const f of ['config.json', 'tokenizer.json'])
    await fsp.copyFile(path.join(folders.xlmr, f), path.join(dir, f));
  await fsp.copyFile(split.file, path.join(dir, 'model.onnx'));
  await fsp.copyFile(dataFile, path.join(dir, path.basename(dataFile)));
  await assert.rejects(
    importModel(dir),
    /no weights .*; model\.onnx, .*\.onnx\.data is not read: .*model\.safetensors or pytorch_model\.bin/,
  );
});

test('a model too big for one ONNX file in fp32 is planned with external data before its weights are read', async () => {
  const dir = path.join(root, 'huge');
  await fsp.mkdir(dir);
  // multilingual-e5-large's shape: 560 M parameters, 2.1 GiB in fp32.
  const config = {
    model_type: 'xlm-roberta',
    vocab_size: 250002,
    hidden_size: 1024,
    num_hidden_layers: 24,
    num_attention_heads: 16,
    intermediate_size: 4096,
    max_position_embeddings: 514,
    type_vocab_size: 1,
    pad_token_id: 1,
  };
  await fsp.writeFile(path.join(dir, 'config.json'), JSON.stringify(config));
  await fsp.writeFile(path.join(dir, 'model.safetensors'), 'not read');
  await fsp.copyFile(path.join(folders.xlmr, 'tokenizer.json'), path.join(dir, 'tokenizer.json'));
  const source = await resolveModel(dir);
  const lines: string[] = [];
  // fp32 goes to external data (said before the weights are read, and they are not safetensors)
  await assert.rejects(
    ensureEncoderFile(source, 'fp32', (l) => lines.push(l)),
    /not a valid safetensors file/,
  );
  assert.match(lines.join('\n'), /-external\.onnx \+ .*\.onnx\.data \(external data: 2\.\d\d GiB\)/);
  // int8 fits one file.
  lines.length = 0;
  await assert.rejects(
    ensureEncoderFile(source, 'int8', (l) => lines.push(l)),
    /not a valid safetensors file/,
  );
  assert.doesNotMatch(lines.join('\n'), /external/);
});

test('the built ONNX encoder is cached by content: a copy of the model elsewhere reuses it, changed weights do not', async () => {
  const copy = path.join(root, 'elsewhere', 'tiny-labse');
  await fsp.cp(folders.labse, copy, { recursive: true });
  const first = await ensureEncoderFile(await resolveModel(folders.labse), 'int8', () => {});
  const again = await ensureEncoderFile(await resolveModel(copy), 'int8', () => {});
  assert.equal(again.file, first.file, 'same model, other folder: same build');
  assert.equal(again.built, false);
  // one byte of the last tensor changed, size unchanged
  const weights = path.join(copy, 'model.safetensors');
  const bytes = await fsp.readFile(weights);
  bytes[bytes.length - 1] ^= 1;
  await fsp.writeFile(weights, bytes);
  const changed = await ensureEncoderFile(await resolveModel(copy), 'int8', () => {});
  assert.notEqual(changed.file, first.file);
  assert.equal(changed.built, true);
});
