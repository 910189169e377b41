import { fileURLToPath } from 'node:url';
import type { WsdSentence } from '../../../src/tasks/wsd/raganato.js';
import type { TokenEmbedder } from '../../../src/tasks/wsd/wsd.js';
import type { DenseMatrix } from '../../../src/vectors/types.js';

/** The toy WordNet and Raganato corpus under test/fixtures/wsd. */
export const fixtures = fileURLToPath(new URL('../../../../test/fixtures/wsd/', import.meta.url));

/** A toy contextual embedder: every token's vector says whether "money" or "river" is among the tokens it came with. */
export const contextEmbedder: TokenEmbedder = async (sentences) =>
  sentences.map((tokens): DenseMatrix => {
    const money = tokens.includes('money') ? 1 : 0;
    const river = tokens.includes('river') ? 1 : 0;
    const data = new Float32Array(tokens.length * 3);
    tokens.forEach((_, i) => data.set([money, river, 0.1], i * 3));
    return { rows: tokens.length, dim: 3, data };
  });

/** A sentence of noun tokens whose lemma is the word itself. */
export const sentence = (id: string, ...words: string[]): WsdSentence => ({
  id,
  tokens: words.map((text) => ({ text, lemma: text, pos: 'NOUN' })),
});

export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}
