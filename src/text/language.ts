export type LanguageGuess = 'ru' | 'en' | 'mixed' | 'unknown';

/** Counts of Cyrillic and Latin letters; accumulate over a corpus, then call `guessFromCounts`. */
export interface ScriptCounts {
  cyrillic: number;
  latin: number;
}

export function countScripts(text: string, into: ScriptCounts = { cyrillic: 0, latin: 0 }): ScriptCounts {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) into.latin++;
    else if (c >= 0x400 && c <= 0x4ff) into.cyrillic++;
  }
  return into;
}

/** A script with at least 90% of the letters names the language; otherwise "mixed". */
export function guessFromCounts(c: ScriptCounts): LanguageGuess {
  const total = c.cyrillic + c.latin;
  if (total === 0) return 'unknown';
  if (c.cyrillic / total >= 0.9) return 'ru';
  if (c.latin / total >= 0.9) return 'en';
  return 'mixed';
}

export function guessLanguage(text: string): LanguageGuess {
  return guessFromCounts(countScripts(text));
}
