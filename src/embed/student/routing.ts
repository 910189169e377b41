/**
 * One vector space, two encoders: each text goes to the encoder for its language — English
 * (and text without letters) to the teacher, Russian and mixed text to a student trained into
 * the teacher's space — so a collection can hold both languages and a query in either finds
 * documents in both.
 */
import path from 'node:path';
import { SmyslError } from '../../errors.js';
import { guessLanguage, type LanguageGuess } from '../../text/language.js';
import { readJsonFile, writeFileAtomic } from '../../util/fs.js';
import type { LongRunning } from '../../util/progress.js';
import type { DenseMatrix } from '../../vectors/types.js';
import { type DenseEmbedder, type Embedder, embedFor, type WordsStore, wordLearnerOf } from '../types.js';

export interface RoutingSettings {
  /** Registry method (or saved-embedder directory) for English text; default minilm. */
  english?: string;
  /** Settings for the English encoder. */
  englishSettings?: Record<string, unknown>;
  /** Registry method for Russian and mixed text; default student (the built-in minilm-ru). */
  russian?: string;
  russianSettings?: Record<string, unknown>;
}

/**
 * Whether texts hold Russian: true when any of them would go to the Russian side. New
 * collections whose first documents hold Russian are indexed through the routing embedder
 * (English text still goes to the teacher, so an English majority loses nothing).
 */
export function holdsRussian(texts: Iterable<string>): boolean {
  for (const t of texts) if (routeOf(t) === 'russian') return true;
  return false;
}

/** Reads up to `limit` documents (default 500) and says whether any holds Russian. */
export async function documentsHoldRussian(
  docs: AsyncIterable<{ text: string }> | Iterable<{ text: string }>,
  limit = 500,
): Promise<boolean> {
  let seen = 0;
  for await (const d of docs) {
    if (routeOf(d.text) === 'russian') return true;
    if (++seen >= limit) break;
  }
  return false;
}

/** Texts each encoder took since the counts were last reset, for routing embedders; else undefined. */
export function routedCounts(embedder: object): Record<string, number> | undefined {
  return embedder instanceof RoutingEmbedder ? Object.fromEntries(embedder.routed) : undefined;
}

/** Which side a text goes to: Russian and mixed text to the student, the rest to the teacher. */
export function routeOf(text: string): 'english' | 'russian' {
  const lang: LanguageGuess = guessLanguage(text);
  return lang === 'ru' || lang === 'mixed' ? 'russian' : 'english';
}

const MANIFEST = 'manifest.json';

export class RoutingEmbedder implements DenseEmbedder {
  readonly kind = 'dense' as const;
  readonly name: string;
  readonly dim: number;
  /** Texts sent to each encoder since creation (or the last reset), by encoder name. */
  readonly routed = new Map<string, number>();
  /**
   * What either side reads (English from the teacher, Russian from the student): hybrid search
   * lets the dense side lead for queries in these languages (defaultFusionWeights).
   */
  readonly languages: readonly string[];

  constructor(
    readonly english: DenseEmbedder,
    readonly russian: DenseEmbedder,
    private readonly settings: RoutingSettings,
  ) {
    if (english.dim !== russian.dim)
      throw new SmyslError(
        'E_USAGE',
        `the two encoders must share one space: ${english.name} is ${english.dim}-d, ${russian.name} ${russian.dim}-d`,
      );
    this.dim = english.dim;
    this.name = `routed:${english.name}+${russian.name}`;
    this.languages = [...new Set([...(english.languages ?? ['en']), ...(russian.languages ?? ['ru'])])];
  }

  /** Builds both sides from the registry (imported lazily: the registry imports this module). */
  static async create(settings: RoutingSettings = {}): Promise<RoutingEmbedder> {
    const { createEmbedder } = await import('../registry.js');
    const dense = (e: Embedder, side: string): DenseEmbedder => {
      if (e.kind !== 'dense') throw new SmyslError('E_USAGE', `the ${side} encoder ${e.name} is not dense`);
      return e as DenseEmbedder;
    };
    const english = dense(
      await createEmbedder(settings.english ?? 'minilm', settings.englishSettings ?? {}),
      'English',
    );
    const russian = dense(
      await createEmbedder(settings.russian ?? 'student', settings.russianSettings ?? {}),
      'Russian',
    );
    return new RoutingEmbedder(english, russian, settings);
  }

  static async load(dir: string): Promise<RoutingEmbedder> {
    const file = path.join(dir, MANIFEST);
    const m = await readJsonFile<{ method: string; format: number; settings: RoutingSettings }>(file);
    if (m.method !== 'routed' || m.format !== 1)
      throw new SmyslError('E_FORMAT', 'not a routed embedder manifest', { location: { source: file } });
    const { loadEmbedder } = await import('../registry.js');
    const english = (await loadEmbedder(path.join(dir, 'english'))) as DenseEmbedder;
    const russian = (await loadEmbedder(path.join(dir, 'russian'))) as DenseEmbedder;
    return new RoutingEmbedder(english, russian, m.settings);
  }

  async save(dir: string): Promise<void> {
    await this.english.save(path.join(dir, 'english'));
    await this.russian.save(path.join(dir, 'russian'));
    await writeFileAtomic(
      path.join(dir, MANIFEST),
      JSON.stringify(
        { format: 1, method: 'routed', name: this.name, dim: this.dim, settings: this.settings },
        null,
        2,
      ),
    );
  }

  /** The Russian side's view for a collection whose words `store` keeps (see StudentEmbedder.withWords). */
  async withWords(store: WordsStore): Promise<RoutingEmbedder> {
    const russian = wordLearnerOf(this.russian);
    if (!russian) return this;
    const view = await russian.withWords(store);
    return view === this.russian ? this : new RoutingEmbedder(this.english, view, this.settings);
  }

  async bindWords(store: WordsStore): Promise<void> {
    await wordLearnerOf(this.russian)?.bindWords(store);
  }

  /** The Russian side learns the words of the texts that go to it. */
  async learnWords(texts: string[]): Promise<number> {
    const russian = wordLearnerOf(this.russian);
    return russian ? russian.learnWords(texts.filter((t) => routeOf(t) === 'russian')) : 0;
  }

  async refreshWords(): Promise<void> {
    await wordLearnerOf(this.russian)?.refreshWords();
  }

  get learnedWords(): number {
    return wordLearnerOf(this.russian)?.learnedWords ?? 0;
  }

  get wordsDim(): number {
    return wordLearnerOf(this.russian)?.wordsDim ?? 0;
  }

  resetCounts(): void {
    this.routed.clear();
  }

  async embed(texts: string[], opts: LongRunning = {}): Promise<DenseMatrix> {
    return this.route(texts, undefined, opts);
  }

  /** Queries go to each side's query embedding (models with prompts embed queries differently). */
  async embedQueries(texts: string[]): Promise<DenseMatrix> {
    return this.route(texts, 'query');
  }

  async embedDocuments(texts: string[]): Promise<DenseMatrix> {
    return this.route(texts, 'document');
  }

  private async route(
    texts: string[],
    role: 'query' | 'document' | undefined,
    opts: LongRunning = {},
  ): Promise<DenseMatrix> {
    const data = new Float32Array(texts.length * this.dim);
    const sides: [DenseEmbedder, number[]][] = [
      [this.english, []],
      [this.russian, []],
    ];
    texts.forEach((t, i) => {
      sides[routeOf(t) === 'russian' ? 1 : 0][1].push(i);
    });
    for (const [embedder, rows] of sides) {
      if (rows.length === 0) continue;
      const part = rows.map((i) => texts[i]);
      const embed = embedder.embed.bind(embedder) as (t: string[], o?: LongRunning) => Promise<DenseMatrix>;
      const m = role ? await embedFor(embedder, part, role) : await embed(part, { signal: opts.signal });
      rows.forEach((row, k) => {
        data.set(m.data.subarray(k * this.dim, (k + 1) * this.dim), row * this.dim);
      });
      this.routed.set(embedder.name, (this.routed.get(embedder.name) ?? 0) + rows.length);
    }
    return { rows: texts.length, dim: this.dim, data };
  }
}
