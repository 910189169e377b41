import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { renderHits } from '../../src/cli/hits.js';
import { formatProgress } from '../../src/cli/progress.js';
import { StoreCollections } from '../../src/server/backends.js';
import { type RunningServer, startServer } from '../../src/server/serve.js';
import type { SearchResult } from '../../src/store/collection.js';

// The main job as a user lives it, from the terminal and over HTTP: passages with file:line,
// which side found a hit, folder sync, the collection lifecycle, progress and Ctrl-C, and
// indexing while a server serves the same collection.

const bin = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const root = mkdtempSync(path.join(os.tmpdir(), 'smysl-lifecycle-'));
after(() => rmSync(root, { recursive: true, force: true }));

function smysl(cwd: string, ...args: string[]) {
  return spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd });
}

function folder(name: string): string {
  const dir = path.join(root, name);
  mkdirSync(path.join(dir, 'notes', 'games'), { recursive: true });
  writeFileSync(
    path.join(dir, 'notes', 'games', 'chess.md'),
    '# Chess\n\nChess is a board game for two players.\n\nThe goal is to checkmate the opposing king.\nA draw is common among masters.\n',
  );
  writeFileSync(
    path.join(dir, 'notes', 'games', 'shashki.txt'),
    'Шашки — игра для двух игроков.\nЦель игры — забрать все шашки соперника.\n',
  );
  writeFileSync(
    path.join(dir, 'notes', 'volcano.txt'),
    'Lava flows from an erupting volcano.\nAsh clouds ground the planes.\n',
  );
  return dir;
}

test('search --passages: file:line, offsets, marked words, which side found it (CLI)', () => {
  const cwd = folder('passages');
  assert.equal(smysl(cwd, 'index', 'notes', '--embedder', 'bm25', '--quiet').status, 0);
  const r = smysl(cwd, 'search', 'checkmate the king', '--passages', '--json', '-k', '3');
  assert.equal(r.status, 0, r.stderr);
  const hits = JSON.parse(r.stdout) as SearchResult[];
  assert.equal(hits[0].id, 'games/chess.md');
  const p = hits[0].passage!;
  assert.equal(path.relative(cwd, p.path!), path.join('notes', 'games', 'chess.md'));
  assert.equal(p.line, 1);
  assert.equal(p.endLine, 6);
  const best = p.sentences[p.best];
  assert.equal(best.text, 'The goal is to checkmate the opposing king.');
  assert.deepEqual(
    best.highlights.map((h) => best.text.slice(h.start, h.end)),
    ['checkmate', 'king'],
  );
  assert.deepEqual(hits[0].sparse?.rank, 1);
  assert.equal(hits[0].dense, undefined);
  // the table names the file and line and the side (not a TTY here: no escape codes)
  const table = smysl(cwd, 'search', 'checkmate the king', '-k', '1');
  assert.match(table.stdout, /^1 {2}\d+\.\d{3} {2}bm25 1 {2}notes\/games\/chess\.md:1-6 {2}Chess\n/);
  assert.match(table.stdout, /The goal is to checkmate the opposing king\./);
  assert.doesNotMatch(table.stdout, /\x1b\[/);
  // a query of only spaces is a usage error
  const blank = smysl(cwd, 'search', '   ');
  assert.equal(blank.status, 2);
  assert.match(blank.stderr, /empty|only spaces|no words/i);
});

test('on a terminal the matched words are bold, as ripgrep marks them', () => {
  const hit: SearchResult = {
    rank: 1,
    id: 'a.txt',
    score: 0.5,
    dense: { rank: 2, score: 0.61 },
    sparse: { rank: 1, score: 3.2 },
    title: 'A',
    snippet: 'the king is in check',
    passage: {
      row: 0,
      start: 0,
      end: 20,
      path: path.join(process.cwd(), 'a.txt'),
      line: 3,
      sentences: [],
      best: 0,
    },
  };
  const out = renderHits([hit], {
    color: true,
    lexicalName: 'bm25',
    mark: (t) => [{ start: t.indexOf('king'), end: t.indexOf('king') + 4 }],
  });
  assert.equal(out, '1  0.500  dense 2 · bm25 1  a.txt:3  A\n   the \x1b[1;31mking\x1b[0m is in check\n');
});

test('folder sync: removed files leave, changed ones are re-embedded, the summary counts each (CLI)', () => {
  const cwd = folder('sync');
  assert.equal(smysl(cwd, 'index', 'notes', '--embedder', 'bm25', '--quiet').status, 0);
  rmSync(path.join(cwd, 'notes', 'volcano.txt'));
  writeFileSync(path.join(cwd, 'notes', 'games', 'shashki.txt'), 'Шашки — старая игра.\n');
  const r = smysl(cwd, 'index', 'notes');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /0 added, 1 changed, 1 removed, 1 unchanged/);
  const gone = JSON.parse(smysl(cwd, 'search', 'volcano lava', '--json').stdout) as SearchResult[];
  assert.deepEqual(gone, []);
  // JSON Lines are not pruned unless asked: a file of records is not the whole truth
  writeFileSync(path.join(cwd, 'extra.jsonl'), '{"id":"x","text":"a volcano erupts"}\n');
  assert.equal(smysl(cwd, 'index', 'extra.jsonl', '--quiet').status, 0);
  const again = JSON.parse(smysl(cwd, 'index', 'notes', '--json').stdout);
  assert.equal(again.removed, 0);
  assert.equal(again.documents, 3);
});

test('one Markdown file is cut at its headings, one text file at blank lines (CLI)', () => {
  const cwd = path.join(root, 'single');
  mkdirSync(cwd, { recursive: true });
  writeFileSync(
    path.join(cwd, 'guide.md'),
    '# Birds\n\nBirds migrate south.\n\nThey fly at night.\n\n## Fish\n\nSalmon swim upstream.\n',
  );
  writeFileSync(path.join(cwd, 'story.txt'), 'First paragraph line one.\nLine two.\n\nSecond paragraph.\n');
  const md = JSON.parse(smysl(cwd, 'index', 'guide.md', '--embedder', 'bm25', '--json').stdout);
  assert.equal(md.added, 2);
  const hit = (JSON.parse(smysl(cwd, 'search', 'salmon', '--json').stdout) as SearchResult[])[0];
  assert.equal(hit.id, 'guide.md:7');
  assert.equal(hit.passage?.line, 7);
  assert.equal(hit.title, 'Fish');
  const txt = JSON.parse(
    smysl(cwd, 'index', 'story.txt', '--collection', 'story', '--embedder', 'bm25', '--json').stdout,
  );
  assert.equal(txt.added, 2);
  // the old one-document-per-line reading is still there when asked for
  const lines = JSON.parse(
    smysl(
      cwd,
      'index',
      'story.txt',
      '--collection',
      'lines',
      '--embedder',
      'bm25',
      '--split',
      'line',
      '--json',
    ).stdout,
  );
  assert.equal(lines.added, 3);
});

test('collections list, info, delete, drop (CLI)', () => {
  const cwd = folder('lifecycle');
  assert.equal(smysl(cwd, 'index', 'notes', '--embedder', 'bm25', '--quiet').status, 0);
  const list = JSON.parse(smysl(cwd, 'collections', 'list', '--json').stdout);
  assert.deepEqual(
    list.map((i: { name: string; documents: number }) => [i.name, i.documents]),
    [['default', 3]],
  );
  const info = JSON.parse(smysl(cwd, 'collections', 'info', 'default', '--json').stdout);
  assert.equal(info.chunks, 3);
  assert.equal(info.embedder.name, 'trigram-256');
  assert.deepEqual(info.languages, { en: 2, ru: 1 });
  assert.ok(info.diskBytes > 0);
  assert.match(smysl(cwd, 'collections', 'info').stdout, /^documents\s+3$/m);
  const del = smysl(cwd, 'collections', 'delete', '--where', 'dir=games', '--json');
  assert.equal(JSON.parse(del.stdout).deleted, 2, del.stderr);
  assert.equal(smysl(cwd, 'collections', 'delete').status, 2);
  // dropping is never silent: without --yes and no terminal to ask on, it is refused
  const refused = smysl(cwd, 'collections', 'drop', 'default');
  assert.equal(refused.status, 2);
  assert.match(refused.stderr, /--yes/);
  assert.equal(smysl(cwd, 'collections', 'drop', 'default', '--yes').status, 0);
  assert.deepEqual(JSON.parse(smysl(cwd, 'collections', 'list', '--json').stdout), []);
});

test('progress: a percentage and ETA from the bytes read; a 0-column terminal loses nothing', () => {
  const line = formatProgress(
    { phase: 'indexing', done: 120, unit: 'docs', fraction: 0.25, extra: { chunks: 300 } },
    10,
    0 || 80,
  );
  assert.equal(line, 'indexing [#####...............] 25.0% 120 docs ETA 00:30  chunks 300');
});

test('Ctrl-C during index says what was committed, and running again resumes', async () => {
  const cwd = path.join(root, 'interrupt');
  mkdirSync(cwd, { recursive: true });
  const n = 20000;
  writeFileSync(
    path.join(cwd, 'many.jsonl'),
    Array.from({ length: n }, (_, i) =>
      JSON.stringify({ id: `d${i}`, text: `note number ${i} about topic ${i % 97}` }),
    ).join('\n'),
  );
  const child = spawn(
    process.execPath,
    [bin, 'index', 'many.jsonl', '--embedder', 'bm25', '--batch-size', '50'],
    {
      cwd,
    },
  );
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  // interrupt once the first batches are committed (a reader sees them)
  for (let i = 0; i < 600; i++) {
    await new Promise((r) => setTimeout(r, 50));
    const probe = smysl(cwd, 'collections', 'info', '--json');
    if (probe.status === 0 && JSON.parse(probe.stdout).documents > 0) break;
  }
  child.kill('SIGINT');
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 130, stderr);
  const committed = Number(/interrupted: (\d+) document\(s\) of this run were committed/.exec(stderr)?.[1]);
  assert.ok(committed > 0 && committed < n, stderr);
  assert.match(stderr, /run the same command again to resume/);
  const resumed = JSON.parse(smysl(cwd, 'index', 'many.jsonl', '--json').stdout);
  assert.equal(resumed.unchanged, committed);
  assert.equal(resumed.added, n - committed);
});

test('a server keeps answering while smysl index writes the collection, and serves each commit (HTTP)', async () => {
  const cwd = folder('serving');
  assert.equal(smysl(cwd, 'index', 'notes', '--embedder', 'bm25', '--quiet').status, 0);
  const collections = new StoreCollections(path.join(cwd, '.smysl'));
  const server: RunningServer = await startServer({ port: 0, models: {}, collections });
  const post = (p: string, body: unknown) =>
    fetch(`${server.url}${p}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  try {
    // passages, sides and spans over HTTP; blank queries are 400
    const r = await post('/v1/collections/default/search', { query: 'checkmate', k: 2, passages: true });
    const hits = ((await r.json()) as { data: SearchResult[] }).data;
    assert.equal(hits[0].passage?.line, 1);
    assert.equal(hits[0].sparse?.rank, 1);
    assert.equal((await post('/v1/collections/default/search', { query: '  ', k: 2 })).status, 400);
    // a writer holds the collection: the server is not in its way, and keeps answering
    writeFileSync(
      path.join(cwd, 'more.jsonl'),
      Array.from({ length: 3000 }, (_, i) =>
        JSON.stringify({ id: `m${i}`, text: `glacier number ${i}` }),
      ).join('\n'),
    );
    const writer = spawn(process.execPath, [bin, 'index', 'more.jsonl', '--batch-size', '100'], { cwd });
    let writerErr = '';
    writer.stderr.on('data', (d) => {
      writerErr += d;
    });
    const done = new Promise<number | null>((resolve) => writer.on('close', resolve));
    let answeredDuring = 0;
    let conflict = 0;
    let exited = false;
    done.then(() => {
      exited = true;
    });
    while (!exited) {
      const s = await post('/v1/collections/default/search', { query: 'glacier', k: 1, method: 'sparse' });
      assert.equal(s.status, 200);
      answeredDuring++;
      const w = await post('/v1/collections/default/documents', {
        documents: [{ id: 'srv', text: 'from the server' }],
      });
      if (w.status === 409) {
        conflict++;
        assert.ok(w.headers.get('retry-after'));
      } else assert.equal(w.status, 200, await w.text());
      await new Promise((res) => setTimeout(res, 20));
    }
    assert.equal(await done, 0, writerErr);
    assert.ok(answeredDuring > 0);
    assert.ok(conflict > 0, 'server writes meet the CLI writer and get 409');
    // the lock is free again: the server writes, and answers from the newest generation
    const w = await post('/v1/collections/default/documents', {
      documents: [{ id: 'srv', text: 'from the server' }],
    });
    assert.equal(w.status, 200, await w.clone().text());
    const info = (await (await fetch(`${server.url}/v1/collections/default`)).json()) as {
      documents: number;
    };
    assert.equal(info.documents, 3 + 3000 + 1);
    const found = await post('/v1/collections/default/search', {
      query: 'glacier number 2999',
      k: 1,
      method: 'sparse',
    });
    assert.equal(((await found.json()) as { data: SearchResult[] }).data[0].id, 'm2999');
    // delete by metadata and drop over HTTP (a drop names the collection twice)
    const del = await post('/v1/collections/default/delete', { where: { dir: 'games' } });
    assert.deepEqual(await del.json(), { deleted: 2 });
    assert.equal((await fetch(`${server.url}/v1/collections/default`, { method: 'DELETE' })).status, 400);
    const drop = await fetch(`${server.url}/v1/collections/default?confirm=default`, { method: 'DELETE' });
    assert.equal(drop.status, 200, await drop.clone().text());
    assert.equal((await fetch(`${server.url}/v1/collections/default`)).status, 404);
  } finally {
    await server.close();
  }
});
