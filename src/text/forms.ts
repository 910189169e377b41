import { guessLanguage } from './language.js';
import { stem } from './stem.js';
import { type Language, stopwordsFor } from './stopwords.js';
import { type Token, tokenize } from './tokenize.js';

/** A token with the form it is counted as. */
export interface FormToken extends Token {
  /** The token lowercased and/or stemmed when asked, else as written. */
  form: string;
}

export interface TokenFormOptions {
  /** Language of stop words and stemmer; `auto` guesses it from the text (default). */
  lang?: Language | 'auto';
  lowercase?: boolean;
  /** Snowball stem words (implies lowercase). */
  stem?: boolean;
  /** Drop stop words (stopwords-iso lists). */
  stopwords?: boolean;
  /** Keep punctuation tokens. */
  punctuation?: boolean;
}

/**
 * The languages a text is treated as: the given one, else the guessed one, else both Russian
 * and English (mixed or too short to tell).
 */
export function languagesOf(text: string, lang: Language | 'auto' = 'auto'): Language[] {
  if (lang !== 'auto') return [lang];
  const guess = guessLanguage(text);
  if (guess === 'ru' || guess === 'en') return [guess];
  return ['ru', 'en'];
}

/** Tokens of a text with their counted forms (what `smysl text tokenize` prints), stop words dropped when asked. */
export function tokenForms(
  text: string,
  opts: TokenFormOptions = {},
  languages: Language[] = languagesOf(text, opts.lang),
): FormToken[] {
  const stop = opts.stopwords ? stopwordsFor(languages) : undefined;
  const stemLang = languages.length === 1 ? languages[0] : 'auto';
  const out: FormToken[] = [];
  for (const t of tokenize(text, { punctuation: opts.punctuation })) {
    const lower = t.text.toLowerCase();
    if (stop && t.type === 'word' && stop.has(lower)) continue;
    let form = opts.lowercase || opts.stem ? lower : t.text;
    if (opts.stem && t.type === 'word') form = stem(lower, stemLang);
    out.push({ ...t, form });
  }
  return out;
}
