import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { detectFormat, readDocuments } from '../../src/corpus/index.js';
import { isSmyslError } from '../../src/errors.js';
import { BOM, readAll, tempDir, writeFiles } from './helpers.js';

const dir = tempDir();

test('directory: sorted ids with "/", meta, BOM, other extensions counted, hidden entries ignored', async () => {
  const root = join(dir, 'tree');
  writeFiles(root, {
    'b.txt': 'Bee text.',
    'a/z.md': `${BOM}# Zed\nMarkdown body.`,
    'a.txt': 'A at the top.',
    'a/b/deep.txt': 'Deep down.',
    'notes.pdf': '%PDF-1.4',
    'data.csv': 'x,y',
    README: 'no extension',
    '.hidden.txt': 'secret',
  });
  const { docs, log } = await readAll(root);
  assert.deepEqual(
    docs.map((d) => d.id),
    ['a.txt', 'a/b/deep.txt', 'a/z.md', 'b.txt'],
  );
  assert.deepEqual(docs[1].meta, { path: 'a/b/deep.txt', dir: 'a' });
  assert.deepEqual(docs[0].meta, { path: 'a.txt', dir: '' });
  assert.equal(docs[2].text, '# Zed\nMarkdown body.');
  const s = log.summary();
  assert.equal(s.skippedTotal, 0);
  assert.deepEqual(s.ignored, {
    'extension .csv': 1,
    'extension .pdf': 1,
    'file without extension': 1,
    'hidden file or folder': 1,
  });
  assert.equal(await detectFormat(root), 'dir');
});

test('directory: binary files, invalid UTF-8 later in a file and empty files are reported and skipped', async () => {
  const root = join(dir, 'bad-tree');
  const late = Buffer.concat([
    Buffer.from('line one\nline two\nthird '),
    Buffer.from([0xff, 0xfe]),
    Buffer.from('\n'),
  ]);
  writeFiles(root, {
    'good.txt': 'Fine text.',
    'image.txt': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x00, 0x1a, 0x0a]),
    'late.txt': late,
    'empty.md': '  \n\n',
  });
  const { docs, log, problems } = await readAll(root);
  assert.deepEqual(
    docs.map((d) => d.id),
    ['good.txt'],
  );
  assert.equal(log.count('binary-file'), 1);
  assert.equal(log.count('invalid-utf8'), 1);
  assert.equal(log.count('empty-document'), 1);
  const bad = problems.find((p) => p.kind === 'invalid-utf8');
  assert.equal(bad?.line, 3);
  assert.equal(bad?.offset, Buffer.byteLength('line one\nline two\nthird '));
  assert.match(problems.find((p) => p.kind === 'binary-file')?.source ?? '', /image\.txt$/);
});

test('directory: custom extensions', async () => {
  const root = join(dir, 'ext-tree');
  writeFiles(root, { 'a.txt': 'text file', 'b.rst': 'restructured text' });
  const { docs } = await readAll(root, { extensions: ['rst'] });
  assert.deepEqual(
    docs.map((d) => d.id),
    ['b.rst'],
  );
});

test('jsonl: fields, ids (id, _id, fallback), meta, title joining, BOM, CRLF, blank lines', async () => {
  const p = join(dir, 'docs.jsonl');
  writeFiles(dir, {
    'docs.jsonl': [
      `${BOM}{"id": "d1", "text": "First.", "category": "news", "year": 2020}`,
      '{"_id": 7, "title": "Title", "text": "Body."}',
      '',
      '{"text": "No id here."}\r',
      '{"id": "d4", "text": "Fourth.", "tags": ["a", "b"]}',
    ].join('\n'),
  });
  const { docs, log } = await readAll(p);
  assert.deepEqual(
    docs.map((d) => d.id),
    ['d1', '7', 'docs.jsonl:4', 'd4'],
  );
  assert.deepEqual(docs[0].meta, { category: 'news', year: 2020 });
  assert.equal(docs[1].text, 'Body.');
  assert.deepEqual(docs[1].meta, { title: 'Title' });
  assert.equal(docs[2].text, 'No id here.');
  assert.deepEqual(log.summary().ignored, { 'blank line': 1 });
  assert.equal(log.total, 0);

  const titled = await readAll(p, { titleField: 'title' });
  assert.equal(titled.docs[1].text, 'Title\n\nBody.');
  assert.equal(titled.docs[0].text, 'First.');

  const byCategory = await readAll(p, { idField: 'category', textField: 'text' });
  assert.deepEqual(
    byCategory.docs.map((d) => d.id),
    ['news', 'docs.jsonl:2', 'docs.jsonl:4', 'docs.jsonl:5'],
  );
  assert.equal(await detectFormat(p), 'jsonl');
});

test('jsonl: broken line, non-object, missing text, invalid UTF-8, empty text and duplicate id each reported by line', async () => {
  const p = join(dir, 'bad.jsonl');
  writeFiles(dir, {
    'bad.jsonl': Buffer.concat([
      Buffer.from(
        [
          '{"id": "a", "text": "ok one"}',
          '{"id": "b", "text": "broken" ',
          '[1, 2]',
          '{"id": "c", "body": "no text field"}',
          '{"id": "d", "text": "   "}',
          '{"id": "a", "text": "same id again"}',
          '{"id": "e", "text": "bad byte ',
        ].join('\n'),
      ),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('"}\n{"id": "f", "text": "ok two"}\n'),
    ]),
  });
  const { docs, log, problems } = await readAll(p);
  assert.deepEqual(
    docs.map((d) => d.id),
    ['a', 'f'],
  );
  assert.deepEqual(
    problems.map((x) => [x.kind, x.line]),
    [
      ['malformed-json', 2],
      ['malformed-json', 3],
      ['missing-text', 4],
      ['empty-document', 5],
      ['duplicate-id', 6],
      ['invalid-utf8', 7],
    ],
  );
  assert.ok(problems.every((x) => x.source === p));
  assert.match(problems[2].reason, /no "text" field/);
  assert.equal(log.total, 6);
  assert.deepEqual(log.summary().skipped, {
    'malformed-json': 2,
    'duplicate-id': 1,
    'empty-document': 1,
    'invalid-utf8': 1,
    'missing-text': 1,
  });
});

test('strict mode: the first problem throws E_INPUT with file and line', async () => {
  const p = join(dir, 'strict.jsonl');
  writeFiles(dir, { 'strict.jsonl': '{"text": "fine"}\n{"text": \n{"text": "never reached"}\n' });
  const seen: string[] = [];
  await assert.rejects(
    async () => {
      for await (const d of readDocuments(p, { strict: true })) seen.push(d.text);
    },
    (e: unknown) => {
      assert.ok(isSmyslError(e, 'E_INPUT'));
      assert.equal(e.location?.line, 2);
      assert.match(e.message, /strict\.jsonl:2: malformed JSON/);
      return true;
    },
  );
  assert.deepEqual(seen, ['fine']);
  const dup = join(dir, 'strict-dup.jsonl');
  writeFiles(dir, { 'strict-dup.jsonl': '{"id":1,"text":"x"}\n{"id":1,"text":"y"}\n' });
  await assert.rejects(readAll(dup, { strict: true }), (e: unknown) => isSmyslError(e, 'E_INPUT'));
});

test('json: top-level array, array of strings, auto-detected key, explicit path, bad items', async () => {
  writeFiles(dir, {
    'top.json': `${BOM}[{"id": "x", "text": "Top level.", "lang": "en"}, {"text": "Second."}]`,
    'strings.json': '["one", "two", ""]',
    'wrapped.json':
      '{"version": 2, "documents": [{"id": 1, "text": "Wrapped."}, {"id": 2, "title": "no text"}]}',
    'nested.json': '{"data": {"items": [{"text": "Nested."}], "other": []}, "more": [], "extra": []}',
  });
  const top = await readAll(join(dir, 'top.json'));
  assert.deepEqual(
    top.docs.map((d) => [d.id, d.text, d.meta]),
    [
      ['x', 'Top level.', { lang: 'en' }],
      ['top.json[1]', 'Second.', {}],
    ],
  );
  const strings = await readAll(join(dir, 'strings.json'));
  assert.deepEqual(
    strings.docs.map((d) => d.id),
    ['strings.json[0]', 'strings.json[1]'],
  );
  assert.equal(strings.log.count('empty-document'), 1);
  const wrapped = await readAll(join(dir, 'wrapped.json'));
  assert.deepEqual(
    wrapped.docs.map((d) => d.id),
    ['1'],
  );
  assert.equal(wrapped.problems[0].kind, 'missing-text');
  assert.match(wrapped.problems[0].reason, /documents\[1\]/);
  const nested = await readAll(join(dir, 'nested.json'), { jsonPath: 'data.items' });
  assert.deepEqual(
    nested.docs.map((d) => d.text),
    ['Nested.'],
  );
  await assert.rejects(readAll(join(dir, 'nested.json')), (e: unknown) => {
    assert.ok(isSmyslError(e, 'E_USAGE'));
    assert.match(e.message, /json-path/);
    return true;
  });
  await assert.rejects(readAll(join(dir, 'nested.json'), { jsonPath: 'data.missing' }), (e: unknown) =>
    isSmyslError(e, 'E_USAGE'),
  );
});

test('json: malformed file and invalid UTF-8 are reported, not thrown', async () => {
  writeFiles(dir, {
    'broken.json': '[{"text": "a"},\n {"text": "b",,}]',
    'latin1.json': Buffer.concat([Buffer.from('[{"text": "caf'), Buffer.from([0xe9]), Buffer.from('"}]')]),
  });
  const broken = await readAll(join(dir, 'broken.json'));
  assert.equal(broken.docs.length, 0);
  assert.equal(broken.problems[0].kind, 'malformed-json');
  assert.equal(broken.problems[0].line, 2);
  const latin = await readAll(join(dir, 'latin1.json'));
  assert.equal(latin.docs.length, 0);
  assert.deepEqual([latin.problems[0].kind, latin.problems[0].offset], ['invalid-utf8', 14]);
});

test('csv: RFC 4180 quoting, joined text columns, id column, meta, BOM', async () => {
  const p = join(dir, 'news.csv');
  writeFiles(dir, {
    'news.csv': `${BOM}id,label,title,description\r\n1,sport,"Cup final","Goals, goals\r\nand ""more"" goals"\r\n2,world,Summit,Leaders met.\r\n3,tech,,Only a description.\r\n`,
  });
  const { docs, log } = await readAll(p, { textColumns: ['title', 'description'] });
  assert.equal(log.total, 0);
  assert.deepEqual(
    docs.map((d) => d.id),
    ['1', '2', '3'],
  );
  assert.equal(docs[0].text, 'Cup final\n\nGoals, goals\r\nand "more" goals');
  assert.deepEqual(docs[0].meta, { label: 'sport' });
  assert.equal(docs[2].text, 'Only a description.');
  await assert.rejects(readAll(p), (e: unknown) => {
    assert.ok(isSmyslError(e, 'E_USAGE'));
    assert.match(e.message, /--text-column/);
    return true;
  });
  const noId = await readAll(p, { textColumns: ['title'], idColumn: 'label' });
  assert.deepEqual(
    noId.docs.map((d) => d.id),
    ['sport', 'world'],
  );
  assert.equal(noId.log.count('empty-document'), 1);
  assert.equal(noId.problems[0].line, 5);
});

test('csv: wrong column count, invalid UTF-8 and an unclosed quote reported with their lines', async () => {
  const p = join(dir, 'bad.csv');
  writeFiles(dir, {
    'bad.csv': Buffer.concat([
      Buffer.from('text,category\n"multi\nline",a\ntoo,many,columns\nshort\nbad '),
      Buffer.from([0xff]),
      Buffer.from(',b\nfine,c\n"closed"then more,x\r\nafter,y\r\n"never closed,d\nlost,e\n'),
    ]),
  });
  const { docs, problems } = await readAll(p);
  assert.deepEqual(
    docs.map((d) => [d.id, d.text]),
    [
      ['bad.csv:2', 'multi\nline'],
      ['bad.csv:7', 'fine'],
      // relaxed quotes: a quote inside a field that is not a quoted field is kept as data
      ['bad.csv:8', '"closed"then more'],
      ['bad.csv:9', 'after'],
    ],
  );
  assert.deepEqual(
    problems.map((x) => [x.kind, x.line]),
    [
      ['wrong-column-count', 4],
      ['wrong-column-count', 5],
      ['invalid-utf8', 6],
      ['malformed-csv', 10],
    ],
  );
  assert.match(problems[0].reason, /3 columns where the header has 2/);
});

test('csv: a quote left open that swallows the next rows names every line it took', async () => {
  const p = join(dir, 'open-quote.csv');
  writeFiles(dir, {
    'open-quote.csv':
      'id,text,label\n1,"hello world,a\n2,second row,b\n3,third row,c\n4,"fourth, quoted",d\n5,fifth,e\n',
  });
  const { docs, problems } = await readAll(p);
  assert.deepEqual(
    docs.map((d) => d.id),
    ['5'],
  );
  assert.deepEqual(
    problems.map((x) => [x.kind, x.line]),
    [['malformed-csv', 2]],
  );
  assert.match(problems[0].reason, /quote opened on line 2 is not closed until line 5.*lines 2-5 skipped/);
});

test('json and jsonl: metadata nested deeper than 64 levels is reported, not stored', async () => {
  const deep = `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`;
  writeFiles(dir, {
    'deep.jsonl': `{"id":"ok","text":"fine","m":{"a":{"b":1}}}\n{"id":"deep","text":"too deep","m":${deep}}\n`,
    'deep.json': `[{"id":"ok","text":"fine"},{"id":"deep","text":"x","m":${deep}}]`,
  });
  for (const name of ['deep.jsonl', 'deep.json']) {
    const { docs, problems } = await readAll(join(dir, name));
    assert.deepEqual(
      docs.map((d) => d.id),
      ['ok'],
    );
    assert.equal(problems.length, 1);
    assert.equal(problems[0].kind, 'malformed-json');
    assert.match(problems[0].reason, /nested more than 64 levels/);
  }
});

test('tsv: tabs, no quote processing, fallback ids by line', async () => {
  const p = join(dir, 'sms.tsv');
  writeFiles(dir, { 'sms.tsv': 'label\ttext\nham\tHe said "hi\nspam\tWIN a prize!\n' });
  const { docs, log } = await readAll(p);
  assert.equal(log.total, 0);
  assert.deepEqual(
    docs.map((d) => [d.id, d.text, d.meta.label]),
    [
      ['sms.tsv:2', 'He said "hi', 'ham'],
      ['sms.tsv:3', 'WIN a prize!', 'spam'],
    ],
  );
  assert.equal(await detectFormat(p), 'tsv');
  const headerless = await readAll(p, { columnNames: ['label', 'message'], textColumns: ['message'] });
  assert.deepEqual(
    headerless.docs.map((d) => [d.id, d.text]),
    [
      ['sms.tsv:1', 'text'],
      ['sms.tsv:2', 'He said "hi'],
      ['sms.tsv:3', 'WIN a prize!'],
    ],
  );
});

test('plain text: split by line, paragraph and sentence with line numbers', async () => {
  const p = join(dir, 'story.txt');
  writeFiles(dir, {
    'story.txt': `${BOM}The sun rose. Birds sang!\r\nIt was warm.\r\n\r\n\r\nВторой абзац. Он короткий.\nLast line?\n`,
  });
  const lines = await readAll(p, { split: 'line' });
  assert.deepEqual(
    lines.docs.map((d) => [d.id, d.text]),
    [
      ['story.txt:1', 'The sun rose. Birds sang!'],
      ['story.txt:2', 'It was warm.'],
      ['story.txt:5', 'Второй абзац. Он короткий.'],
      ['story.txt:6', 'Last line?'],
    ],
  );
  assert.deepEqual(lines.docs[0].meta, { file: 'story.txt', line: 1, offset: 0 });
  assert.deepEqual(lines.log.summary().ignored, { 'blank line': 2 });
  const paragraphs = await readAll(p, { split: 'paragraph' });
  assert.deepEqual(
    paragraphs.docs.map((d) => [d.id, d.text]),
    [
      ['story.txt:1', 'The sun rose. Birds sang!\nIt was warm.'],
      ['story.txt:5', 'Второй абзац. Он короткий.\nLast line?'],
    ],
  );
  const sentences = await readAll(p, { split: 'sentence' });
  assert.deepEqual(
    sentences.docs.map((d) => [d.id, d.text]),
    [
      ['story.txt:1:1', 'The sun rose.'],
      ['story.txt:1:2', 'Birds sang!'],
      ['story.txt:2:1', 'It was warm.'],
      ['story.txt:5:1', 'Второй абзац.'],
      ['story.txt:5:2', 'Он короткий.'],
      ['story.txt:6:1', 'Last line?'],
    ],
  );
});

test('plain text: an invalid UTF-8 line skips that line (or its paragraph) and is reported', async () => {
  const p = join(dir, 'mixed.txt');
  writeFiles(dir, {
    'mixed.txt': Buffer.concat([
      Buffer.from('good one\nbad '),
      Buffer.from([0xe0, 0x80]),
      Buffer.from('\nstill same paragraph\n\nnext\n'),
    ]),
  });
  const lines = await readAll(p);
  assert.deepEqual(
    lines.docs.map((d) => d.text),
    ['good one', 'still same paragraph', 'next'],
  );
  assert.deepEqual(
    [lines.problems[0].kind, lines.problems[0].line, lines.problems[0].offset],
    ['invalid-utf8', 2, 13],
  );
  const paragraphs = await readAll(p, { split: 'paragraph' });
  assert.deepEqual(
    paragraphs.docs.map((d) => d.text),
    ['next'],
  );
  assert.equal(paragraphs.log.count('invalid-utf8'), 1);
});

test('filters: field=value, field!=value, AND, missing fields, arrays, dotted paths', async () => {
  const p = join(dir, 'filter.jsonl');
  writeFiles(dir, {
    'filter.jsonl': [
      '{"id": 1, "text": "a", "category": "news", "lang": "en", "year": 2020}',
      '{"id": 2, "text": "b", "category": "news", "lang": "ru", "src": {"site": "x"}}',
      '{"id": 3, "text": "c", "category": "blog", "lang": "ru", "tags": ["t1", "t2"]}',
      '{"id": 4, "text": "d"}',
    ].join('\n'),
  });
  const ids = async (where: string[]) => (await readAll(p, { where })).docs.map((d) => d.id);
  assert.deepEqual(await ids(['category=news']), ['1', '2']);
  assert.deepEqual(await ids(['category=news', 'lang=ru']), ['2']);
  assert.deepEqual(await ids(['category!=news']), ['3', '4']);
  assert.deepEqual(await ids(['year=2020']), ['1']);
  assert.deepEqual(await ids(['tags=t2']), ['3']);
  assert.deepEqual(await ids(['src.site=x']), ['2']);
  assert.deepEqual(await ids(['lang=']), []);
  const { log } = await readAll(p, { where: ['lang=ru'] });
  assert.equal(log.filtered, 2);
  await assert.rejects(readAll(p, { where: ['no operator'] }), (e: unknown) => isSmyslError(e, 'E_USAGE'));
});

test('formats: unknown extension and a missing path are clear errors', async () => {
  writeFiles(dir, { 'x.bin': 'data' });
  await assert.rejects(readAll(join(dir, 'x.bin')), (e: unknown) => {
    assert.ok(isSmyslError(e, 'E_USAGE'));
    assert.match(e.message, /format/);
    return true;
  });
  const asText = await readAll(join(dir, 'x.bin'), { format: 'text' });
  assert.deepEqual(
    asText.docs.map((d) => d.text),
    ['data'],
  );
  await assert.rejects(readAll(join(dir, 'missing.jsonl')), (e: unknown) => isSmyslError(e, 'E_IO'));
});

test('progress reports bytes read against the file size', async () => {
  const p = join(dir, 'progress.jsonl');
  const body = `${Array.from({ length: 50 }, (_, i) => JSON.stringify({ id: i, text: `document ${i}` })).join('\n')}\n`;
  writeFiles(dir, { 'progress.jsonl': body });
  let last = { done: 0, total: 0 as number | undefined };
  for await (const _ of readDocuments(p, { onProgress: (x) => (last = { done: x.done, total: x.total }) })) {
    // consume
  }
  assert.deepEqual(last, { done: Buffer.byteLength(body), total: Buffer.byteLength(body) });
});

test('stopping early releases the file (every streaming format)', async () => {
  writeFiles(dir, {
    'early.csv': 'text\none\ntwo\nthree\n',
    'early.jsonl': '{"text": "one"}\n{"text": "two"}\n',
    'early.txt': 'one\ntwo\n',
  });
  for (const name of ['early.csv', 'early.jsonl', 'early.txt']) {
    const seen: string[] = [];
    for await (const d of readDocuments(join(dir, name))) {
      seen.push(d.text);
      break;
    }
    assert.deepEqual(seen, ['one'], name);
  }
});
