import type { TransformerEmbedder } from '../../embed/transformer/index.js';
import type { Token } from '../../text/index.js';
import type { TokenEmbedder } from './wsd.js';

/**
 * Contextual vectors for a corpus's own tokens: the tokens are joined by spaces, the
 * transformer encodes the sentence, and each token's word pieces are averaged (over the mean of
 * the last `layers` layers, the usual recipe for sense embeddings).
 */
export function transformerTokenEmbedder(embedder: TransformerEmbedder, layers = 4): TokenEmbedder {
  return async (sentences) => {
    const texts: string[] = [];
    const spans: Token[][] = [];
    for (const tokens of sentences) {
      let text = '';
      const words: Token[] = [];
      for (const t of tokens) {
        if (text) text += ' ';
        // multi-word expressions come as "Fulton_County_Grand_Jury" in SemCor
        const surface = t.replace(/_/g, ' ');
        words.push({ text: surface, start: text.length, end: text.length + surface.length, type: 'word' });
        text += surface;
      }
      texts.push(text);
      spans.push(words);
    }
    const out = await embedder.wordVectors(texts, { layers, pool: 'mean', words: spans });
    return out.map((w) => w.vectors);
  };
}
