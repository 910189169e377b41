import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import type { InferenceSession } from 'onnxruntime-node';
import { SmyslError } from '../../errors.js';
import { ATTENTION_MASK, hiddenStateName, INPUT_IDS, LAST_HIDDEN_STATE, TOKEN_TYPE_IDS } from './graph.js';

type Ort = typeof import('onnxruntime-node');

/** Which onnxruntime runs the encoders: the native library, or its WebAssembly build. */
export type OnnxRuntimeKind = 'native' | 'wasm';

interface LoadedOrt {
  ort: Ort;
  kind: OnnxRuntimeKind;
  /** Set when the native runtime could not be used: why (said once, on stderr or to `log`). */
  fallback?: string;
}

let ortModule: Promise<LoadedOrt> | undefined;
let fallbackSaid = false;

/**
 * onnxruntime's native library (~20 MB resident, ~0.1 s to load) is loaded when the first encoder
 * is created, not by every command and program that imports smysl. onnxruntime-node is an
 * optional dependency: its install step fetches GPU libraries from the network, so an offline
 * `npm i` drops it, and the encoders then run on onnxruntime-web (the same kernels compiled to
 * WebAssembly; same vectors, slower). SMYSL_ONNXRUNTIME=wasm chooses the WebAssembly build.
 */
function loadOrt(): Promise<LoadedOrt> {
  ortModule ??= (async (): Promise<LoadedOrt> => {
    let reason = 'SMYSL_ONNXRUNTIME=wasm';
    if (process.env.SMYSL_ONNXRUNTIME !== 'wasm') {
      try {
        // require, not import(): as an ES module import Node would scan the CommonJS package
        // for export names first, a visible share of a one-query CLI search
        const m = createRequire(import.meta.url)('onnxruntime-node') as Ort;
        return { ort: m, kind: 'native' };
      } catch (e) {
        reason =
          (e as { code?: string }).code === 'MODULE_NOT_FOUND'
            ? 'onnxruntime-node is not installed'
            : `onnxruntime-node cannot load (${(e as Error).message.split('\n')[0]})`;
      }
    }
    let web: Ort;
    try {
      // the package's "node" export condition picks its Node build
      const m = (await import('onnxruntime-web' as string)) as { default?: Ort } & Ort;
      web = m.default ?? m;
    } catch (e) {
      throw new SmyslError(
        'E_MODEL',
        `${reason}, and neither is onnxruntime-web (${(e as Error).message.split('\n')[0]}): run "npm install onnxruntime-node --onnxruntime-node-install=skip"`,
        { cause: e },
      );
    }
    return { ort: web, kind: 'wasm', fallback: reason };
  })();
  return ortModule;
}

/** The onnxruntime the encoders use (loads it): native, or the WebAssembly fallback. */
export async function onnxRuntimeKind(): Promise<OnnxRuntimeKind> {
  return (await loadOrt()).kind;
}

export interface EncoderSessionOptions {
  /** Intra-op threads for onnxruntime (default: all cores, as onnxruntime decides). */
  threads?: number;
  /** Where the one-line notice goes when the WebAssembly runtime stands in (default: stderr). */
  log?: (line: string) => void;
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
    const { ort, kind, fallback } = await loadOrt();
    if (fallback && !fallbackSaid) {
      fallbackSaid = true;
      (opts.log ?? ((line: string) => process.stderr.write(`${line}\n`)))(
        `smysl: ${fallback}: encoders run on onnxruntime-web (WebAssembly, same vectors, about 3x slower); for native speed run "npm install onnxruntime-node --onnxruntime-node-install=skip"`,
      );
    }
    const sessionOptions: InferenceSession.SessionOptions = {
      graphOptimizationLevel: 'all',
      executionProviders: [kind === 'native' ? 'cpu' : 'wasm'],
      interOpNumThreads: 1,
    };
    if (kind === 'native' && opts.threads !== undefined) sessionOptions.intraOpNumThreads = opts.threads;
    if (kind === 'wasm') {
      // one thread pool for every session of the process, sized by the first
      ort.env.wasm.numThreads = opts.threads ?? availableParallelism();
    }
    if (typeof model === 'string' && kind === 'wasm' && existsSync(`${model}.data`)) {
      // the WebAssembly build reads external data from memory too: a few GiB do not fit there
      const data = `${model}.data`;
      if (statSync(data).size >= 2 ** 31)
        throw new SmyslError(
          'E_MODEL',
          `${data}: an encoder over 2 GiB needs onnxruntime-node (onnxruntime-web, the fallback in use, cannot load it); install onnxruntime-node or use --dtype int8`,
        );
      sessionOptions.externalData = [
        { path: path.basename(data), data: new Uint8Array(await readFile(data)) },
      ];
    }
    try {
      // the WebAssembly build reads a model from bytes, not from a path
      const bytes =
        typeof model === 'string' && kind === 'wasm' ? new Uint8Array(await readFile(model)) : model;
      const session =
        typeof bytes === 'string'
          ? await ort.InferenceSession.create(bytes, sessionOptions)
          : await ort.InferenceSession.create(bytes, sessionOptions);
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
