/**
 * For the WSD experiment scripts: token vectors of every layer from one encoder run per batch.
 * The embedder's public API averages the last N layers; these scripts want each layer on its
 * own, so they wrap the (private) encoder session: with `layer` 0 a call runs the model for all
 * layers and keeps the states; with `layer` k > 0 calls hand back layer k of the stored runs,
 * in the same order. Benchmarks only — library code must not reach into the session.
 */
import type { TransformerEmbedder } from '../../../src/embed/transformer/index.js';
import { transformerTokenEmbedder } from '../../../src/tasks/wsd/contextual.js';
import type { TokenEmbedder } from '../../../src/tasks/wsd/wsd.js';

export interface LayerReplay {
  /** Layers including the embeddings layer. */
  readonly count: number;
  /** Token vectors of layer `replay.layer` (run the batch first with layer 0). */
  readonly embed: TokenEmbedder;
  layer: number;
  /** Forgets the stored runs (call before each new batch) and rewinds. */
  reset(): void;
  /** Rewinds to the first stored run (call before replaying each layer > 0). */
  rewind(): void;
}

export function layerReplay(embedder: TransformerEmbedder): LayerReplay {
  const count = embedder.config.numHiddenLayers + 1;
  // biome-ignore lint/suspicious/noExplicitAny: the session is private; these scripts read its states.
  const session = (embedder as any).session as {
    run: (batch: unknown, lastLayers: number) => Promise<Float32Array[]>;
  };
  const realRun = session.run.bind(session);
  let states: Float32Array[][] = [];
  let position = 0;
  const replay: LayerReplay = {
    count,
    embed: transformerTokenEmbedder(embedder, 1),
    layer: 0,
    reset() {
      states = [];
      position = 0;
    },
    rewind() {
      position = 0;
    },
  };
  session.run = async (batch, _lastLayers) => {
    if (replay.layer === 0) {
      const all = await realRun(batch, count);
      states.push(all);
      return [all[0]];
    }
    return [states[position++][replay.layer]];
  };
  return replay;
}
