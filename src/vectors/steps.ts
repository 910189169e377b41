import { SmyslError } from '../errors.js';
import {
  AllButTheTop,
  Center,
  L2Normalize,
  Pca,
  Pipeline,
  Standardize,
  Truncate,
  type VectorStep,
} from './postprocess.js';
import { BinaryQuantization, Int8Quantization } from './quantize.js';

export const STEP_SYNTAX =
  'l2 | center | standardize | pca[:k[:whiten]] | whiten[:k] | abtt[:D] | truncate:k | int8 | binary';

/** Parses one step spec, e.g. "pca:128", "abtt:2", "truncate:64". */
export function parseStep(spec: string, opts: { maxFitRows?: number; seed?: number } = {}): VectorStep {
  const [name, ...args] = spec.trim().split(':');
  const count = (i: number, what: string): number | undefined => {
    if (args[i] === undefined || args[i] === '') return undefined;
    const n = Number(args[i]);
    if (!Number.isInteger(n) || n < 1)
      throw new SmyslError('E_USAGE', `step "${spec}": ${what} must be a positive integer`);
    return n;
  };
  switch (name) {
    case 'l2':
    case 'normalize':
      return new L2Normalize();
    case 'center':
      return new Center();
    case 'standardize':
    case 'zscore':
      return new Standardize();
    case 'pca':
      return new Pca({ components: count(0, 'k'), whiten: args[1] === 'whiten', ...opts });
    case 'whiten':
      return new Pca({ components: count(0, 'k'), whiten: true, ...opts }, 'whiten');
    case 'abtt':
      return new AllButTheTop(count(0, 'D') ?? 1, opts);
    case 'truncate': {
      const k = count(0, 'k');
      if (k === undefined) throw new SmyslError('E_USAGE', 'step "truncate" needs a dimension: truncate:k');
      return new Truncate(k);
    }
    case 'int8':
      return new Int8Quantization();
    case 'binary':
      return new BinaryQuantization();
    default:
      throw new SmyslError('E_USAGE', `unknown post-processing step "${spec}" (expected ${STEP_SYNTAX})`);
  }
}

/** Parses "center,pca:128,l2" into an unfitted pipeline. */
export function parsePipeline(specs: string, opts: { maxFitRows?: number; seed?: number } = {}): Pipeline {
  const parts = specs
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return new Pipeline(parts.map((p) => parseStep(p, opts)));
}
