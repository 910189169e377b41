import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  AlignedString,
  BertNormalizer,
  ByteLevelDecoder,
  ByteLevelPreTokenizer,
  MetaspaceDecoder,
  MetaspacePreTokenizer,
  Tokenizer,
  UnicodeNormalizer,
  WordPieceDecoder,
} from '../../../src/text/subword/index.js';

test('NFKC keeps offsets into the original: ligature ﬁ becomes f+i, both pointing at ﬁ', () => {
  const s = new UnicodeNormalizer('NFKC').normalize(AlignedString.from('a ﬁx ①'));
  assert.equal(s.text, 'a fix 1');
  assert.deepEqual(s.span(2, 3), [2, 3]);
  assert.deepEqual(s.span(3, 4), [2, 3]);
  assert.deepEqual(s.span(4, 5), [3, 4]);
  assert.deepEqual(s.span(6, 7), [5, 6]);
});

test('BERT normalizer: clean text, CJK spacing, lowercase and accents, final sigma', () => {
  const n = new BertNormalizer();
  assert.equal(n.normalize(AlignedString.from('Ça\u0000 va\t中文 ΟΔΟΣ')).text, 'ca va  中  文  οδος');
  assert.equal(n.normalize(AlignedString.from('ΟΔΟΣ')).text, 'οδος');
  const cased = new BertNormalizer({ lowercase: false });
  assert.equal(cased.normalize(AlignedString.from('Ça va')).text, 'Ça va');
  assert.equal(new BertNormalizer({ stripAccents: false }).normalize(AlignedString.from('Ёж')).text, 'ёж');
});

test('byte-level pre-tokenizer: GPT-2 split, bytes as characters, offsets per source character', () => {
  const words = new ByteLevelPreTokenizer().split(AlignedString.from('Hi мир!'));
  assert.deepEqual(
    words.map((w) => w.text),
    ['Hi', 'ĠÐ¼Ð¸ÑĢ', '!'],
  );
  assert.deepEqual(words[1].span(1, 3), [3, 4]);
  assert.equal(new ByteLevelDecoder().decodeChain(['Hi', 'ĠÐ¼Ð¸ÑĢ', '!'], new Set()).join(''), 'Hi мир!');
});

test('metaspace pre-tokenizer and decoder', () => {
  const words = new MetaspacePreTokenizer().split(AlignedString.from('hello big world'), 0);
  assert.deepEqual(
    words.map((w) => w.text),
    ['▁hello', '▁big', '▁world'],
  );
  assert.deepEqual(words[1].span(0, 4), [5, 9]);
  assert.equal(new MetaspaceDecoder().decodeChain(['▁hello', '▁wor', 'ld']).join(''), 'hello world');
  assert.equal(
    new WordPieceDecoder().decodeChain(['un', '##believ', '##able', '!']).join(''),
    'unbelievable!',
  );
});

test('Unigram sampling through encode: valid pieces that reassemble the word', () => {
  const tokenizer = Tokenizer.fromJSON({
    model: {
      type: 'Unigram',
      unk_id: 0,
      vocab: [
        ['<unk>', 0],
        ['▁', -2],
        ['▁ab', -1],
        ['a', -2],
        ['b', -2],
        ['c', -2],
        ['▁a', -1.5],
        ['bc', -1.2],
      ],
    },
    normalizer: null,
    pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
    post_processor: null,
    decoder: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
  });
  let seed = 7;
  const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
  const seen = new Set<string>();
  for (let i = 0; i < 40; i++) {
    const e = tokenizer.encode('abc', { sampling: { alpha: 0.5, random } });
    assert.equal(e.tokens.join(''), '▁abc');
    assert.equal(tokenizer.decode(e.ids), 'abc');
    seen.add(e.tokens.join(' '));
  }
  assert.ok(seen.size >= 2);
});
