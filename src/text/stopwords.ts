import { createRequire } from 'node:module';

export type Language = 'ru' | 'en';

const require = createRequire(import.meta.url);
const cache = new Map<Language, ReadonlySet<string>>();

/** Stop words of `stopwords-iso` (lowercase) for Russian or English. */
export function stopwords(lang: Language): ReadonlySet<string> {
  let set = cache.get(lang);
  if (!set) {
    const all = require('stopwords-iso') as Record<string, string[]>;
    const list = all[lang];
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
