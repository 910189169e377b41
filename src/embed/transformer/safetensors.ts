import { promises as fsp } from 'node:fs';
import { SmyslError } from '../../errors.js';

/** One tensor read from a safetensors file, up-cast to float32 (or kept as integers). */
export interface Tensor {
  shape: number[];
  data: Float32Array;
}

export type SafetensorsDtype = 'F32' | 'F16' | 'BF16' | 'F64' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

export const BYTES_PER_ELEMENT: Record<SafetensorsDtype, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};

interface HeaderEntry {
  dtype: SafetensorsDtype;
  shape: number[];
  data_offsets: [number, number];
}

/**
 * Reads every tensor of a safetensors file (8-byte little-endian header length, a JSON header
 * mapping names to dtype/shape/byte offsets, then the raw little-endian tensor bytes).
 * Floating tensors of any width come back as Float32Array; integer tensors are converted too,
 * since BERT checkpoints only carry small ones (position ids).
 */
export async function readSafetensors(file: string): Promise<Map<string, Tensor>> {
  let bytes: Buffer;
  try {
    bytes = await fsp.readFile(file);
  } catch (e) {
    throw new SmyslError('E_IO', `cannot read ${file}: ${(e as Error).message}`, { cause: e });
  }
  return parseSafetensors(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), file);
}

export function parseSafetensors(bytes: Uint8Array, source = 'safetensors'): Map<string, Tensor> {
  const fail = (reason: string, offset?: number): never => {
    throw new SmyslError('E_FORMAT', `not a valid safetensors file: ${reason}`, {
      location: { source, offset },
    });
  };
  if (bytes.byteLength < 8) fail('shorter than the 8-byte header length');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > bytes.byteLength - 8) fail(`header length ${headerLength} exceeds the file size`, 0);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  } catch (e) {
    return fail(`header is not JSON (${(e as Error).message})`, 8);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header))
    fail('header is not an object', 8);
  const dataStart = 8 + headerLength;
  const dataLength = bytes.byteLength - dataStart;
  const out = new Map<string, Tensor>();
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const entry = raw as HeaderEntry;
    const width = BYTES_PER_ELEMENT[entry?.dtype];
    if (!width) fail(`tensor ${name}: unsupported dtype ${JSON.stringify(entry?.dtype)}`);
    if (!Array.isArray(entry.shape) || entry.shape.some((d) => !Number.isInteger(d) || d < 0))
      fail(`tensor ${name}: bad shape ${JSON.stringify(entry.shape)}`);
    const offsets = entry.data_offsets;
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !Number.isInteger(offsets[0]) ||
      !Number.isInteger(offsets[1]) ||
      offsets[0] < 0 ||
      offsets[1] < offsets[0] ||
      offsets[1] > dataLength
    )
      fail(
        `tensor ${name}: data_offsets ${JSON.stringify(offsets)} outside the ${dataLength}-byte data area`,
      );
    const count = entry.shape.reduce((a, b) => a * b, 1);
    if (count * width !== offsets[1] - offsets[0])
      fail(
        `tensor ${name}: shape ${JSON.stringify(entry.shape)} of ${entry.dtype} needs ${count * width} bytes, offsets span ${offsets[1] - offsets[0]}`,
      );
    const start = dataStart + offsets[0];
    out.set(name, { shape: entry.shape, data: decodeTensorData(bytes, start, count, entry.dtype) });
  }
  return out;
}

/** Decodes `count` little-endian elements of `dtype` starting at byte `start` into float32. */
export function decodeTensorData(
  bytes: Uint8Array,
  start: number,
  count: number,
  dtype: SafetensorsDtype,
): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset + start, count * BYTES_PER_ELEMENT[dtype]);
  const out = new Float32Array(count);
  switch (dtype) {
    case 'F32':
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
      break;
    case 'F64':
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(i * 8, true);
      break;
    case 'F16': {
      const table = halfTable();
      for (let i = 0; i < count; i++) out[i] = table[view.getUint16(i * 2, true)];
      break;
    }
    case 'BF16': {
      const word = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) word[i] = view.getUint16(i * 2, true) << 16;
      break;
    }
    case 'I64':
      for (let i = 0; i < count; i++) out[i] = Number(view.getBigInt64(i * 8, true));
      break;
    case 'I32':
      for (let i = 0; i < count; i++) out[i] = view.getInt32(i * 4, true);
      break;
    case 'I16':
      for (let i = 0; i < count; i++) out[i] = view.getInt16(i * 2, true);
      break;
    case 'I8':
      for (let i = 0; i < count; i++) out[i] = view.getInt8(i);
      break;
    case 'U8':
    case 'BOOL':
      for (let i = 0; i < count; i++) out[i] = view.getUint8(i);
      break;
  }
  return out;
}

let HALF_TABLE: Float32Array | undefined;

/** All 65,536 binary16 values, decoded once: a table lookup beats bit twiddling per weight. */
function halfTable(): Float32Array {
  if (!HALF_TABLE) {
    HALF_TABLE = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) HALF_TABLE[h] = halfToFloat(h);
  }
  return HALF_TABLE;
}

/** IEEE 754 binary16 → number (subnormals, infinities and NaN included). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 31) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** Writes float32 tensors as a safetensors file (used by tests and by model import). */
export function encodeSafetensors(tensors: Map<string, Tensor> | Record<string, Tensor>): Uint8Array {
  const entries = tensors instanceof Map ? [...tensors] : Object.entries(tensors);
  const header: Record<string, HeaderEntry> = {};
  let offset = 0;
  for (const [name, t] of entries) {
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  // The data area is 8-byte aligned in files written by the reference implementation.
  while ((8 + json.length) % 8 !== 0) json += ' ';
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const [, t] of entries) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    at += t.data.byteLength;
  }
  return out;
}
