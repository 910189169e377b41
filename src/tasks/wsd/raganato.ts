import { createReadStream, promises as fsp } from 'node:fs';
import { createInterface } from 'node:readline';
import { SmyslError } from '../../errors.js';

/** One token of a sentence; `instance` is set on tokens to disambiguate. */
export interface WsdToken {
  text: string;
  lemma: string;
  pos: string;
  /** Instance id (e.g. "d000.s000.t000") when this token is a target. */
  instance?: string;
}

export interface WsdSentence {
  id: string;
  tokens: WsdToken[];
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
function unescapeXml(s: string): string {
  return s.replace(/&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);/gi, (m, e: string) => {
    if (e[0] === '#')
      return String.fromCodePoint(
        e[1] === 'x' || e[1] === 'X' ? Number.parseInt(e.slice(2), 16) : Number(e.slice(1)),
      );
    return ENTITIES[e.toLowerCase()] ?? m;
  });
}

const ATTR = /(\w+)="([^"]*)"/g;
function attributes(tag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of tag.matchAll(ATTR)) out[m[1]] = unescapeXml(m[2]);
  return out;
}

const TOKEN = /^<(wf|instance)\b([^>]*)>(.*)<\/\1>$/;

/**
 * Streams the sentences of a Raganato et al. (2017) unified-format XML file
 * (`<sentence>` of `<wf>` and `<instance>` elements, one element per line as distributed).
 */
export async function* readRaganatoXml(file: string): AsyncGenerator<WsdSentence> {
  const rl = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Number.POSITIVE_INFINITY });
  let current: WsdSentence | null = null;
  let line = 0;
  for await (const raw of rl) {
    line++;
    const text = raw.trim();
    if (text === '') continue;
    if (text.startsWith('<sentence')) {
      current = { id: attributes(text).id ?? `line${line}`, tokens: [] };
    } else if (text === '</sentence>') {
      if (current) yield current;
      current = null;
    } else if (text.startsWith('<wf') || text.startsWith('<instance')) {
      const m = TOKEN.exec(text);
      if (!m || !current)
        throw new SmyslError('E_INPUT', `unexpected token element: ${text.slice(0, 80)}`, {
          location: { source: file, line },
        });
      const a = attributes(m[2]);
      const token: WsdToken = { text: unescapeXml(m[3]), lemma: a.lemma ?? '', pos: a.pos ?? '' };
      if (m[1] === 'instance') token.instance = a.id;
      current.tokens.push(token);
    }
  }
}

/** Reads a gold key file: `instance_id key1 [key2 ...]` per line. */
export async function readGoldKeys(file: string): Promise<Map<string, string[]>> {
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (e) {
    throw new SmyslError('E_IO', `cannot read ${file}: ${(e as Error).message}`);
  }
  const out = new Map<string, string[]>();
  text.split('\n').forEach((l, i) => {
    const parts = l.trim().split(/\s+/);
    if (parts[0] === '') return;
    if (parts.length < 2)
      throw new SmyslError('E_INPUT', 'a key line needs an instance id and at least one sense key', {
        location: { source: file, line: i + 1 },
      });
    out.set(parts[0], parts.slice(1));
  });
  return out;
}

/** Finds `<name>.data.xml` and `<name>.gold.key.txt` in a directory of the unified format. */
export async function findRaganatoFiles(dir: string): Promise<{ xml: string; keys: string }> {
  let names: string[];
  try {
    names = await fsp.readdir(dir);
  } catch (e) {
    throw new SmyslError('E_IO', `cannot read ${dir}: ${(e as Error).message}`);
  }
  const xml = names.find((n) => n.endsWith('.data.xml'));
  const keys = names.find((n) => n.endsWith('.gold.key.txt'));
  if (!xml || !keys)
    throw new SmyslError(
      'E_INPUT',
      `${dir} must hold <name>.data.xml and <name>.gold.key.txt (Raganato format)`,
    );
  return { xml: `${dir}/${xml}`, keys: `${dir}/${keys}` };
}
