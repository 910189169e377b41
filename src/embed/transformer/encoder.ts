import type { InferenceSession } from 'onnxruntime-node';
import { SmyslError } from '../../errors.js';
import { ATTENTION_MASK, hiddenStateName, INPUT_IDS, LAST_HIDDEN_STATE, TOKEN_TYPE_IDS } from './graph.js';

type Ort = typeof import('onnxruntime-node');
let ortModule: Promise<Ort> | undefined;
/**
 * onnxruntime's native library (~20 MB resident, ~0.1 s to load) is loaded when the first encoder
 * is created, not by every command and program that imports smysl.
 */
function loadOrt(): Promise<Ort> {
  ortModule ??= import('onnxruntime-node').then((m) => (m as { default?: Ort }).default ?? m);
  return ortModule;
}

export interface EncoderSessionOptions {
  /** Intra-op threads for onnxruntime (default: all cores, as onnxruntime decides). */
  threads?: number;
}

/** A padded batch: `rows` sequences of `length` token ids, right-padded, with lengths. */
export interface EncoderBatch {
  rows: number;
  length: number;
  ids: BigInt64Array;
  mask: BigInt64Array;
}

/**
 * One onnxruntime session over an encoder graph built by `buildEncoderGraph`. Returns the
 * requested layers' hidden states as [rows, length, hidden] row-major Float32Arrays.
 */
export class EncoderSession {
  private constructor(
    private readonly ort: Ort,
    private readonly session: InferenceSession,
    readonly hiddenSize: number,
    readonly numLayers: number,
  ) {}

  static async create(
    model: string | Uint8Array,
    hiddenSize: number,
    numLayers: number,
    opts: EncoderSessionOptions = {},
  ) {
    const ort = await loadOrt();
    const sessionOptions: InferenceSession.SessionOptions = {
      graphOptimizationLevel: 'all',
      executionProviders: ['cpu'],
      interOpNumThreads: 1,
    };
    if (opts.threads !== undefined) sessionOptions.intraOpNumThreads = opts.threads;
    try {
      const session =
        typeof model === 'string'
          ? await ort.InferenceSession.create(model, sessionOptions)
          : await ort.InferenceSession.create(model, sessionOptions);
      return new EncoderSession(ort, session, hiddenSize, numLayers);
    } catch (e) {
      throw new SmyslError('E_MODEL', `onnxruntime cannot load the encoder: ${(e as Error).message}`, {
        cause: e,
      });
    }
  }

  /** Whether the graph exposes the hidden state after each layer. */
  get hasAllHiddenStates(): boolean {
    return this.session.outputNames.includes(hiddenStateName(0));
  }

  /**
   * Runs the batch and returns the hidden states of the last `lastLayers` layers (1 = the last
   * layer only), oldest first.
   */
  async run(batch: EncoderBatch, lastLayers = 1): Promise<Float32Array[]> {
    const dims = [batch.rows, batch.length];
    const ort = this.ort;
    const feeds = {
      [INPUT_IDS]: new ort.Tensor('int64', batch.ids, dims),
      [ATTENTION_MASK]: new ort.Tensor('int64', batch.mask, dims),
      [TOKEN_TYPE_IDS]: new ort.Tensor('int64', new BigInt64Array(batch.ids.length), dims),
    };
    const names: string[] = [];
    for (let layer = this.numLayers - lastLayers + 1; layer <= this.numLayers; layer++) {
      if (layer < 0) throw new SmyslError('E_USAGE', `the model has only ${this.numLayers} layers`);
      names.push(layer === this.numLayers ? LAST_HIDDEN_STATE : hiddenStateName(layer));
    }
    if (lastLayers > 1 && !this.hasAllHiddenStates)
      throw new SmyslError('E_MODEL', 'this encoder graph exposes only the last layer');
    let out: InferenceSession.OnnxValueMapType;
    try {
      out = await this.session.run(feeds, names);
    } catch (e) {
      throw new SmyslError('E_MODEL', `encoder failed: ${(e as Error).message}`, { cause: e });
    }
    return names.map((n) => out[n].data as Float32Array);
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
