export {
  countScripts,
  guessFromCounts,
  guessLanguage,
  type LanguageGuess,
  type ScriptCounts,
} from './language.js';
export { charNgrams, charWbNgrams, wordNgrams } from './ngrams.js';
export { type Sentence, splitSentences } from './sentences.js';
export { stem } from './stem.js';
export { type Language, stopwords, stopwordsFor } from './stopwords.js';
export { type Token, type TokenizeOptions, type TokenType, tokenize, words } from './tokenize.js';
