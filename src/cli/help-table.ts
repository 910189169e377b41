import type { Command } from 'commander';

/**
 * The command table of docs/cli.md, made from the program (scripts/cli-commands.mjs writes it;
 * the vocabulary test checks the docs hold exactly this): one row per command, grouped under the
 * headings of `smysl --help`.
 */
export function commandTable(program: Command): string {
  const rows: string[] = ['| command | what it does |', '|---|---|'];
  let group = '';
  for (const top of program.commands) {
    if (top.name() === 'help') continue;
    const heading = top.helpGroup().replace(/:$/, '');
    if (heading !== group) {
      group = heading;
      rows.push(`| **${group}** | |`);
    }
    const leaves = top.commands.length === 0 ? [[top]] : top.commands.map((c) => [top, c]);
    for (const path of leaves) {
      const cmd = path[path.length - 1];
      const args = cmd.registeredArguments
        .map((a) =>
          a.required ? `<${a.name()}${a.variadic ? '...' : ''}>` : `[${a.name()}${a.variadic ? '...' : ''}]`,
        )
        .join(' ');
      const usage = `smysl ${path.map((c) => c.name()).join(' ')}${args ? ` ${args}` : ''}`;
      rows.push(`| \`${usage}\` | ${cmd.description().replace(/\|/g, '\\|')} |`);
    }
  }
  return `${rows.join('\n')}\n`;
}
