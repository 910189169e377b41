export { type FormToken, languagesOf, type TokenFormOptions, tokenForms } from './forms.js';
export {
  countScripts,
  guessFromCounts,
  guessLanguage,
  type LanguageGuess,
  type ScriptCounts,
} from './language.js';
export { charNgrams, charWbNgrams, wordNgrams } from './ngrams.js';
export { type NormalizeOptions, normalize } from './normalize.js';
export { type Sentence, type SplitSentencesOptions, splitSentences } from './sentences.js';
export { stem } from './stem.js';
export { type Language, stopwords, stopwordsFor } from './stopwords.js';
export {
  type CharToken,
  type CharTokenizeOptions,
  chars,
  charTokens,
  type Token,
  type TokenizeOptions,
  type TokenType,
  tokenize,
  words,
} from './tokenize.js';
export { type PruneOptions, type TermVocabulary, VOCABULARY_FORMAT, Vocabulary } from './vocabulary.js';
