import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { TrigramEmbedder } from '../../src/embed/trigram.js';
import { tokenCounterOf } from '../../src/embed/types.js';
import { chunkText } from '../../src/store/chunk.js';
import { Collection } from '../../src/store/collection.js';
import { tokenize } from '../../src/text/tokenize.js';

/**
 * A stand-in for an encoder's word pieces that, like MiniLM's English vocabulary on Russian,
 * makes many more pieces of a Cyrillic word than of a Latin one: a Cyrillic word is one piece
 * per two letters, anything else one piece per token (punctuation included).
 */
function pieces(text: string): number {
  let n = 0;
  for (const t of tokenize(text, { punctuation: true }))
    n += /[\u0400-\u04FF]/.test(t.text) ? Math.ceil(t.text.length / 2) : 1;
  return n;
}

const russian =
  'Анна Павловна кашляла несколько дней. У нее был грипп, как она говорила. ' +
  'Грипп был тогда новое слово, употреблявшееся только редкими. ' +
  'В записочках, разосланных утром с красным лакеем, было написано без различия во всех одно и то же.';

test('chunks in encoder pieces: sentence-aligned, with overlap, never over the budget', () => {
  const spans = chunkText(russian, { maxTokens: 50, overlapTokens: 18, countTokens: pieces });
  const texts = spans.map((s) => russian.slice(s.start, s.end));
  for (const t of texts) assert.ok(pieces(t) <= 50, `${pieces(t)} pieces: ${t}`);
  // whole sentences: every chunk starts at a sentence start and ends with one's full stop
  for (const t of texts) assert.match(t, /^[А-ЯA-Z].*\.$/s);
  // 18+18 | 18+31 | 46 pieces: the second chunk repeats sentence 2 (it fits the 18-piece
  // overlap), the third cannot repeat sentence 3 (31 pieces); together they cover the text
  assert.deepEqual(
    texts.map((t) => pieces(t)),
    [36, 49, 46],
  );
  assert.equal(spans[1].start, texts[0].indexOf('У нее'));
  assert.equal(spans[0].start, 0);
  assert.equal(spans.at(-1)!.end, russian.length);
  for (let i = 1; i < spans.length; i++) assert.ok(spans[i].start <= spans[i - 1].end + 1);
  // counted in words, the same budget would let a chunk hold far more pieces than the encoder reads
  const byWords = chunkText(russian, { maxTokens: 50, overlapTokens: 18 }).map((s) =>
    pieces(russian.slice(s.start, s.end)),
  );
  assert.ok(Math.max(...byWords) > 50, `word chunks hold ${Math.max(...byWords)} pieces`);
});

test('a sentence longer than the budget is cut into word windows; one huge word by characters', () => {
  const long = Array.from({ length: 60 }, (_, i) => `слово${i}`).join(' ');
  const spans = chunkText(long, { maxTokens: 25, overlapTokens: 5, countTokens: pieces });
  assert.ok(spans.length >= 4);
  for (const s of spans) assert.ok(pieces(long.slice(s.start, s.end)) <= 25);
  assert.ok(long.slice(spans.at(-1)!.start, spans.at(-1)!.end).endsWith('слово59'));
  const blob = 'а'.repeat(300);
  const cut = chunkText(blob, { maxTokens: 20, overlapTokens: 0, countTokens: pieces });
  for (const s of cut) assert.ok(pieces(blob.slice(s.start, s.end)) <= 20);
  assert.equal(cut.map((s) => blob.slice(s.start, s.end)).join(''), blob);
});

test('a collection chunks by its encoder: unit "encoder", budget capped at what the encoder reads', async () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'smysl-chunk-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  // trigram vectors with a piece counter and a 30-piece reading limit, like a small transformer
  const embedder = Object.assign(new TrigramEmbedder({ dim: 32 }), {
    countTokens: pieces,
    maxTextTokens: 30,
  });
  assert.ok(tokenCounterOf(embedder));
  const c = await Collection.create(path.join(root, 'c'), { embedder, chunking: { maxTokens: 256 } });
  assert.equal(c.manifest.chunking.unit, 'encoder');
  await c.add([{ id: 'wp', text: russian, meta: {} }]);
  const expected = chunkText(russian, { maxTokens: 30, overlapTokens: 32, countTokens: pieces });
  assert.equal((await c.stats()).chunks, expected.length);
  assert.ok(expected.length > 1);
  await c.close();
  // an embedder without a counter keeps word chunks
  const plain = await Collection.create(path.join(root, 'w'), { embedder: new TrigramEmbedder({ dim: 32 }) });
  assert.equal(plain.manifest.chunking.unit, 'words');
  await plain.close();
});
