// Prints the command table of docs/cli.md from the CLI itself (every command and its
// description), so `smysl --help` and the docs say the same. Run after `npm run build`:
//   node scripts/cli-commands.mjs            print the table
//   node scripts/cli-commands.mjs --write    replace it in docs/cli.md
// test/cli/vocabulary.test.ts fails when docs/cli.md holds another table.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { buildProgram } = await import(path.join(root, 'dist/src/cli/program.js'));
const { commandTable } = await import(path.join(root, 'dist/src/cli/help-table.js'));
const table = commandTable(buildProgram());
if (!process.argv.includes('--write')) {
  process.stdout.write(table);
} else {
  const file = path.join(root, 'docs/cli.md');
  const doc = readFileSync(file, 'utf8');
  const start = '<!-- commands:start -->\n';
  const end = '<!-- commands:end -->';
  const a = doc.indexOf(start);
  const b = doc.indexOf(end);
  if (a < 0 || b < a) throw new Error(`docs/cli.md has no ${start.trim()} … ${end} section`);
  writeFileSync(file, doc.slice(0, a + start.length) + table + doc.slice(b));
}
