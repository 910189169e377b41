import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  encodeSafetensors,
  halfToFloat,
  parseSafetensors,
} from '../../../src/embed/transformer/safetensors.js';

function file(header: object, data: number[]): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

test('fp16 and bf16 tensors are up-cast exactly', () => {
  // fp16: 1, -2, 65504 (max), 2^-24 (smallest subnormal); bf16: 1, -0.5
  const bytes = file(
    {
      __metadata__: { format: 'pt' },
      half: { dtype: 'F16', shape: [2, 2], data_offsets: [0, 8] },
      brain: { dtype: 'BF16', shape: [2], data_offsets: [8, 12] },
    },
    [0x00, 0x3c, 0x00, 0xc0, 0xff, 0x7b, 0x01, 0x00, 0x80, 0x3f, 0x00, 0xbf],
  );
  const tensors = parseSafetensors(bytes);
  assert.deepEqual(tensors.get('half')?.shape, [2, 2]);
  assert.deepEqual(Array.from(tensors.get('half')?.data ?? []), [1, -2, 65504, 2 ** -24]);
  assert.deepEqual(Array.from(tensors.get('brain')?.data ?? []), [1, -0.5]);
  assert.ok(Number.isNaN(halfToFloat(0x7e00)));
  assert.equal(halfToFloat(0xfc00), Number.NEGATIVE_INFINITY);
});

test('fp32 round trip through the writer', () => {
  const data = Float32Array.of(0.25, -3.5, 1e-7, 42);
  const back = parseSafetensors(encodeSafetensors({ w: { shape: [4, 1], data } })).get('w');
  assert.deepEqual(back?.shape, [4, 1]);
  assert.deepEqual(Array.from(back?.data ?? []), Array.from(data));
});

test('malformed files are E_FORMAT errors that say what is wrong', () => {
  assert.throws(() => parseSafetensors(new Uint8Array(4), 'x.safetensors'), {
    code: 'E_FORMAT',
    message: /x\.safetensors.*shorter than the 8-byte/,
  });
  const huge = new Uint8Array(16);
  new DataView(huge.buffer).setBigUint64(0, 1000n, true);
  assert.throws(() => parseSafetensors(huge), /header length 1000 exceeds/);
  assert.throws(
    () =>
      parseSafetensors(file({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Array(8).fill(0))),
    /needs 12 bytes, offsets span 8/,
  );
  assert.throws(
    () => parseSafetensors(file({ w: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, [0, 0, 0, 0])),
    /outside the 4-byte data area/,
  );
  assert.throws(
    () =>
      parseSafetensors(file({ w: { dtype: 'C64', shape: [1], data_offsets: [0, 8] } }, new Array(8).fill(0))),
    /unsupported dtype "C64"/,
  );
});
