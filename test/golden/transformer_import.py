#!/usr/bin/python3
"""Golden values for test/embed/transformer/import.test.ts: `smysl model import` of tiny
sentence-transformers folders, checked against sentence vectors computed here by an independent
plain-PyTorch forward pass (no transformers / sentence-transformers library: Debian has neither).

Three tiny models with random weights (mulberry32, so the test regenerates the same float32
weights from the `tensors` spec written below instead of committing them):

  xlmr  XLM-RoBERTa (position ids from padding_idx + 1, one token type, LayerNorm eps 1e-5), a
        SentencePiece Unigram tokenizer trained here by the `sentencepiece` library and written
        as tokenizer.json the way transformers' XLMRobertaConverter writes it (Precompiled
        charsmap + Metaspace + <s> $A </s>); mean pooling, Normalize, max_seq_length 32, e5's
        prompts "query: " / "passage: ". Token ids come from sentencepiece itself (XLM-R's fairseq
        id mapping: <s> <pad> </s> <unk> first, then the pieces shifted by one).
        The charsmap is a sample of SentencePiece's own nmt_nfkc rules (every rule the test
        sentences touch plus 400 random ones), compiled by the sentencepiece trainer, because the
        full nmt_nfkc map is 237 kB.
  labse BERT, WordPiece vocab.txt, CLS pooling, 2_Dense 16 -> 12 with tanh, Normalize (LaBSE's
        shape), max_seq_length 12.
  bin   BERT stored only as pytorch_model.bin (torch.save zip format, written here by torch, with
        a Parameter, a non-contiguous tensor, an int64 buffer and an fp16 tensor), a Dense layer
        (ReLU, no bias) stored in the legacy torch.save format, max pooling, no Normalize,
        do_lower_case true.

Run once from the project root (writes test/golden/transformer-import/):
  /usr/bin/python3 test/golden/transformer_import.py && npx biome format --write test/golden/transformer-import
"""
import collections
import io
import json
import math
import os
import random
import struct
import tempfile

import numpy as np
import sentencepiece as spm
import torch
from sentencepiece import sentencepiece_model_pb2 as model_pb2

OUT = 'test/golden/transformer-import'


def mulberry32(seed):
    a = seed & 0xFFFFFFFF

    def imul(x, y):
        return (x * y) & 0xFFFFFFFF

    def rnd():
        nonlocal a
        a = (a + 0x6D2B79F5) & 0xFFFFFFFF
        t = a
        t = imul(t ^ (t >> 15), t | 1)
        t ^= (t + imul(t ^ (t >> 7), t | 61)) & 0xFFFFFFFF
        return ((t ^ (t >> 14)) & 0xFFFFFFFF) / 4294967296

    return rnd


def bert_spec(cfg, prefix=''):
    """[name, shape, scale, offset] in generation order (the test generates in the same order)."""
    h, inter = cfg['hidden_size'], cfg['intermediate_size']
    spec = [
        ['embeddings.word_embeddings.weight', [cfg['vocab_size'], h], 1, 0],
        ['embeddings.position_embeddings.weight', [cfg['max_position_embeddings'], h], 0.5, 0],
        ['embeddings.token_type_embeddings.weight', [cfg['type_vocab_size'], h], 0.5, 0],
        ['embeddings.LayerNorm.weight', [h], 0.2, 1],
        ['embeddings.LayerNorm.bias', [h], 0.2, 0],
    ]
    for i in range(cfg['num_hidden_layers']):
        p = f'encoder.layer.{i}.'
        for name in ['attention.self.query', 'attention.self.key', 'attention.self.value',
                     'attention.output.dense']:
            spec += [[p + name + '.weight', [h, h], 0.5, 0], [p + name + '.bias', [h], 0.1, 0]]
        spec += [
            [p + 'attention.output.LayerNorm.weight', [h], 0.2, 1],
            [p + 'attention.output.LayerNorm.bias', [h], 0.2, 0],
            [p + 'intermediate.dense.weight', [inter, h], 0.5, 0],
            [p + 'intermediate.dense.bias', [inter], 0.1, 0],
            [p + 'output.dense.weight', [h, inter], 0.5, 0],
            [p + 'output.dense.bias', [h], 0.1, 0],
            [p + 'output.LayerNorm.weight', [h], 0.2, 1],
            [p + 'output.LayerNorm.bias', [h], 0.2, 0],
        ]
    return [[prefix + s[0]] + s[1:] for s in spec]


def generate(spec, seed):
    rnd = mulberry32(seed)
    out = collections.OrderedDict()
    for name, shape, scale, offset in spec:
        n = int(np.prod(shape))
        values = np.array([offset + (rnd() * 2 - 1) * scale for _ in range(n)], dtype=np.float64)
        out[name] = torch.from_numpy(values.astype(np.float32).reshape(shape))
    return out


def layer_norm(x, g, b, eps):
    mu = x.mean(-1, keepdim=True)
    var = ((x - mu) ** 2).mean(-1, keepdim=True)
    return (x - mu) / torch.sqrt(var + eps) * g + b


def encoder_forward(w, cfg, ids, prefix=''):
    """Last hidden state [n, h] of one unpadded sequence, in float64."""
    w = {k[len(prefix):]: v.double() for k, v in w.items() if k.startswith(prefix)}
    h, heads = cfg['hidden_size'], cfg['num_attention_heads']
    d = h // heads
    eps = cfg['layer_norm_eps']
    n = len(ids)
    offset = cfg['pad_token_id'] + 1 if cfg['model_type'] == 'xlm-roberta' else 0
    x = w['embeddings.word_embeddings.weight'][torch.tensor(ids)]
    x = x + w['embeddings.position_embeddings.weight'][offset:offset + n]
    x = x + w['embeddings.token_type_embeddings.weight'][0]
    x = layer_norm(x, w['embeddings.LayerNorm.weight'], w['embeddings.LayerNorm.bias'], eps)

    def lin(t, name):
        return t @ w[name + '.weight'].T + w[name + '.bias']

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
    return x


ACTIVATIONS = {
    'torch.nn.modules.activation.Tanh': torch.tanh,
    'torch.nn.modules.activation.ReLU': torch.relu,
    'torch.nn.modules.linear.Identity': lambda t: t,
}


def sentence_vector(w, cfg, ids, pooling, dense, normalize, prefix=''):
    x = encoder_forward(w, cfg, ids, prefix)
    v = {'cls': lambda: x[0], 'mean': lambda: x.mean(0), 'max': lambda: x.max(0).values}[pooling]()
    for layer in dense:
        v = layer['weight'].double() @ v
        if layer.get('bias') is not None:
            v = v + layer['bias'].double()
        v = ACTIVATIONS[layer['activation']](v)
    if normalize:
        v = v / v.norm()
    return [float(t) for t in v]


# ------------------------------------------------------------------------------------------------
# xlmr: tokenizer

CORPUS = [
    'Привет, как дела? Это простой тест.',
    'Москва — столица России, а Париж — столица Франции.',
    'The cat sat on the mat. The dog ran in the park.',
    'query: how do cats sleep passage: cats sleep sixteen hours a day',
    'Ёжик в тумане и йод в аптеке.',
    'Tokyo 2020, café, film No 1 and three dots...',
    'zero width space and tabs are spaces',
    'Берлин, Рим и Париж: города Европы. Кот спит, собака бежит.',
    'Where is the cat? The cat is asleep on the mat in Berlin and Rome.',
] * 40

XLMR_SENTENCES = [
    'Привет, как дела?',
    'Москва — столица России.',
    'The cat sat on the mat.',
    # decomposed ё and й, which nmt_nfkc composes
    'Е\u0308жик и\u0306од',
    # full-width letters and digits, an ideographic space, a ligature, a numero sign, a two-dot
    # leader. (No "…": "..." splits into "." ".." or ".." "." with exactly equal scores, and which
    # one wins depends on float rounding, f32 in sentencepiece, f64 in tokenizers and smysl.)
    'Ｔｏｋｙｏ\u3000２０２０ ﬁlm №1‥',
    # a combining accent, a tab, a newline, a run of spaces, a zero-width space
    'cafe\u0301\tparis\nберлин   рим zero\u200bwidth',
    # a character outside the vocabulary (astral plane) becomes <unk>
    'кот 🙂 спит',
    # longer than max_seq_length (32): truncated to 30 pieces between <s> and </s>
    'The cat sat on the mat and the dog ran in the park while Москва and Париж slept on; '
    'Берлин и Рим — столицы, where the cat is asleep.',
]

CURATED = ['\t', '\n', '\u00a0', '\u200b', '\u3000', 'ﬁ', '①', '№', '…', '‥', 'Ａ', '\x7f', '\u2028',
           'Е\u0308', 'е\u0308', 'и\u0306', 'И\u0306', 'e\u0301', 'A\u0300']


def decode_charsmap(blob):
    (n,) = struct.unpack('<I', blob[:4])
    trie = struct.unpack('<%dI' % (n // 4), blob[4:4 + n])
    strings = blob[4 + n:]

    def offset(u):
        return (u >> 10) << ((u & (1 << 9)) >> 6)

    rules = {}

    def walk(pos, key):
        base = pos ^ offset(trie[pos])
        for c in range(1, 256):
            child = base ^ c
            if child >= len(trie) or trie[child] & ((1 << 31) | 0xFF) != c:
                continue
            if (trie[child] >> 8) & 1:
                v = trie[child ^ offset(trie[child])] & ((1 << 31) - 1)
                rules[key + bytes([c])] = strings[v:strings.index(b'\0', v)]
            walk(child, key + bytes([c]))

    walk(0, b'')
    return {k.decode('utf8'): v.decode('utf8') for k, v in rules.items()}


def train_spm(normalization_rule_tsv=None):
    model = io.BytesIO()
    kwargs = dict(sentence_iterator=iter(CORPUS), model_writer=model, vocab_size=200, hard_vocab_limit=False,
                  model_type='unigram', character_coverage=1.0, seed_sentencepiece_size=10000,
                  num_threads=1, minloglevel=2)
    if normalization_rule_tsv:
        kwargs['normalization_rule_tsv'] = normalization_rule_tsv
    spm.SentencePieceTrainer.train(**kwargs)
    return model.getvalue()


def build_xlmr_tokenizer():
    nmt = decode_charsmap(model_pb2.ModelProto.FromString(train_spm()).normalizer_spec.precompiled_charsmap)
    text = ''.join(XLMR_SENTENCES + CORPUS[:7])
    keep = {k for k in nmt if k in text or k in CURATED}
    rng = random.Random(15)
    keep |= set(rng.sample(sorted(nmt), 400))
    with tempfile.NamedTemporaryFile('w', suffix='.tsv', delete=False) as f:
        for k in sorted(keep):
            f.write(' '.join('%X' % ord(c) for c in k) + '\t' + ' '.join('%X' % ord(c) for c in nmt[k]) + '\n')
        tsv = f.name
    proto_bytes = train_spm(tsv)
    os.unlink(tsv)
    proto = model_pb2.ModelProto.FromString(proto_bytes)
    sp = spm.SentencePieceProcessor(model_proto=proto_bytes)
    charsmap = proto.normalizer_spec.precompiled_charsmap
    import base64
    vocab = [['<s>', 0.0], ['<pad>', 0.0], ['</s>', 0.0], ['<unk>', 0.0]]
    vocab += [[p.piece, p.score] for p in proto.pieces[3:]]
    vocab += [['<mask>', 0.0]]

    def added(i, content, lstrip=False):
        return {'id': i, 'content': content, 'single_word': False, 'lstrip': lstrip, 'rstrip': False,
                'normalized': False, 'special': True}

    tokenizer = {
        'version': '1.0',
        'truncation': None,
        'padding': None,
        'added_tokens': [added(0, '<s>'), added(1, '<pad>'), added(2, '</s>'), added(3, '<unk>'),
                         added(len(vocab) - 1, '<mask>', True)],
        'normalizer': {'type': 'Sequence', 'normalizers': [
            {'type': 'Precompiled', 'precompiled_charsmap': base64.b64encode(charsmap).decode()},
            {'type': 'Replace', 'pattern': {'Regex': ' {2,}'}, 'content': ' '},
        ]},
        'pre_tokenizer': {'type': 'Metaspace', 'replacement': '▁', 'add_prefix_space': True,
                          'prepend_scheme': 'always'},
        'post_processor': {
            'type': 'TemplateProcessing',
            'single': [{'SpecialToken': {'id': '<s>', 'type_id': 0}}, {'Sequence': {'id': 'A', 'type_id': 0}},
                       {'SpecialToken': {'id': '</s>', 'type_id': 0}}],
            'pair': [{'SpecialToken': {'id': '<s>', 'type_id': 0}}, {'Sequence': {'id': 'A', 'type_id': 0}},
                     {'SpecialToken': {'id': '</s>', 'type_id': 0}}, {'SpecialToken': {'id': '</s>', 'type_id': 0}},
                     {'Sequence': {'id': 'B', 'type_id': 0}}, {'SpecialToken': {'id': '</s>', 'type_id': 0}}],
            'special_tokens': {'<s>': {'id': '<s>', 'ids': [0], 'tokens': ['<s>']},
                               '</s>': {'id': '</s>', 'ids': [2], 'tokens': ['</s>']}},
        },
        'decoder': {'type': 'Metaspace', 'replacement': '▁', 'add_prefix_space': True, 'prepend_scheme': 'always'},
        'model': {'type': 'Unigram', 'unk_id': 3, 'vocab': vocab, 'byte_fallback': False},
    }

    def encode(text, max_length):
        ids = [3 if i == sp.unk_id() else i + 1 for i in sp.encode(text)]
        return [0] + ids[:max_length - 2] + [2]

    return tokenizer, encode, len(vocab), len(keep)


def main():
    os.makedirs(OUT, exist_ok=True)
    golden = {'source': 'test/golden/transformer_import.py: plain PyTorch ' + torch.__version__ + ', sentencepiece '
              + spm.__version__, 'models': {}}

    # ---------------------------------------------------------------- xlmr
    tokenizer, encode, vocab_size, rules = build_xlmr_tokenizer()
    with open(f'{OUT}/xlmr-tokenizer.json', 'w', encoding='utf8') as f:
        json.dump(tokenizer, f, ensure_ascii=False)
    cfg = {'architectures': ['XLMRobertaModel'], 'model_type': 'xlm-roberta', 'vocab_size': vocab_size,
           'hidden_size': 16, 'num_hidden_layers': 2, 'num_attention_heads': 4, 'intermediate_size': 32,
           'hidden_act': 'gelu', 'max_position_embeddings': 34, 'type_vocab_size': 1, 'layer_norm_eps': 1e-5,
           'pad_token_id': 1, 'bos_token_id': 0, 'eos_token_id': 2, 'position_embedding_type': 'absolute'}
    spec = bert_spec(cfg)
    w = generate(spec, 101)
    max_len = 32
    prompts = {'query': 'query: ', 'passage': 'passage: '}
    sentences = []
    for s in XLMR_SENTENCES:
        entry = {'text': s}
        for role, prompt in [('plain', ''), ('query', prompts['query']), ('document', prompts['passage'])]:
            ids = encode(prompt + s, max_len)
            entry[role] = {'ids': ids, 'vector': sentence_vector(w, cfg, ids, 'mean', [], True)}
        sentences.append(entry)
    golden['models']['xlmr'] = {
        'charsmap_rules': rules,
        'seed': 101,
        'tensors': spec,
        'files': {
            'config.json': cfg,
            'modules.json': [
                {'idx': 0, 'name': '0', 'path': '', 'type': 'sentence_transformers.models.Transformer'},
                {'idx': 1, 'name': '1', 'path': '1_Pooling', 'type': 'sentence_transformers.models.Pooling'},
                {'idx': 2, 'name': '2', 'path': '2_Normalize', 'type': 'sentence_transformers.models.Normalize'},
            ],
            '1_Pooling/config.json': {'word_embedding_dimension': 16, 'pooling_mode_cls_token': False,
                                      'pooling_mode_mean_tokens': True, 'pooling_mode_max_tokens': False,
                                      'pooling_mode_mean_sqrt_len_tokens': False,
                                      'pooling_mode_weightedmean_tokens': False, 'pooling_mode_lasttoken': False,
                                      'include_prompt': True},
            'sentence_bert_config.json': {'max_seq_length': max_len, 'do_lower_case': False},
            'config_sentence_transformers.json': {'__version__': {'sentence_transformers': '3.0.0'},
                                                  'prompts': prompts, 'default_prompt_name': None,
                                                  'similarity_fn_name': 'cosine'},
        },
        'sentences': sentences,
    }

    # ---------------------------------------------------------------- labse
    vocab = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'the', 'cat', 'sat', 'on', 'mat', 'dog', 'run',
             '##s', '##ning', 'a', '.', ',', 'кот', 'спит', 'на', 'коврике', 'собака', '##и']
    cfg = {'architectures': ['BertModel'], 'model_type': 'bert', 'vocab_size': len(vocab), 'hidden_size': 16,
           'num_hidden_layers': 2, 'num_attention_heads': 4, 'intermediate_size': 24, 'hidden_act': 'gelu',
           'max_position_embeddings': 24, 'type_vocab_size': 2, 'layer_norm_eps': 1e-12, 'pad_token_id': 0,
           'position_embedding_type': 'absolute'}
    spec = bert_spec(cfg)
    w = generate(spec, 202)
    dense_spec = [['linear.weight', [12, 16], 0.4, 0], ['linear.bias', [12], 0.1, 0]]
    dw = generate(dense_spec, 203)
    dense = [{'weight': dw['linear.weight'], 'bias': dw['linear.bias'], 'activation': 'torch.nn.modules.activation.Tanh'}]
    max_len = 12
    sentences = []
    for s in ['the cat sat on the mat .', 'кот спит на коврике', 'a dog run ##s , the cat ##s sat',
              'the cat sat on the mat . the dog sat on a mat . the cat run ##s']:
        ids = [vocab.index(t) for t in s.split(' ')]
        ids = [2] + ids[:max_len - 2] + [3]
        sentences.append({'text': s.replace(' ##', ''), 'ids': ids,
                          'vector': sentence_vector(w, cfg, ids, 'cls', dense, True)})
    golden['models']['labse'] = {
        'seed': 202,
        'tensors': spec,
        'dense': {'seed': 203, 'tensors': dense_spec},
        'vocab': vocab,
        'files': {
            'config.json': cfg,
            'modules.json': [
                {'idx': 0, 'name': '0', 'path': '', 'type': 'sentence_transformers.models.Transformer'},
                {'idx': 1, 'name': '1', 'path': '1_Pooling', 'type': 'sentence_transformers.models.Pooling'},
                {'idx': 2, 'name': '2', 'path': '2_Dense', 'type': 'sentence_transformers.models.Dense'},
                {'idx': 3, 'name': '3', 'path': '3_Normalize', 'type': 'sentence_transformers.models.Normalize'},
            ],
            '1_Pooling/config.json': {'word_embedding_dimension': 16, 'pooling_mode_cls_token': True,
                                      'pooling_mode_mean_tokens': False, 'pooling_mode_max_tokens': False,
                                      'pooling_mode_mean_sqrt_len_tokens': False},
            '2_Dense/config.json': {'in_features': 16, 'out_features': 12, 'bias': True,
                                    'activation_function': 'torch.nn.modules.activation.Tanh'},
            'sentence_bert_config.json': {'max_seq_length': max_len, 'do_lower_case': False},
        },
        'sentences': sentences,
    }

    # ---------------------------------------------------------------- bin
    vocab = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'the', 'cat', 'Cat', 'sat', 'on', 'mat', '.',
             'кот', 'Кот', 'спит']
    cfg = {'architectures': ['BertModel'], 'model_type': 'bert', 'vocab_size': len(vocab), 'hidden_size': 12,
           'num_hidden_layers': 2, 'num_attention_heads': 3, 'intermediate_size': 16, 'hidden_act': 'gelu',
           'max_position_embeddings': 16, 'type_vocab_size': 2, 'layer_norm_eps': 1e-12, 'pad_token_id': 0}
    spec = bert_spec(cfg, 'bert.')
    w = generate(spec, 303)
    state = collections.OrderedDict()
    for name, t in w.items():
        if name.endswith('word_embeddings.weight'):
            state[name] = torch.nn.Parameter(t, requires_grad=False)
        elif name.endswith('layer.0.attention.self.query.weight'):
            state[name] = t.T.contiguous().T  # same values, column-major strides
            assert not state[name].is_contiguous()
        else:
            state[name] = t
    state['bert.embeddings.position_ids'] = torch.arange(cfg['max_position_embeddings']).unsqueeze(0)
    state['bert.pooler.dense.weight'] = torch.ones(12, 12, dtype=torch.float16)
    torch.save(state, f'{OUT}/bin-pytorch_model.bin')
    dense_spec = [['linear.weight', [8, 12], 0.5, 0]]
    dw = generate(dense_spec, 304)
    torch.save(collections.OrderedDict(dw), f'{OUT}/bin-dense-pytorch_model.bin', _use_new_zipfile_serialization=False)
    dense = [{'weight': dw['linear.weight'], 'activation': 'torch.nn.modules.activation.ReLU'}]
    sentences = []
    for s in ['The Cat sat on the mat.', 'Кот спит', 'the cat sat']:
        ids = [2] + [vocab.index(t) for t in s.lower().replace('.', ' .').split(' ')] + [3]
        sentences.append({'text': s, 'ids': ids, 'vector': sentence_vector(w, cfg, ids, 'max', dense, False, 'bert.')})
    golden['models']['bin'] = {
        'pickled': {'seed': 303, 'tensors': spec},
        'vocab': vocab,
        'files': {
            'config.json': cfg,
            'modules.json': [
                {'idx': 0, 'name': '0', 'path': '', 'type': 'sentence_transformers.models.Transformer'},
                {'idx': 1, 'name': '1', 'path': '1_Pooling', 'type': 'sentence_transformers.models.Pooling'},
                {'idx': 2, 'name': '2', 'path': '2_Dense', 'type': 'sentence_transformers.models.Dense'},
            ],
            '1_Pooling/config.json': {'word_embedding_dimension': 12, 'pooling_mode_max_tokens': True},
            '2_Dense/config.json': {'in_features': 12, 'out_features': 8, 'bias': False,
                                    'activation_function': 'torch.nn.modules.activation.ReLU'},
            'sentence_bert_config.json': {'max_seq_length': 16, 'do_lower_case': True},
        },
        'sentences': sentences,
    }

    with open(f'{OUT}/golden.json', 'w', encoding='utf8') as f:
        json.dump(golden, f, ensure_ascii=False, indent=1)


if __name__ == '__main__':
    main()
