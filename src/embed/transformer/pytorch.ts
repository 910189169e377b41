import { promises as fsp } from 'node:fs';
import { inflateRawSync } from 'node:zlib';
import { SmyslError } from '../../errors.js';
import { BYTES_PER_ELEMENT, decodeTensorData, type SafetensorsDtype, type Tensor } from './safetensors.js';

/**
 * Reads the tensors of a PyTorch `torch.save` state dict (`pytorch_model.bin`): the zip format
 * of torch >= 1.6 (a pickle `data.pkl` whose persistent ids name raw storage files `data/<key>`)
 * and the older "legacy" format (consecutive pickles, then the raw storages).
 *
 * Pickles can run arbitrary code when Python loads them. This reader never does: it interprets
 * the pickle opcodes itself and knows only the handful of globals a tensor state dict uses
 * (OrderedDict, torch's tensor/parameter rebuild functions, the storage types). Any other global
 * is refused with its name; nothing is looked up or called by name.
 */
export async function readPytorchStateDict(file: string): Promise<Map<string, Tensor>> {
  let bytes: Buffer;
  try {
    bytes = await fsp.readFile(file);
  } catch (e) {
    throw new SmyslError('E_IO', `cannot read ${file}: ${(e as Error).message}`, { cause: e });
  }
  return parsePytorchStateDict(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), file);
}

export function parsePytorchStateDict(bytes: Uint8Array, source = 'pytorch_model.bin'): Map<string, Tensor> {
  const isZip =
    bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 3 && bytes[3] === 4;
  const root = isZip ? loadZipCheckpoint(bytes, source) : loadLegacyCheckpoint(bytes, source);
  return collectTensors(root, source);
}

// ---------------------------------------------------------------------------------------------
// Zip container (stored or deflated entries, zip64 aware)

interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

function readZipDirectory(bytes: Uint8Array, source: string): Map<string, ZipEntry> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (reason: string): never => {
    throw new SmyslError('E_FORMAT', `not a readable PyTorch zip checkpoint: ${reason}`, {
      location: { source },
    });
  };
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 65535); i--) {
    if (view.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) fail('no end-of-central-directory record');
  let count = view.getUint16(eocd + 10, true);
  let directoryOffset = view.getUint32(eocd + 16, true);
  if (count === 0xffff || directoryOffset === 0xffffffff) {
    const locator = eocd - 20;
    if (locator < 0 || view.getUint32(locator, true) !== 0x07064b50) fail('zip64 locator missing');
    const record = Number(view.getBigUint64(locator + 8, true));
    if (record + 56 > bytes.length || view.getUint32(record, true) !== 0x06064b50)
      fail('zip64 end-of-central-directory record missing');
    count = Number(view.getBigUint64(record + 32, true));
    directoryOffset = Number(view.getBigUint64(record + 48, true));
  }
  const entries = new Map<string, ZipEntry>();
  let at = directoryOffset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > bytes.length || view.getUint32(at, true) !== 0x02014b50) fail('broken central directory');
    const method = view.getUint16(at + 10, true);
    let compressedSize = view.getUint32(at + 20, true);
    let size = view.getUint32(at + 24, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    let localOffset = view.getUint32(at + 42, true);
    const name = new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + nameLength));
    // Zip64 extended information: the 64-bit values of the fields saturated above, in order.
    for (let e = at + 46 + nameLength; e + 4 <= at + 46 + nameLength + extraLength; ) {
      const id = view.getUint16(e, true);
      const length = view.getUint16(e + 2, true);
      if (id === 0x0001) {
        let p = e + 4;
        if (size === 0xffffffff) {
          size = Number(view.getBigUint64(p, true));
          p += 8;
        }
        if (compressedSize === 0xffffffff) {
          compressedSize = Number(view.getBigUint64(p, true));
          p += 8;
        }
        if (localOffset === 0xffffffff) localOffset = Number(view.getBigUint64(p, true));
      }
      e += 4 + length;
    }
    entries.set(name, { name, method, compressedSize, size, localOffset });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

function zipEntryData(bytes: Uint8Array, entry: ZipEntry, source: string): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = entry.localOffset;
  if (at + 30 > bytes.length || view.getUint32(at, true) !== 0x04034b50)
    throw new SmyslError('E_FORMAT', `zip entry ${entry.name}: local header missing`, {
      location: { source },
    });
  const start = at + 30 + view.getUint16(at + 26, true) + view.getUint16(at + 28, true);
  if (start + entry.compressedSize > bytes.length)
    throw new SmyslError('E_FORMAT', `zip entry ${entry.name} runs past the end of the file`, {
      location: { source },
    });
  const raw = bytes.subarray(start, start + entry.compressedSize);
  if (entry.method === 0) return raw;
  if (entry.method === 8) return new Uint8Array(inflateRawSync(raw));
  throw new SmyslError(
    'E_FORMAT',
    `zip entry ${entry.name}: compression method ${entry.method} unsupported`,
    {
      location: { source },
    },
  );
}

function loadZipCheckpoint(bytes: Uint8Array, source: string): unknown {
  const entries = readZipDirectory(bytes, source);
  const pickles = [...entries.keys()].filter((n) => n === 'data.pkl' || n.endsWith('/data.pkl'));
  if (pickles.length !== 1)
    throw new SmyslError(
      'E_FORMAT',
      `expected one data.pkl in the PyTorch zip checkpoint, found ${pickles.length}`,
      { location: { source } },
    );
  const prefix = pickles[0].slice(0, -'data.pkl'.length);
  const byteorder = entries.get(`${prefix}byteorder`);
  if (byteorder) {
    const order = new TextDecoder().decode(zipEntryData(bytes, byteorder, source)).trim();
    if (order !== 'little')
      throw new SmyslError(
        'E_FORMAT',
        `tensors are stored ${order}-endian; only little-endian is supported`,
        {
          location: { source },
        },
      );
  }
  const storages = new Map<string, Uint8Array>();
  const storage = (key: string): Uint8Array => {
    let data = storages.get(key);
    if (!data) {
      const entry = entries.get(`${prefix}data/${key}`);
      if (!entry)
        throw new SmyslError('E_FORMAT', `storage "${key}" (${prefix}data/${key}) is missing from the zip`, {
          location: { source },
        });
      data = zipEntryData(bytes, entry, source);
      storages.set(key, data);
    }
    return data;
  };
  const pickle = zipEntryData(bytes, entries.get(pickles[0]) as ZipEntry, source);
  return new Unpickler(pickle, `${source}:${pickles[0]}`, (pid) => {
    const ref = storageRef(pid, `${source}:${pickles[0]}`);
    return new StorageView(ref.dtype, () => storage(ref.key), 0, ref.numel);
  }).load().value;
}

// ---------------------------------------------------------------------------------------------
// Legacy format (torch < 1.6, or _use_new_zipfile_serialization=False)

const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;

function loadLegacyCheckpoint(bytes: Uint8Array, source: string): unknown {
  if (bytes[0] !== 0x80)
    throw new SmyslError('E_FORMAT', 'neither a zip nor a legacy PyTorch checkpoint (no pickle header)', {
      location: { source },
    });
  const plain = (at: number) => new Unpickler(bytes, source, undefined, at).load();
  const magic = plain(0);
  if (magic.value !== LEGACY_MAGIC)
    throw new SmyslError('E_FORMAT', 'not a PyTorch checkpoint (legacy magic number missing)', {
      location: { source },
    });
  const protocol = plain(magic.end);
  if (protocol.value !== 1001)
    throw new SmyslError('E_FORMAT', `legacy PyTorch format version ${String(protocol.value)} unsupported`, {
      location: { source },
    });
  const systemInfo = plain(protocol.end);
  const info = systemInfo.value instanceof Map ? systemInfo.value : new Map();
  if (info.get('little_endian') === false)
    throw new SmyslError('E_FORMAT', 'tensors are stored big-endian; only little-endian is supported', {
      location: { source },
    });
  // The object pickle refers to storages by key; their bytes follow the key list, in that order.
  const views: { ref: StorageRef; view: StorageView; viewOffset: number }[] = [];
  const storages = new Map<string, Uint8Array>();
  const objectPickle = new Unpickler(
    bytes,
    source,
    (pid) => {
      const ref = storageRef(pid, source);
      const view = new StorageView(
        ref.dtype,
        () => {
          const data = storages.get(ref.key);
          if (!data)
            throw new SmyslError('E_FORMAT', `storage "${ref.key}" is missing`, { location: { source } });
          return data;
        },
        ref.viewOffset,
        ref.numel,
      );
      views.push({ ref, view, viewOffset: ref.viewOffset });
      return view;
    },
    systemInfo.end,
  ).load();
  const keys = new Unpickler(bytes, source, undefined, objectPickle.end).load();
  if (!Array.isArray(keys.value))
    throw new SmyslError('E_FORMAT', 'legacy checkpoint: storage key list missing', { location: { source } });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = keys.end;
  const widths = new Map<string, number>();
  for (const v of views) widths.set(v.ref.key, BYTES_PER_ELEMENT[v.ref.dtype]);
  for (const key of keys.value) {
    const name = String(key);
    if (at + 8 > bytes.length)
      throw new SmyslError('E_FORMAT', `legacy checkpoint ends before storage "${name}"`, {
        location: { source, offset: at },
      });
    const numel = Number(view.getBigInt64(at, true));
    const length = numel * (widths.get(name) ?? 1);
    if (at + 8 + length > bytes.length)
      throw new SmyslError('E_FORMAT', `legacy checkpoint storage "${name}" runs past the end of the file`, {
        location: { source, offset: at },
      });
    storages.set(name, bytes.subarray(at + 8, at + 8 + length));
    at += 8 + length;
  }
  return objectPickle.value;
}

// ---------------------------------------------------------------------------------------------
// Storages and tensors

const STORAGE_TYPES: Record<string, SafetensorsDtype> = {
  FloatStorage: 'F32',
  DoubleStorage: 'F64',
  HalfStorage: 'F16',
  BFloat16Storage: 'BF16',
  LongStorage: 'I64',
  IntStorage: 'I32',
  ShortStorage: 'I16',
  CharStorage: 'I8',
  ByteStorage: 'U8',
  BoolStorage: 'BOOL',
  UntypedStorage: 'U8',
};

class StorageType {
  constructor(readonly dtype: SafetensorsDtype) {}
}

interface StorageRef {
  key: string;
  dtype: SafetensorsDtype;
  numel: number;
  viewOffset: number;
}

/** ('storage', storage type, key, location, numel[, view metadata]) */
function storageRef(pid: unknown, source: string): StorageRef {
  if (!Array.isArray(pid) || pid[0] !== 'storage' || !(pid[1] instanceof StorageType))
    throw new SmyslError('E_FORMAT', `unexpected persistent id ${describe(pid)} (not a tensor storage)`, {
      location: { source },
    });
  let viewOffset = 0;
  let numel = Number(pid[4]);
  const viewMeta = pid[5];
  // Legacy checkpoints may reference a slice of a storage: (view key, offset, size).
  if (Array.isArray(viewMeta)) {
    viewOffset = Number(viewMeta[1]);
    numel = Number(viewMeta[2]);
  }
  return { key: String(pid[2]), dtype: pid[1].dtype, numel, viewOffset };
}

/** A typed window on a storage's bytes, read lazily so unused storages are never decoded. */
class StorageView {
  constructor(
    readonly dtype: SafetensorsDtype,
    private readonly bytes: () => Uint8Array,
    readonly offset: number,
    readonly numel: number,
  ) {}
  data(): Uint8Array {
    return this.bytes();
  }
}

/** A tensor rebuilt from (storage, offset, size, stride); decoded to float32 when collected. */
class PickledTensor {
  constructor(
    readonly storage: StorageView,
    readonly offset: number,
    readonly shape: number[],
    readonly stride: number[],
  ) {}

  decode(name: string, source: string): Tensor {
    const count = this.shape.reduce((a, b) => a * b, 1);
    const width = BYTES_PER_ELEMENT[this.storage.dtype];
    const bytes = this.storage.data();
    const base = this.storage.offset + this.offset;
    // The highest element index the strides reach decides how much of the storage is read.
    let last = 0;
    for (let d = 0; d < this.shape.length; d++)
      if (this.shape[d] > 0) last += (this.shape[d] - 1) * this.stride[d];
    if (count > 0 && (base + last + 1) * width > bytes.length)
      throw new SmyslError(
        'E_FORMAT',
        `tensor "${name}" reaches past the end of its storage (${bytes.length} bytes)`,
        { location: { source } },
      );
    if (count === 0) return { shape: this.shape, data: new Float32Array(0) };
    let contiguous = true;
    for (let d = this.shape.length - 1, expected = 1; d >= 0; d--) {
      if (this.shape[d] !== 1 && this.stride[d] !== expected) contiguous = false;
      expected *= this.shape[d];
    }
    if (contiguous)
      return { shape: this.shape, data: decodeTensorData(bytes, base * width, count, this.storage.dtype) };
    const span = decodeTensorData(bytes, base * width, last + 1, this.storage.dtype);
    const out = new Float32Array(count);
    const index = new Array<number>(this.shape.length).fill(0);
    for (let i = 0; i < count; i++) {
      let at = 0;
      for (let d = 0; d < index.length; d++) at += index[d] * this.stride[d];
      out[i] = span[at];
      for (let d = index.length - 1; d >= 0; d--) {
        if (++index[d] < this.shape[d]) break;
        index[d] = 0;
      }
    }
    return { shape: this.shape, data: out };
  }
}

function collectTensors(root: unknown, source: string): Map<string, Tensor> {
  const dict = unwrapStateDict(root);
  if (!dict)
    throw new SmyslError(
      'E_FORMAT',
      `the checkpoint holds ${describe(root)}, not a state dict (a mapping of names to tensors)`,
      { location: { source } },
    );
  const out = new Map<string, Tensor>();
  for (const [name, value] of dict) {
    if (value instanceof PickledTensor) out.set(String(name), value.decode(String(name), source));
  }
  if (out.size === 0)
    throw new SmyslError('E_FORMAT', 'the state dict holds no tensors', { location: { source } });
  return out;
}

/** The state dict itself, or one nested under "state_dict"/"model" as training scripts save it. */
function unwrapStateDict(root: unknown): Map<unknown, unknown> | undefined {
  if (!(root instanceof Map)) return undefined;
  if ([...root.values()].some((v) => v instanceof PickledTensor)) return root;
  for (const key of ['state_dict', 'model', 'module']) {
    const inner = root.get(key);
    if (inner instanceof Map) return unwrapStateDict(inner);
  }
  return root;
}

// ---------------------------------------------------------------------------------------------
// The pickle machine

/** A callable the pickle may name: implemented here, never resolved from the pickle's text. */
type Callable = (args: unknown[], source: string) => unknown;

class OrderedDictClass {}

function tupleOf(value: unknown, what: string, source: string): number[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'number' && typeof v !== 'bigint'))
    throw new SmyslError('E_FORMAT', `${what} is ${describe(value)}, not a tuple of integers`, {
      location: { source },
    });
  return value.map(Number);
}

const rebuildTensor: Callable = ([storage, offset, size, stride], source) => {
  if (!(storage instanceof StorageView))
    throw new SmyslError('E_FORMAT', `a tensor is rebuilt from ${describe(storage)}, not a storage`, {
      location: { source },
    });
  return new PickledTensor(
    storage,
    Number(offset),
    tupleOf(size, 'tensor size', source),
    tupleOf(stride, 'tensor stride', source),
  );
};

const GLOBALS: Record<string, unknown> = {
  'collections OrderedDict': new OrderedDictClass(),
  'torch._utils _rebuild_tensor_v2': rebuildTensor,
  'torch._utils _rebuild_tensor': rebuildTensor,
  // A Parameter is its tensor; requires_grad and hooks do not matter for inference.
  'torch._utils _rebuild_parameter': ((args) => args[0]) as Callable,
  'torch._utils _rebuild_parameter_with_state': ((args) => args[0]) as Callable,
  // Bytes pickled by protocol 2 arrive as _codecs.encode(text, "latin1").
  '_codecs encode': ((args) => {
    const text = String(args[0]);
    const out = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
    return out;
  }) as Callable,
};
for (const [name, dtype] of Object.entries(STORAGE_TYPES)) GLOBALS[`torch ${name}`] = new StorageType(dtype);

class Unpickler {
  private at: number;
  private readonly stack: unknown[] = [];
  private readonly marks: number[] = [];
  private readonly memo = new Map<number, unknown>();
  private readonly view: DataView;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly source: string,
    private readonly persistentLoad?: (pid: unknown) => unknown,
    start = 0,
  ) {
    this.at = start;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private fail(reason: string): never {
    throw new SmyslError('E_FORMAT', `pickle: ${reason}`, {
      location: { source: this.source, offset: this.at },
    });
  }

  private need(n: number): number {
    const at = this.at;
    if (at + n > this.bytes.length) this.fail('truncated');
    this.at += n;
    return at;
  }
  private u8(): number {
    return this.bytes[this.need(1)];
  }
  private u16(): number {
    return this.view.getUint16(this.need(2), true);
  }
  private u32(): number {
    return this.view.getUint32(this.need(4), true);
  }
  private u64(): number {
    return Number(this.view.getBigUint64(this.need(8), true));
  }
  private raw(n: number): Uint8Array {
    const at = this.need(n);
    return this.bytes.subarray(at, at + n);
  }
  private text(n: number): string {
    return new TextDecoder().decode(this.raw(n));
  }
  private latin1(n: number): string {
    let s = '';
    for (const b of this.raw(n)) s += String.fromCharCode(b);
    return s;
  }
  private line(): string {
    const start = this.at;
    while (this.at < this.bytes.length && this.bytes[this.at] !== 0x0a) this.at++;
    if (this.at >= this.bytes.length) this.fail('unterminated line');
    const s = this.latin1Slice(start, this.at);
    this.at++;
    return s;
  }
  private latin1Slice(from: number, to: number): string {
    let s = '';
    for (let i = from; i < to; i++) s += String.fromCharCode(this.bytes[i]);
    return s;
  }
  private pop(): unknown {
    if (this.stack.length === 0) this.fail('stack underflow');
    return this.stack.pop();
  }
  private top(): unknown {
    if (this.stack.length === 0) this.fail('stack underflow');
    return this.stack[this.stack.length - 1];
  }
  private popMark(): unknown[] {
    const mark = this.marks.pop();
    if (mark === undefined) this.fail('no MARK');
    const items = this.stack.splice(mark);
    return items;
  }
  private global(module: string, name: string): unknown {
    const found = GLOBALS[`${module} ${name}`];
    if (found === undefined)
      throw new SmyslError(
        'E_FORMAT',
        `the pickle refers to ${module}.${name}, which is not part of a tensor state dict; refusing to load it (smysl never runs code from a checkpoint)`,
        { location: { source: this.source } },
      );
    return found;
  }
  private setItems(target: unknown, items: unknown[]): void {
    if (!(target instanceof Map)) this.fail(`SETITEM(S) on ${describe(target)}`);
    for (let i = 0; i + 1 < items.length; i += 2) target.set(items[i], items[i + 1]);
  }

  /** Runs to STOP; returns the value and the offset just past the pickle. */
  load(): { value: unknown; end: number } {
    for (;;) {
      const op = this.u8();
      switch (op) {
        case 0x80: // PROTO
          this.u8();
          break;
        case 0x95: // FRAME
          this.u64();
          break;
        case 0x2e: // STOP
          return { value: this.pop(), end: this.at };
        case 0x28: // MARK
          this.marks.push(this.stack.length);
          break;
        case 0x7d: // EMPTY_DICT
          this.stack.push(new Map());
          break;
        case 0x5d: // EMPTY_LIST
        case 0x29: // EMPTY_TUPLE
          this.stack.push([]);
          break;
        case 0x74: // TUPLE
        case 0x6c: // LIST
          this.stack.push(this.popMark());
          break;
        case 0x64: {
          // DICT
          const m = new Map();
          this.setItems(m, this.popMark());
          this.stack.push(m);
          break;
        }
        case 0x85: // TUPLE1
          this.stack.push([this.pop()]);
          break;
        case 0x86: {
          // TUPLE2
          const b = this.pop();
          this.stack.push([this.pop(), b]);
          break;
        }
        case 0x87: {
          // TUPLE3
          const c = this.pop();
          const b = this.pop();
          this.stack.push([this.pop(), b, c]);
          break;
        }
        case 0x61: {
          // APPEND
          const v = this.pop();
          const list = this.top();
          if (!Array.isArray(list)) this.fail('APPEND to a non-list');
          list.push(v);
          break;
        }
        case 0x65: {
          // APPENDS
          const items = this.popMark();
          const list = this.top();
          if (!Array.isArray(list)) this.fail('APPENDS to a non-list');
          list.push(...items);
          break;
        }
        case 0x73: {
          // SETITEM
          const v = this.pop();
          const k = this.pop();
          this.setItems(this.top(), [k, v]);
          break;
        }
        case 0x75: {
          // SETITEMS
          const items = this.popMark();
          this.setItems(this.top(), items);
          break;
        }
        case 0x4b: // BININT1
          this.stack.push(this.u8());
          break;
        case 0x4d: // BININT2
          this.stack.push(this.u16());
          break;
        case 0x4a: // BININT
          this.stack.push(this.view.getInt32(this.need(4), true));
          break;
        case 0x8a: // LONG1
          this.stack.push(this.long(this.u8()));
          break;
        case 0x8b: // LONG4
          this.stack.push(this.long(this.u32()));
          break;
        case 0x47: // BINFLOAT (big-endian)
          this.stack.push(this.view.getFloat64(this.need(8), false));
          break;
        case 0x4e: // NONE
          this.stack.push(null);
          break;
        case 0x88: // NEWTRUE
          this.stack.push(true);
          break;
        case 0x89: // NEWFALSE
          this.stack.push(false);
          break;
        case 0x58: // BINUNICODE
          this.stack.push(this.text(this.u32()));
          break;
        case 0x8c: // SHORT_BINUNICODE
          this.stack.push(this.text(this.u8()));
          break;
        case 0x8d: // BINUNICODE8
          this.stack.push(this.text(this.u64()));
          break;
        case 0x55: // SHORT_BINSTRING
          this.stack.push(this.latin1(this.u8()));
          break;
        case 0x54: // BINSTRING
          this.stack.push(this.latin1(this.u32()));
          break;
        case 0x43: // SHORT_BINBYTES
          this.stack.push(this.raw(this.u8()));
          break;
        case 0x42: // BINBYTES
          this.stack.push(this.raw(this.u32()));
          break;
        case 0x8e: // BINBYTES8
          this.stack.push(this.raw(this.u64()));
          break;
        case 0x63: {
          // GLOBAL "module\nname\n"
          const module = this.line();
          this.stack.push(this.global(module, this.line()));
          break;
        }
        case 0x93: {
          // STACK_GLOBAL
          const name = this.pop();
          const module = this.pop();
          if (typeof module !== 'string' || typeof name !== 'string')
            this.fail('STACK_GLOBAL of non-strings');
          this.stack.push(this.global(module, name));
          break;
        }
        case 0x71: // BINPUT
          this.memo.set(this.u8(), this.top());
          break;
        case 0x72: // LONG_BINPUT
          this.memo.set(this.u32(), this.top());
          break;
        case 0x94: // MEMOIZE
          this.memo.set(this.memo.size, this.top());
          break;
        case 0x68: // BINGET
        case 0x6a: {
          // LONG_BINGET
          const key = op === 0x68 ? this.u8() : this.u32();
          if (!this.memo.has(key)) this.fail(`memo ${key} unset`);
          this.stack.push(this.memo.get(key));
          break;
        }
        case 0x52: {
          // REDUCE
          const args = this.pop();
          const callable = this.pop();
          if (!Array.isArray(args)) this.fail('REDUCE arguments are not a tuple');
          if (callable instanceof OrderedDictClass) {
            const dict = new Map();
            if (Array.isArray(args[0]))
              for (const pair of args[0]) if (Array.isArray(pair)) dict.set(pair[0], pair[1]);
            this.stack.push(dict);
          } else if (typeof callable === 'function')
            this.stack.push((callable as Callable)(args, this.source));
          else this.fail(`REDUCE of ${describe(callable)}`);
          break;
        }
        case 0x81: {
          // NEWOBJ: only OrderedDict may be instantiated this way
          this.pop();
          const cls = this.pop();
          if (!(cls instanceof OrderedDictClass)) this.fail(`NEWOBJ of ${describe(cls)}`);
          this.stack.push(new Map());
          break;
        }
        case 0x62: // BUILD: state dicts carry a `_metadata` attribute that inference does not need
          this.pop();
          break;
        case 0x51: {
          // BINPERSID
          const pid = this.pop();
          if (!this.persistentLoad) this.fail('persistent id outside a checkpoint');
          this.stack.push(this.persistentLoad(pid));
          break;
        }
        default:
          this.fail(`unsupported opcode 0x${op.toString(16).padStart(2, '0')}`);
      }
    }
  }

  /** Little-endian two's complement integer of n bytes; a number when it fits, else a bigint. */
  private long(n: number): number | bigint {
    const bytes = this.raw(n);
    if (n === 0) return 0;
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]);
    if (bytes[n - 1] & 0x80) v -= 1n << BigInt(8 * n);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  }
}

function describe(value: unknown): string {
  if (value === null) return 'None';
  if (Array.isArray(value)) return `a tuple of ${value.length}`;
  if (value instanceof Map) return 'a dict';
  if (value instanceof PickledTensor) return 'a tensor';
  if (value instanceof StorageView) return 'a storage';
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 40));
  return typeof value;
}
