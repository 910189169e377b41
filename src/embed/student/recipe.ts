/**
 * The recipe of the built-in bilingual student `minilm-ru`: which offline sources it learns
 * from and how they become distillation data. `smysl train encoder --recipe minilm-ru` runs it.
 *
 * Sources (all read from disk, nothing downloaded):
 * - stsb_multi_mt ru/en train (PhilipMay/stsb-multi-mt, DeepL translations of STSb): parallel
 *   sentences, both sides distilled to MiniLM's vector of the English sentence;
 * - English sentences from ag_news_test and the Brown corpus, translated word by word with
 *   English-Russian dictd dictionaries (only when dictionaries are given: mueller7 and
 *   freedict-eng-rus are GPL-2+, so they are opt-in) and WordNet's exception lists for
 *   English base forms; the Russian word salad learns the English sentence's vector;
 * - stsb_multi_mt ru dev: only to choose the epoch (never trained on);
 * - Anna Karenina (ru_classics, public domain): its mean word vector is taken out of the rows
 *   after training (no training signal; see center.ts);
 * - all of ru_classics (Tolstoy's Anna Karenina and War and Peace, Gogol; public domain) and the
 *   Russian training translations: the frequent words the translations never showed get rows
 *   induced from their contexts (induce.ts; the translations add contexts of trained words,
 *   the examples the map is fitted on). ru_fortunes_corpus is not used: fortunes-ru is GPL-2.
 */
import { existsSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import { englishRussianPairs, readDictd, type TranslationPair } from '../../corpus/dictd.js';
import { readPairFile, type TextPairs } from '../../corpus/pairs.js';
import { SmyslError } from '../../errors.js';
import { seededRandom } from '../../vectors/random.js';
import type { DistillationData } from './distill.js';
import { Lexicon, parseExceptions, pseudoTranslate } from './pseudo.js';

export interface RecipeSources {
  /** The shared data directory (stsb_multi_mt_ru, brown_corpus, ag_news_test, wordnet30). */
  dataDir: string;
  /** dictd dictionaries (.dict.dz) for pseudo-translations; none = no pseudo-translations. */
  dictionaries?: string[];
  /** English sentences to translate word by word (default 24,000). */
  pseudoSentences?: number;
  /** Also distill the English corpus sentences themselves (student(en) → teacher(en)). */
  englishSentences?: boolean;
  /**
   * Paragraphs of 2-8 consecutive training translations (default 3,000; 0 = none): the Russian
   * paragraph learns the teacher's vector of the English one. Sentences alone never show the
   * student a long text, and summed over a paragraph its small errors add up along shared
   * directions: every Russian document then sits close to every query (see docs/encoder.md).
   */
  paragraphs?: number;
  seed?: number;
}

export interface RecipeData {
  data: DistillationData;
  /** Russian STS dev pairs, for choosing the epoch. */
  dev: TextPairs & { scores: number[] };
  /** What was read, for the model card. */
  sources: Record<string, string | number>;
  /**
   * Running Russian text whose mean word vector is taken out of every row after training
   * (StudentEmbedder.centered): Anna Karenina from ru_classics (public domain).
   */
  center: { source: string; texts: string[] };
  /**
   * Running Russian text for rows induced from context (StudentEmbedder.induced): ru_classics,
   * then the Russian training translations.
   */
  induce: { source: string; texts: string[] };
  /**
   * Vocabulary thresholds: n-grams shared by at least 4 distinct words keep the int8 table
   * under the 30 MB budget of a committed model.
   */
  vocabulary: { minGramCount: number };
}

async function need(file: string): Promise<string> {
  if (!existsSync(file))
    throw new SmyslError(
      'E_IO',
      `recipe source not found: ${file} (pass --data with the shared data directory)`,
    );
  return file;
}

/** The English corpus pool: ag_news sentences, then Brown sentences, 5-30 words each. */
async function englishPool(dataDir: string): Promise<string[]> {
  const words = (l: string) => l.split(' ').length;
  const news = (await fsp.readFile(await need(path.join(dataDir, 'ag_news_test', 'test.csv')), 'utf8'))
    .split('\n')
    .slice(1)
    .map((l) => l.replace(/^\d,/, '').replace(/"/g, '').replace(/\\/g, ' '))
    .filter((l) => l.length > 20)
    .flatMap((l) => l.split(/(?<=[.!?])\s+/))
    .filter((l) => words(l) >= 5 && words(l) <= 30);
  const brown = (
    await fsp.readFile(await need(path.join(dataDir, 'brown_corpus', 'brown_sentences.txt')), 'utf8')
  )
    .split('\n')
    .filter((l) => words(l) >= 5 && words(l) <= 30)
    // the file is tokenized: glue punctuation back, `` '' → "
    .map((l) => l.replace(/ ([.,;:!?'])/g, '$1').replace(/`` | ''/g, '"'));
  return [...news, ...brown];
}

/** Paragraphs the recipe adds unless told otherwise. */
export const DEFAULT_PARAGRAPHS = 3000;

/**
 * `count` paragraphs of 2-8 consecutive sentences (the train file's order keeps a source's
 * sentences together, so a paragraph stays near one genre): the translations joined (student
 * side) and the originals joined (teacher side). Deterministic for a seed.
 */
export function trainingParagraphs(
  source: readonly string[],
  target: readonly string[],
  count: number,
  seed: number,
): { texts: string[]; teacherTexts: string[] } {
  const random = seededRandom(seed * 7919 + 1);
  const texts: string[] = [];
  const teacherTexts: string[] = [];
  for (let k = 0; k < count && source.length >= 8; k++) {
    const len = 2 + Math.floor(random() * 7);
    const start = Math.floor(random() * (source.length - len + 1));
    texts.push(target.slice(start, start + len).join(' '));
    teacherTexts.push(source.slice(start, start + len).join(' '));
  }
  return { texts, teacherTexts };
}

export async function minilmRuRecipe(src: RecipeSources): Promise<RecipeData> {
  const mt = path.join(src.dataDir, 'stsb_multi_mt_ru');
  const en = await readPairFile(await need(path.join(mt, 'stsb-en-train.csv')));
  const ru = await readPairFile(await need(path.join(mt, 'stsb-ru-train.csv')));
  const dev = await readPairFile(await need(path.join(mt, 'stsb-ru-dev.csv')));
  if (en.a.length !== ru.a.length || !dev.scores)
    throw new SmyslError('E_INPUT', `${mt}: the English and Russian train files must align line by line`);
  // each English sentence once, with its Russian translation
  const source: string[] = [];
  const target: string[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < en.a.length; i++)
    for (const [e, r] of [
      [en.a[i], ru.a[i]],
      [en.b[i], ru.b[i]],
    ]) {
      if (seen.has(e)) continue;
      seen.add(e);
      source.push(e);
      target.push(r);
    }
  const data: DistillationData = { translations: [{ name: 'stsb-mt', source, target }] };
  const sources: Record<string, string | number> = { 'stsb-mt train sentence pairs': source.length };
  const paragraphs = trainingParagraphs(source, target, src.paragraphs ?? DEFAULT_PARAGRAPHS, src.seed ?? 9);
  if (paragraphs.texts.length > 0) {
    data.targets = [{ name: 'stsb-mt paragraphs', ...paragraphs, vocabulary: false }];
    sources['stsb-mt paragraphs (2-8 consecutive train sentences)'] = paragraphs.texts.length;
  }

  const dictionaries = src.dictionaries ?? [];
  if (dictionaries.length > 0) {
    const pairs: TranslationPair[] = [];
    for (const file of dictionaries) {
      const before = pairs.length;
      for (const entry of await readDictd(file)) pairs.push(...englishRussianPairs(entry));
      sources[`${path.basename(file)} pairs`] = pairs.length - before;
    }
    const wordnet = path.join(src.dataDir, 'wordnet30', 'dict');
    const excFiles = ['noun', 'verb', 'adj', 'adv']
      .map((k) => path.join(wordnet, `${k}.exc`))
      .filter(existsSync);
    const exceptions = parseExceptions(await Promise.all(excFiles.map((f) => fsp.readFile(f, 'utf8'))));
    sources['WordNet exception forms'] = exceptions.size;
    const lexicon = new Lexicon(pairs, exceptions);
    const pool = await englishPool(src.dataDir);
    const wanted = Math.min(src.pseudoSentences ?? 24_000, pool.length);
    // an even spread over the pool (news first, then Brown): the same sentences every run
    const chosen = Array.from({ length: wanted }, (_, k) => pool[Math.floor((k * pool.length) / wanted)]);
    const random = seededRandom(src.seed ?? 9);
    const texts: string[] = [];
    const teacherTexts: string[] = [];
    for (const sentence of chosen) {
      const translated = pseudoTranslate(sentence, lexicon, random);
      if (translated === undefined) continue;
      texts.push(translated);
      teacherTexts.push(sentence);
    }
    (data.targets ??= []).push({ name: 'pseudo', texts, teacherTexts });
    sources['English sentences translated word by word'] = texts.length;
    if (src.englishSentences) {
      data.monolingual = [{ name: 'english', texts: chosen }];
      sources['English sentences distilled as they are'] = chosen.length;
    }
  }
  const novel = await need(path.join(src.dataDir, 'ru_classics', 'tolstoy_anna_karenina.txt'));
  const center = {
    source: 'ru_classics/tolstoy_anna_karenina.txt',
    texts: (await fsp.readFile(novel, 'utf8')).split('\n').filter((l) => l.trim() !== ''),
  };
  const classics = [
    'tolstoy_anna_karenina.txt',
    'tolstoy_war_and_peace.txt',
    'gogol_noch_pered_rozhdestvom.txt',
  ];
  const induce = { source: classics.map((f) => `ru_classics/${f}`).join(', '), texts: [] as string[] };
  for (const file of classics) {
    const text = await fsp.readFile(await need(path.join(src.dataDir, 'ru_classics', file)), 'utf8');
    induce.texts.push(...text.split(/\r?\n/).filter((l) => l.trim() !== ''));
  }
  induce.source += ', stsb-mt train (ru)';
  induce.texts.push(...new Set(target));
  return {
    data,
    dev: { ...dev, scores: dev.scores },
    sources,
    vocabulary: { minGramCount: 4 },
    center,
    induce,
  };
}
