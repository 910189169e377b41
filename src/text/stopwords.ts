import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

export type Language = 'ru' | 'en';

const require = createRequire(import.meta.url);
const cache = new Map<Language, ReadonlySet<string>>();

/**
 * One language's list from stopwords-iso's JSON file. The file holds 57 languages (207 kB):
 * parsing it whole is about 10 ms of a 0.25 s command-line search, so the language's array is
 * cut out and parsed alone; anything unexpected falls back to the whole file.
 */
function stopwordList(lang: Language): string[] | undefined {
  try {
    const text = readFileSync(require.resolve('stopwords-iso'), 'utf8');
    const start = text.indexOf(`"${lang}":[`);
    const end = start < 0 ? -1 : text.indexOf(']', start);
    if (end > 0) {
      const list = JSON.parse(text.slice(start + lang.length + 3, end + 1)) as unknown;
      if (Array.isArray(list) && list.every((w) => typeof w === 'string')) return list;
    }
  } catch {
    // the whole file below
  }
  return (require('stopwords-iso') as Record<string, string[]>)[lang];
}

/** Stop words of `stopwords-iso` (lowercase) for Russian or English. */
export function stopwords(lang: Language): ReadonlySet<string> {
  let set = cache.get(lang);
  if (!set) {
    const list = stopwordList(lang);
    if (!list) throw new Error(`no stop words for ${lang}`);
    set = new Set(list.map((w) => w.toLowerCase()));
    cache.set(lang, set);
  }
  return set;
}

/** Union of the stop words of several languages. */
export function stopwordsFor(langs: readonly Language[]): ReadonlySet<string> {
  if (langs.length === 1) return stopwords(langs[0]);
  const out = new Set<string>();
  for (const l of langs) for (const w of stopwords(l)) out.add(w);
  return out;
}
