import type snowball from 'snowball-stemmers';
import { requireCached } from '../util/code-cache.js';
import type { Language } from './stopwords.js';

// Loaded on the first stem, and with require: importing this CommonJS package as ESM makes Node
// scan all its stemmers for export names (~0.1-1 s), a cost every CLI command used to pay. Its
// one 870 kB file goes through V8's code cache (see requireCached).

const names: Record<Language, string> = { ru: 'russian', en: 'english' };
const stemmers = new Map<Language, snowball.Stemmer>();

function stemmer(lang: Language): snowball.Stemmer {
  let s = stemmers.get(lang);
  if (!s) {
    s = (requireCached('snowball-stemmers', import.meta.url) as typeof snowball).newStemmer(names[lang]);
    stemmers.set(lang, s);
  }
  return s;
}

const CYRILLIC = /[\u0400-\u04FF]/;

/**
 * Snowball stem of a lowercase word. With `lang` "auto" the script decides per word
 * (Cyrillic → Russian, otherwise English), which is what mixed Russian/English text needs.
 */
export function stem(word: string, lang: Language | 'auto' = 'auto'): string {
  const l: Language = lang === 'auto' ? (CYRILLIC.test(word) ? 'ru' : 'en') : lang;
  return stemmer(l).stem(word);
}
