import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { AlignedString, normalizerFromJSON } from '../../../src/text/subword/normalizers.js';
import { PrecompiledNormalizer } from '../../../src/text/subword/precompiled.js';

// The charsmap of the tiny XLM-R tokenizer (test/golden/transformer_import.py): a sample of
// SentencePiece's nmt_nfkc rules compiled by the sentencepiece trainer.
const tokenizer = JSON.parse(
  readFileSync(
    fileURLToPath(new URL('../../../../test/golden/transformer-import/xlmr-tokenizer.json', import.meta.url)),
    'utf8',
  ),
);
const charsmap: string = tokenizer.normalizer.normalizers[0].precompiled_charsmap;
const normalizer = new PrecompiledNormalizer(charsmap);
const normalize = (s: string) => normalizer.normalize(AlignedString.from(s)).text;

test('Precompiled (nmt_nfkc rules): compatibility forms, odd spaces and controls, composed accents', () => {
  assert.equal(normalize('Ｔｏｋｙｏ\u3000２０２０ ﬁlm №1…'), 'Tokyo 2020 film No1...');
  assert.equal(normalize('cafe\u0301\tparis\nzero\u200bwidth\x7f!'), 'café paris zero width!');
  assert.equal(normalize('Е\u0308жик и\u0306од'), 'Ёжик йод');
  // Text the map does not touch comes back as the same object (no copy).
  const plain = AlignedString.from('Привет, мир');
  assert.equal(normalizer.normalize(plain), plain);
});

test('Precompiled keeps every output unit aligned to the original span it came from', () => {
  const out = normalizer.normalize(AlignedString.from('aﬁ\u200bЕ\u0308x'));
  assert.equal(out.text, 'afi Ёx');
  assert.deepEqual(out.starts, [0, 1, 1, 2, 3, 5]);
  assert.deepEqual(out.ends, [1, 2, 2, 3, 5, 6]);
  const deleted = normalizer.normalize(AlignedString.from('a\x7fb'));
  assert.equal(deleted.text, 'ab');
  assert.deepEqual(deleted.starts, [0, 2]);
});

test('Precompiled follows tokenizers where it differs from SentencePiece: whole grapheme clusters, shortest rule', () => {
  // "A\u0300\u0323" is one grapheme of 5 UTF-8 bytes; the map has "A\u0300" → "À" but no rule
  // for the whole cluster. tokenizers replaces the whole cluster by its shortest matching
  // prefix's replacement (dropping the dot below); SentencePiece would give "À\u0323".
  assert.equal(normalize('A\u0300\u0323'), 'À');
  // A cluster of 6 UTF-8 bytes or more is looked up code point by code point: "e" and a lone
  // U+0301 have no rule, so nothing composes (SentencePiece's longest match would give "é…").
  assert.equal(normalize('e\u0301\u0301\u0301'), 'e\u0301\u0301\u0301');
  assert.equal(normalize('e\u0301'), 'é');
});

test('Precompiled from tokenizer.json: an empty map is no normalizer; a broken one names the field', () => {
  assert.equal(normalizerFromJSON({ type: 'Precompiled', precompiled_charsmap: '' }), null);
  assert.throws(
    () => normalizerFromJSON({ type: 'Precompiled', precompiled_charsmap: 'AAAA' }),
    /"precompiled_charsmap" is not readable/,
  );
  assert.deepEqual(normalizerFromJSON({ type: 'Precompiled', precompiled_charsmap: charsmap })?.toJSON(), {
    type: 'Precompiled',
    precompiled_charsmap: charsmap,
  });
});
