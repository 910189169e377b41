import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Command, Option } from 'commander';
import { ALIASES, rewriteDeprecated } from '../../src/cli/aliases.js';
import { CORPUS_FLAGS } from '../../src/cli/corpus-input.js';
import { commandTable } from '../../src/cli/help-table.js';
import { buildProgram } from '../../src/cli/program.js';

// The shared CLI vocabulary (docs/cli.md): one spelling per concept, checked on every command.

const bin = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const golden = (name: string) =>
  fileURLToPath(new URL(`../../../test/golden/wordvec/${name}`, import.meta.url));
const fixture = (name: string) =>
  fileURLToPath(new URL(`../../../test/fixtures/tasks/${name}`, import.meta.url));
const smysl = (args: string[], input?: string) =>
  spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', input });

function leaves(cmd: Command, prefix: string[] = []): [string, Command][] {
  const out: [string, Command][] = [];
  for (const c of cmd.commands) {
    const p = [...prefix, c.name()];
    if (c.commands.length === 0) out.push([p.join(' '), c]);
    else out.push(...leaves(c, p));
  }
  return out;
}

const program = buildProgram();
const commands = leaves(program);
const longs = (c: Command) => c.options.map((o: Option) => o.long ?? '');
const option = (c: Command, long: string) => c.options.find((o: Option) => o.long === long);

/** Other spellings of the shared concepts: none of them may come back. */
const SYNONYMS: Record<string, string[]> = {
  'the input (positional)': ['--in', '--input', '--corpus', '--data', '--file', '--files'],
  '--embedder': ['--embedders', '--encoder', '--method-name'],
  '-k, --top': ['--k', '--topn', '--top-k', '--n-results', '--count'],
  '--out': ['--output', '--vocab', '--save'],
  '--model (a model a train command wrote)': ['--senses', '--tokenizer-file', '--classifier-dir'],
  '--label-field': ['--label-column', '--labels-field', '--labels'],
  '--ngram': ['--ngrams'],
  '--scoring': ['--cosmul'],
  '--subset': ['--qrels-split'],
};

/** Commands that read documents: every one takes all the corpus flags. */
const CORPUS_READERS = [
  'corpus stats',
  'tokenizer train',
  'embed',
  'train word2vec',
  'train fasttext',
  'train glove',
  'index',
  'classify train',
  'classify predict',
  'classify eval',
  'cluster',
  'lm train',
  'lm perplexity',
  'bench',
];

test('every command renders --help and has --json and --quiet', () => {
  assert.ok(commands.length >= 30, `only ${commands.length} commands`);
  for (const [name, c] of commands) {
    if (name === 'help') continue;
    const help = c.helpInformation();
    assert.match(help, /Usage: /, name);
    for (const flag of ['--json', '--quiet']) assert.ok(longs(c).includes(flag), `${name} lacks ${flag}`);
  }
});

test('one spelling per concept: no command uses a retired synonym', () => {
  const banned = new Set(Object.values(SYNONYMS).flat());
  for (const [name, c] of commands)
    for (const o of c.options)
      assert.ok(!banned.has(o.long ?? ''), `${name}: ${o.flags} is a retired spelling`);
});

test('shared flags mean one thing and look the same everywhere', () => {
  for (const [name, c] of commands) {
    for (const o of c.options as Option[]) {
      // the result count is -k/--top, and -k is nothing else
      if (o.long === '--top' || o.short === '-k') assert.equal(o.flags, '-k, --top <n>', name);
      if (o.long === '--embedder') assert.equal(o.flags, '--embedder <name>', name);
      if (o.long === '--set') assert.equal(o.flags, '--set <key=value>', name);
      if (o.long === '--collection') assert.equal(o.flags, '--collection <name>', name);
      // --method is only ever the search method
      if (o.long === '--method') assert.deepEqual(o.argChoices, ['dense', 'sparse', 'hybrid'], name);
      // --model is a model a smysl command wrote, read back
      if (o.long === '--model') assert.match(o.description, /written by|wrote|from `smysl/, name);
      // outputs: --out, or --out-<what> for a second one
      if (o.long?.startsWith('--out')) assert.match(o.long, /^--out(-[a-z]+)?$/, name);
    }
    // a second output needs a first
    if (longs(c).some((l) => l.startsWith('--out-'))) assert.ok(longs(c).includes('--out'), name);
  }
});

test('every command that reads a corpus takes the same corpus flags; no other takes part of them', () => {
  const names = new Map(commands);
  for (const name of CORPUS_READERS) {
    const c = names.get(name);
    assert.ok(c, `no command ${name}`);
    for (const flag of CORPUS_FLAGS) assert.ok(longs(c).includes(flag), `${name} lacks ${flag}`);
    assert.match(
      c.registeredArguments[0]?.name() ?? '',
      /^input$/,
      `${name}: the corpus is the positional <input>`,
    );
  }
  for (const [name, c] of commands) {
    if (CORPUS_READERS.includes(name)) continue;
    // (--where alone is the same metadata filter on a collection: search, serve)
    for (const flag of ['--text-field', '--id-column', '--ext', '--split'])
      assert.ok(!longs(c).includes(flag), `${name} has ${flag} but not the other corpus flags`);
  }
});

test('every old spelling is rewritten onto an option the new command has, with a notice', () => {
  const byPath = new Map(commands);
  const globals = new Set(['--debug', '--help', '--version']);
  for (const alias of ALIASES) {
    for (const rule of alias.rules) {
      if (!('flag' in rule)) continue;
      const argv = [...alias.path.split(' '), rule.flag, 'value'];
      const { argv: out, notices } = rewriteDeprecated(argv);
      assert.ok(notices.length > 0, `${argv.join(' ')}: no notice`);
      assert.match(notices[0], /^smysl: ".+" is deprecated; use ".+"/);
      const target = typeof alias.to === 'function' ? alias.to([]) : (alias.to ?? alias.path);
      const cmd = byPath.get(target);
      assert.ok(cmd, `${alias.path} → ${target}: no such command`);
      assert.deepEqual(out.slice(0, target.split(' ').length), target.split(' '));
      for (const t of out.filter((a) => a.startsWith('--')))
        assert.ok(
          globals.has(t) || option(cmd, t.split('=')[0]),
          `${alias.path} ${rule.flag} → ${t}: not an option of ${target}`,
        );
      if ('positional' in rule) assert.equal(out[target.split(' ').length], 'value', argv.join(' '));
    }
  }
});

test('value-dependent old spellings', () => {
  const rw = (...a: string[]) => rewriteDeprecated(a).argv;
  assert.deepEqual(rw('tokenize', '--sentences', '-'), ['text', 'sentences', '-']);
  assert.deepEqual(rw('analogy', 'a', 'b', 'c', '--cosmul'), [
    'words',
    'analogy',
    'a',
    'b',
    'c',
    '--scoring',
    'mul',
  ]);
  assert.deepEqual(rw('vectorize', 'x.txt', '--out', 'm.mtx'), [
    'embed',
    '--embedder',
    'tfidf',
    'x.txt',
    '--out',
    'm.mtx',
  ]);
  assert.deepEqual(rw('eval', 'retrieval', '--data', 'd', '--method', 'minilm'), [
    'eval',
    'retrieval',
    'd',
    '--embedder',
    'minilm',
  ]);
  // --method hybrid is still a search method: unchanged
  assert.deepEqual(rw('eval', 'retrieval', 'd', '--method', 'hybrid'), [
    'eval',
    'retrieval',
    'd',
    '--method',
    'hybrid',
  ]);
  assert.deepEqual(rw('--debug', '-V'), ['--debug', '-v']);
  assert.deepEqual(rw('collections', 'repair', 'notes', '--json'), [
    'collections',
    'repair',
    '--collection',
    'notes',
    '--json',
  ]);
  // numbered columns of a headerless table become named corpus columns, counted from the file
  assert.deepEqual(
    rw('classify', 'eval', '--data', fixture('labelled.tsv'), '--label-column', '1', '--text-column', '2'),
    [
      'classify',
      'eval',
      fixture('labelled.tsv'),
      '--columns',
      'c1,c2',
      '--format',
      'tsv',
      '--label-field',
      'c1',
      '--text-column',
      'c2',
    ],
  );
  // new spellings pass through untouched, without a notice
  const fresh = rewriteDeprecated(['words', 'similar', 'king', '-k', '3', '--vectors', 'wink']);
  assert.deepEqual(fresh.argv, ['words', 'similar', 'king', '-k', '3', '--vectors', 'wink']);
  assert.deepEqual(fresh.notices, []);
});

test('old spellings still work end to end and say so on stderr', () => {
  const oldWay = smysl(['similar', '--vectors', golden('small.txt'), 'police', '--k', '3', '--json']);
  const newWay = smysl(['words', 'similar', 'police', '--vectors', golden('small.txt'), '-k', '3', '--json']);
  assert.equal(oldWay.status, 0, oldWay.stderr);
  assert.equal(oldWay.stdout, newWay.stdout);
  assert.equal(JSON.parse(newWay.stdout).neighbors.length, 3);
  assert.match(oldWay.stderr, /"smysl similar" is deprecated; use "smysl words similar"/);
  assert.match(oldWay.stderr, /"--k" is deprecated; use "--top"/);
  assert.equal(newWay.stderr, '');

  const dir = mkdtempSync(path.join(tmpdir(), 'smysl-vocab-'));
  const corpus = path.join(dir, 'docs.txt');
  writeFileSync(corpus, 'the cat sat\nthe dog sat down\nкошка и собака\n');
  const vocab = path.join(dir, 'vocab.txt');
  const old = smysl([
    'vectorize',
    '--method',
    'bow',
    '--vocab',
    vocab,
    '--out',
    path.join(dir, 'm.mtx'),
    '--json',
    corpus,
  ]);
  assert.equal(old.status, 0, old.stderr);
  assert.equal(JSON.parse(old.stdout).documents, 3);
  assert.deepEqual(readFileSync(vocab, 'utf8').trim().split('\n'), [
    'cat',
    'dog',
    'down',
    'sat',
    'the',
    'кошка',
    'собака',
  ]);
  assert.match(old.stderr, /"--vocab" is deprecated; use "--out-vocab"/);

  const cv = smysl([
    'classify',
    'eval',
    '--data',
    fixture('labelled.tsv'),
    '--label-column',
    '1',
    '--text-column',
    '2',
    '--embedder',
    'tfidf',
    '--folds',
    '4',
    '--json',
  ]);
  assert.equal(cv.status, 0, cv.stderr);
  assert.equal(JSON.parse(cv.stdout).accuracy, 1);
  assert.match(cv.stderr, /"--label-column" is deprecated/);
});

test('standard input is "-" for corpora too', () => {
  const r = smysl(['corpus', 'stats', '-', '--json', '--quiet'], 'Кошка сидит на окне.\nThe cat sat.\n');
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.documents, 2);
  assert.equal(j.format, 'text');
});

test('docs/cli.md lists exactly the commands and descriptions of smysl --help', () => {
  const doc = readFileSync(fileURLToPath(new URL('../../../docs/cli.md', import.meta.url)), 'utf8');
  const start = doc.indexOf('<!-- commands:start -->\n');
  const end = doc.indexOf('<!-- commands:end -->');
  assert.ok(start >= 0 && end > start, 'docs/cli.md has no commands section');
  assert.equal(
    doc.slice(start + '<!-- commands:start -->\n'.length, end),
    commandTable(buildProgram()),
    'docs/cli.md is out of date: run `npm run build && node scripts/cli-commands.mjs --write`',
  );
  for (const [name] of commands) if (name !== 'help') assert.ok(doc.includes(`smysl ${name}`), name);
});
