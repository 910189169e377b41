#!/usr/bin/python3
"""Reference STSb dev Spearman for all-MiniLM-L6-v2: plain PyTorch BERT (see
transformer_minilm.py) on the same fp16 safetensors up-cast to fp32, mean pooling, cosine.

Token ids come from smysl's tokenizer (whose ids match @huggingface/transformers on ~4,000
sentences, see test/text/subword); the point is to check the encoder, not the tokenizer.
Run from the project root after `npm run build`:
  /usr/bin/python3 test/golden/transformer_stsb_reference.py
"""
import json
import subprocess

import torch
from scipy.stats import spearmanr

from transformer_minilm import MODEL, forward, read_safetensors  # noqa: E402

STS = '../shared/data/stsbenchmark/sts-dev.csv'
TOKENIZE = """
import { Tokenizer } from './dist/src/text/subword/index.js';
const tok = await Tokenizer.load(process.argv[1]);
const lines = (await import('node:fs')).readFileSync(0, 'utf8').split('\\n');
process.stdout.write(JSON.stringify(lines.map((l) => tok.encode(l, { truncation: { maxLength: 256 } }).ids)));
"""


def main():
    rows = [l.split('\t') for l in open(STS, encoding='utf8').read().split('\n') if l]
    gold = [float(r[4]) for r in rows]
    texts = [r[5] for r in rows] + [r[6] for r in rows]
    out = subprocess.run(['node', '--input-type=module', '-e', TOKENIZE, f'{MODEL}/tokenizer.json'],
                         input='\n'.join(texts), capture_output=True, text=True, check=True).stdout
    ids = json.loads(out)
    cfg = json.load(open(f'{MODEL}/config.json'))
    w = read_safetensors(f'{MODEL}/model.fp16.safetensors')
    vecs = []
    with torch.no_grad():
        for seq in ids:
            mean = forward(w, cfg, seq)[-1].mean(0)
            vecs.append(mean / mean.norm())
    n = len(rows)
    cos = [float(vecs[i] @ vecs[i + n]) for i in range(n)]
    print(json.dumps({'pairs': n, 'spearman_x100': round(100 * spearmanr(cos, gold).correlation, 2)}))


main()
