import { createRequire } from 'node:module';
import type protobuf from 'protobufjs';

/**
 * The part of onnx.proto (ONNX IR) that a model writer needs, as a protobufjs descriptor.
 * Field numbers are the ones of the official schema, so any ONNX reader accepts the bytes.
 */
const ONNX_SCHEMA = {
  nested: {
    onnx: {
      nested: {
        AttributeProto: {
          fields: {
            name: { type: 'string', id: 1 },
            type: { type: 'int32', id: 20 },
            f: { type: 'float', id: 2 },
            i: { type: 'int64', id: 3 },
            s: { type: 'bytes', id: 4 },
            t: { type: 'TensorProto', id: 5 },
            floats: { rule: 'repeated', type: 'float', id: 7 },
            ints: { rule: 'repeated', type: 'int64', id: 8 },
          },
        },
        ValueInfoProto: {
          fields: { name: { type: 'string', id: 1 }, type: { type: 'TypeProto', id: 2 } },
        },
        NodeProto: {
          fields: {
            input: { rule: 'repeated', type: 'string', id: 1 },
            output: { rule: 'repeated', type: 'string', id: 2 },
            name: { type: 'string', id: 3 },
            opType: { type: 'string', id: 4 },
            domain: { type: 'string', id: 7 },
            attribute: { rule: 'repeated', type: 'AttributeProto', id: 5 },
          },
        },
        ModelProto: {
          fields: {
            irVersion: { type: 'int64', id: 1 },
            opsetImport: { rule: 'repeated', type: 'OperatorSetIdProto', id: 8 },
            producerName: { type: 'string', id: 2 },
            producerVersion: { type: 'string', id: 3 },
            docString: { type: 'string', id: 6 },
            graph: { type: 'GraphProto', id: 7 },
            metadataProps: { rule: 'repeated', type: 'StringStringEntryProto', id: 14 },
          },
        },
        StringStringEntryProto: {
          fields: { key: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } },
        },
        GraphProto: {
          fields: {
            node: { rule: 'repeated', type: 'NodeProto', id: 1 },
            name: { type: 'string', id: 2 },
            initializer: { rule: 'repeated', type: 'TensorProto', id: 5 },
            input: { rule: 'repeated', type: 'ValueInfoProto', id: 11 },
            output: { rule: 'repeated', type: 'ValueInfoProto', id: 12 },
          },
        },
        TensorProto: {
          fields: {
            dims: { rule: 'repeated', type: 'int64', id: 1 },
            dataType: { type: 'int32', id: 2 },
            name: { type: 'string', id: 8 },
            rawData: { type: 'bytes', id: 9 },
            externalData: { rule: 'repeated', type: 'StringStringEntryProto', id: 13 },
            dataLocation: { type: 'int32', id: 14 },
          },
        },
        TensorShapeProto: {
          fields: { dim: { rule: 'repeated', type: 'Dimension', id: 1 } },
          nested: {
            Dimension: {
              oneofs: { value: { oneof: ['dimValue', 'dimParam'] } },
              fields: { dimValue: { type: 'int64', id: 1 }, dimParam: { type: 'string', id: 2 } },
            },
          },
        },
        TypeProto: {
          oneofs: { value: { oneof: ['tensorType'] } },
          fields: { tensorType: { type: 'Tensor', id: 1 } },
          nested: {
            Tensor: {
              fields: {
                elemType: { type: 'int32', id: 1 },
                shape: { type: 'TensorShapeProto', id: 2 },
              },
            },
          },
        },
        OperatorSetIdProto: {
          fields: { domain: { type: 'string', id: 1 }, version: { type: 'int64', id: 2 } },
        },
      },
    },
  },
};

// protobufjs is needed only to write a graph (once per model build), so it is required on first
// use: every search used to pay for loading it, and for Node scanning it as an ES module.
let modelProto: protobuf.Type | undefined;
function ModelProtoType(): protobuf.Type {
  if (!modelProto) {
    const pb = createRequire(import.meta.url)('protobufjs') as typeof protobuf;
    modelProto = pb.Root.fromJSON(ONNX_SCHEMA).lookupType('onnx.ModelProto');
  }
  return modelProto;
}

/** ONNX TensorProto.DataType values used here. */
export const DataType = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7 } as const;
export type ElementType = (typeof DataType)[keyof typeof DataType];

const AttributeType = { FLOAT: 1, INT: 2, FLOATS: 6, INTS: 7 } as const;

export type AttributeValue = number | number[] | { float: number } | { floats: number[] };

interface Node {
  input: string[];
  output: string[];
  name: string;
  opType: string;
  domain: string;
  attribute: Record<string, unknown>[];
}

interface Initializer {
  name: string;
  dims: number[];
  dataType: number;
  rawData: Uint8Array;
}

export interface SerializeOptions {
  opsets: Record<string, number>;
  producerVersion: string;
  metadata?: Record<string, string>;
}

/** A symbolic ("batch") or fixed dimension. */
export type Dim = string | number;

/**
 * Collects nodes, initializers and graph inputs/outputs, then serializes a ModelProto.
 * Integer attribute values are written as INT(S); wrap in {float}/{floats} for FLOAT(S).
 */
export class OnnxGraphBuilder {
  private readonly nodes: Node[] = [];
  private readonly initializers: Initializer[] = [];
  private readonly inputs: Record<string, unknown>[] = [];
  private readonly outputs: Record<string, unknown>[] = [];
  private counter = 0;

  /** A fresh value name with a readable stem. */
  fresh(stem: string): string {
    return `${stem}_${this.counter++}`;
  }

  input(name: string, type: ElementType, dims: Dim[]): string {
    this.inputs.push(valueInfo(name, type, dims));
    return name;
  }

  output(name: string, type: ElementType, dims: Dim[]): void {
    this.outputs.push(valueInfo(name, type, dims));
  }

  initializer(
    name: string,
    dims: number[],
    data: Float32Array | Int32Array | Int8Array | Uint8Array | BigInt64Array,
  ): string {
    const dataType =
      data instanceof Float32Array
        ? DataType.FLOAT
        : data instanceof Int32Array
          ? DataType.INT32
          : data instanceof Int8Array
            ? DataType.INT8
            : data instanceof BigInt64Array
              ? DataType.INT64
              : DataType.UINT8;
    // ONNX raw_data is little-endian, which is what typed arrays hold on every platform Node runs on.
    const rawData = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
    this.initializers.push({ name, dims, dataType, rawData });
    return name;
  }

  int64s(name: string, values: number[]): string {
    return this.initializer(name, [values.length], BigInt64Array.from(values.map((v) => BigInt(v))));
  }

  /** Adds a node; returns its output names. Use '' for an omitted optional input. */
  node(
    opType: string,
    input: string[],
    output: string[] | number,
    attributes: Record<string, AttributeValue> = {},
    domain = '',
  ): string[] {
    const outs =
      typeof output === 'number' ? Array.from({ length: output }, () => this.fresh(opType)) : output;
    const attribute = Object.entries(attributes).map(([name, v]) => attributeProto(name, v));
    this.nodes.push({ input, output: outs, name: this.fresh(`${opType}_node`), opType, domain, attribute });
    return outs;
  }

  /** One-output node shorthand. */
  op(opType: string, input: string[], attributes: Record<string, AttributeValue> = {}, domain = ''): string {
    return this.node(opType, input, 1, attributes, domain)[0];
  }

  serialize(opts: SerializeOptions): Uint8Array {
    return this.encode(opts, this.initializers);
  }

  /**
   * The model with every initializer of at least `minBytes` bytes moved to an external data
   * file (ONNX's external data: `location` is the file's name beside the model, each tensor at
   * an offset aligned to 4 KiB). A protobuf message cannot exceed 2 GiB, so bigger models are
   * stored this way; `data` is the file's content in pieces (it may exceed what one buffer holds).
   */
  serializeExternal(
    opts: SerializeOptions,
    external: { location: string; minBytes: number },
  ): { model: Uint8Array; data: Uint8Array[] } {
    const data: Uint8Array[] = [];
    let offset = 0;
    const initializers = this.initializers.map((t) => {
      if (t.rawData.byteLength < external.minBytes) return t;
      const pad = (4096 - (offset % 4096)) % 4096;
      if (pad > 0) data.push(new Uint8Array(pad));
      offset += pad;
      data.push(t.rawData);
      const entry = {
        name: t.name,
        dims: t.dims,
        dataType: t.dataType,
        dataLocation: 1, // EXTERNAL
        externalData: [
          { key: 'location', value: external.location },
          { key: 'offset', value: String(offset) },
          { key: 'length', value: String(t.rawData.byteLength) },
        ],
      };
      offset += t.rawData.byteLength;
      return entry;
    });
    return { model: this.encode(opts, initializers), data };
  }

  private encode(opts: SerializeOptions, initializers: object[]): Uint8Array {
    const ModelProto = ModelProtoType();
    const message = ModelProto.fromObject({
      irVersion: 8,
      opsetImport: Object.entries(opts.opsets).map(([domain, version]) => ({ domain, version })),
      producerName: 'smysl',
      producerVersion: opts.producerVersion,
      graph: {
        name: 'encoder',
        node: this.nodes,
        initializer: initializers,
        input: this.inputs,
        output: this.outputs,
      },
      metadataProps: Object.entries(opts.metadata ?? {}).map(([key, value]) => ({ key, value })),
    });
    return ModelProto.encode(message).finish();
  }
}

function valueInfo(name: string, elemType: number, dims: Dim[]): Record<string, unknown> {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function attributeProto(name: string, v: AttributeValue): Record<string, unknown> {
  if (typeof v === 'number') return { name, type: AttributeType.INT, i: v };
  if (Array.isArray(v)) return { name, type: AttributeType.INTS, ints: v };
  if ('float' in v) return { name, type: AttributeType.FLOAT, f: v.float };
  return { name, type: AttributeType.FLOATS, floats: v.floats };
}
