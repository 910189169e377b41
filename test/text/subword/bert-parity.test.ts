import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Tokenizer, type WordPieceModel } from '../../../src/text/subword/index.js';
import { bertFoldChar, isBertRemoved } from '../../../src/text/subword/normalizers.js';
import { MINILM_TOKENIZER, realSentences, referenceTokenizer, TRICKY_TEXTS } from './helpers.js';

test('MiniLM WordPiece: ids identical to @huggingface/transformers on real and tricky text', async (t) => {
  const ours = await Tokenizer.load(MINILM_TOKENIZER);
  const reference = await referenceTokenizer(MINILM_TOKENIZER);
  const real = realSentences();
  if (real.length === 0) t.diagnostic('../shared/data absent: only the hand-made cases are checked');
  const texts = [...TRICKY_TEXTS, ...real];
  let mismatches = 0;
  for (const text of texts) {
    const expected = reference(text);
    const got = ours.encode(text).ids;
    if (JSON.stringify(expected) !== JSON.stringify(got)) {
      mismatches++;
      if (mismatches <= 3) assert.deepEqual(got, expected, `text: ${JSON.stringify(text)}`);
    }
  }
  assert.equal(mismatches, 0);
  assert.ok(texts.length > (real.length ? 3000 : 10), `checked ${texts.length} texts`);
  // Pairs: [CLS] A [SEP] B [SEP] with type ids 0… then 1…
  const pair = ours.encode('How old are you?', { pair: 'Сколько тебе лет?' });
  assert.deepEqual(pair.ids, reference('How old are you?', 'Сколько тебе лет?'));
  const firstSep = pair.tokens.indexOf('[SEP]');
  assert.deepEqual(
    pair.typeIds,
    pair.ids.map((_, i) => (i <= firstSep ? 0 : 1)),
  );
});

test('MiniLM WordPiece: offsets point at the original characters of each piece', async () => {
  const ours = await Tokenizer.load(MINILM_TOKENIZER);
  const fold = (s: string) =>
    [...s]
      .filter((c) => !isBertRemoved(c.codePointAt(0)!))
      .map((c) => bertFoldChar(c, true, true))
      .join('');
  let checked = 0;
  for (const text of [...TRICKY_TEXTS, ...realSentences(100)]) {
    const e = ours.encode(text);
    for (let i = 0; i < e.ids.length; i++) {
      const [start, end] = e.offsets[i];
      assert.ok(start <= end && end <= text.length);
      const token = e.tokens[i];
      if (e.specialTokensMask[i] || token === '[UNK]' || token.includes('ς')) continue;
      // A piece covers exactly its characters, or (Hangul syllables split into jamo) lies inside one.
      const folded = fold(text.slice(start, end)).normalize('NFD');
      assert.ok(folded.includes(token.replace(/^##/, '')), `${JSON.stringify(text)} token ${token}`);
      checked++;
    }
  }
  assert.ok(checked > 100);
  const e = ours.encode('Café naïve');
  assert.deepEqual(e.tokens, ['[CLS]', 'cafe', 'naive', '[SEP]']);
  assert.deepEqual(e.offsets, [
    [0, 0],
    [0, 4],
    [5, 10],
    [0, 0],
  ]);
});

test('encodeBatch: padded typed arrays equal per-text encodings; truncation keeps [CLS] … [SEP]', async () => {
  const ours = await Tokenizer.load(MINILM_TOKENIZER);
  const texts = ['short one', 'a somewhat longer sentence with more words in it', 'Привет'];
  const batch = ours.encodeBatch(texts);
  assert.equal(batch.size, 3);
  const singles = texts.map((t) => ours.encode(t).ids);
  assert.equal(batch.length, Math.max(...singles.map((s) => s.length)));
  singles.forEach((ids, r) => {
    const row = Array.from(batch.ids.subarray(r * batch.length, (r + 1) * batch.length));
    assert.deepEqual(row.slice(0, ids.length), ids);
    assert.ok(row.slice(ids.length).every((id) => id === 0));
    assert.equal(batch.lengths[r], ids.length);
    const mask = Array.from(batch.attentionMask.subarray(r * batch.length, (r + 1) * batch.length));
    assert.deepEqual(
      mask,
      row.map((_, i) => (i < ids.length ? 1 : 0)),
    );
  });
  const cut = ours.encodeBatch(texts, { maxLength: 5 });
  assert.equal(cut.length, 5);
  assert.deepEqual(Array.from(cut.ids.subarray(5, 10)), [...singles[1].slice(0, 4), 102]);
  const fixed = ours.encodeBatch(['hi'], { maxLength: 8, padding: 'max_length' });
  assert.equal(fixed.length, 8);
  assert.deepEqual(Array.from(fixed.ids), [101, ours.tokenToId('hi')!, 102, 0, 0, 0, 0, 0]);
});

test('truncation with stride yields overlapping overflow windows; padding fills masks', async () => {
  const ours = await Tokenizer.load(MINILM_TOKENIZER);
  const text = 'one two three four five six seven eight nine ten';
  const e = ours.encode(text, { truncation: { maxLength: 6, stride: 1 }, padding: { length: 6, padId: 0 } });
  const windows = [e, ...e.overflowing].map((w) => w.tokens);
  assert.deepEqual(windows, [
    ['[CLS]', 'one', 'two', 'three', 'four', '[SEP]'],
    ['[CLS]', 'four', 'five', 'six', 'seven', '[SEP]'],
    ['[CLS]', 'seven', 'eight', 'nine', 'ten', '[SEP]'],
  ]);
  const short = ours.encode('hi there', { padding: { length: 6 } });
  assert.deepEqual(short.attentionMask, [1, 1, 1, 1, 0, 0]);
  const pair = ours.encode('a b c d e f', { pair: 'x y', truncation: { maxLength: 8 } });
  assert.deepEqual(pair.tokens, ['[CLS]', 'a', 'b', 'c', '[SEP]', 'x', 'y', '[SEP]']);
});

test('decode undoes WordPiece', async () => {
  const ours = await Tokenizer.load(MINILM_TOKENIZER);
  const e = ours.encode("Tokenization isn't hard, is it?");
  assert.equal(ours.decode(e.ids), "tokenization isn ' t hard, is it?");
  assert.equal(ours.decode(e.ids, { cleanUpTokenizationSpaces: true }), "tokenization isn't hard, is it?");
  assert.equal(
    ours.decode(e.ids, { skipSpecialTokens: false }),
    "[CLS] tokenization isn ' t hard, is it? [SEP]",
  );
});

test('WordPiece trie lookup agrees with the substring statement of greedy longest match', async () => {
  const ours = await Tokenizer.load(MINILM_TOKENIZER);
  const model = ours.model as WordPieceModel;
  const words = new Set(
    [...TRICKY_TEXTS, ...realSentences(50)]
      .join(' ')
      .toLowerCase()
      .split(/[\s\p{P}]+/u),
  );
  words.add('𠀋𠀋x');
  words.add('a\ud800');
  // made-up compounds, so the tries are reached even without ../shared/data's sentences
  const parts = [
    ['pre', 'un', 're', 'over'],
    ['play', 'form', 'count', 'light'],
    ['ing', 'ed', 'able', 'ness'],
  ];
  for (let i = 0; i < 300; i++)
    words.add(`${parts[0][i % 4]}${parts[1][(i >> 2) % 4]}${parts[2][(i >> 4) % 4]}${i}`);
  for (const w of words) {
    const bySubstrings = model.tokenizeBySubstrings(w);
    assert.deepEqual(model.tokenizeByTrie(w), bySubstrings, w);
    // the first words go by substrings, later ones (and cache hits) by the tries
    assert.deepEqual(model.tokenizeWord(w), bySubstrings, w);
  }
  assert.ok(words.size > 256, 'enough words to reach the tries through tokenizeWord');
});
