"""Makes the gensim-written word-vector files and gensim's query/evaluation outputs on them.

Run ONCE with the Debian gensim (4.2) from the project root:
    /usr/bin/python3 test/golden/wordvec/make_gensim_files.py
Outputs (committed): small.txt, small.bin, pairs.tsv, analogies.txt, gensim_outputs.json.
The tests read these; they never run this script.
"""
import json
import os
import random

import numpy as np
from gensim.models import KeyedVectors, Word2Vec
from gensim.utils import simple_preprocess
from scipy import stats

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, '..', '..', '..', '..', 'shared', 'data', 'lee_corpus', 'lee_background.cor')
N_WORDS = 600
DIM = 16

sentences = [simple_preprocess(line) for line in open(CORPUS, encoding='utf8')]
model = Word2Vec(sentences, vector_size=DIM, window=5, min_count=3, sg=1, negative=5, epochs=20, seed=1, workers=1)
words = model.wv.index_to_key[:N_WORDS]
kv_small = KeyedVectors(DIM)
kv_small.add_vectors(words, model.wv.vectors[:N_WORDS])
# A few capitalised duplicates-by-case exercise the case folding of the evaluations (their vectors
# are slightly perturbed copies, so they are distinct rows).
extra = ['Government', 'Australia', 'Police']
kv_small.add_vectors(extra, model.wv.vectors[[model.wv.key_to_index[w.lower()] for w in extra]] * 1.01 + 0.01)
kv_small.save_word2vec_format(os.path.join(HERE, 'small.txt'), binary=False)
kv_small.save_word2vec_format(os.path.join(HERE, 'small.bin'), binary=True)

kv = KeyedVectors.load_word2vec_format(os.path.join(HERE, 'small.txt'), binary=False)
kv_bin = KeyedVectors.load_word2vec_format(os.path.join(HERE, 'small.bin'), binary=True)
assert np.array_equal(kv.vectors, kv_bin.vectors)
vocab = kv.index_to_key
rng = random.Random(7)

def pairs_of(result):
    return [[w, float(s)] for w, s in result]

out = {'most_similar': [], 'most_similar_cosmul': [], 'doesnt_match': [], 'n_similarity': [], 'similarity': [], 'rank': []}
for positive, negative, restrict in [
    (['police'], [], None), (['government'], [], None), (['fire'], [], 200),
    (['australia', 'police'], ['government'], None), (['people', 'said'], ['new'], 300),
    (['israeli', 'palestinian'], [], None), (['Police'], [], None),
]:
    out['most_similar'].append({'positive': positive, 'negative': negative, 'restrict_vocab': restrict,
                                'result': pairs_of(kv.most_similar(positive=positive, negative=negative, topn=10, restrict_vocab=restrict))})
for positive, negative in [(['police'], []), (['australia', 'police'], ['government']), (['people', 'said'], ['new']), (['fire', 'man'], ['day', 'year'])]:
    out['most_similar_cosmul'].append({'positive': positive, 'negative': negative,
                                       'result': pairs_of(kv.most_similar_cosmul(positive=positive, negative=negative, topn=10))})
for group in [['police', 'government', 'fire', 'minister'], ['monday', 'tuesday', 'friday', 'police', 'week'], ['israeli', 'palestinian', 'arafat', 'sydney', 'nosuchword']]:
    out['doesnt_match'].append({'words': group, 'result': kv.doesnt_match(group)})
for a, b in [(['police', 'fire'], ['government']), (['israeli', 'palestinian', 'arafat'], ['australia', 'sydney']), (['new'], ['year', 'day'])]:
    out['n_similarity'].append({'words1': a, 'words2': b, 'result': float(kv.n_similarity(a, b))})
for _ in range(20):
    a, b = rng.choice(vocab), rng.choice(vocab)
    out['similarity'].append({'word1': a, 'word2': b, 'result': float(kv.similarity(a, b))})
for _ in range(10):
    a, b = rng.choice(vocab), rng.choice(vocab)
    if a != b:
        out['rank'].append({'word1': a, 'word2': b, 'result': int(kv.rank(a, b))})

# Word pairs: 60 random in-vocabulary pairs with coarse scores (ties), a few OOV and case variants.
with open(os.path.join(HERE, 'pairs.tsv'), 'w', encoding='utf8') as f:
    f.write('# synthetic word pairs for the evaluation test\n# Word 1\tWord 2\tScore\n')
    for i in range(60):
        a, b = rng.choice(vocab[:500]), rng.choice(vocab[:500])
        if i % 15 == 0:
            a = a.upper()
        f.write(f'{a}\t{b}\t{rng.randint(0, 8) / 2}\n')
    f.write('zzznotaword\tpolice\t3.0\nfire\tqqqmissing\t1.5\n')

# Analogies: questions whose answer is gensim's own 3CosAdd top answer (so some are correct), random
# ones, questions with OOV words, capitalised words, and a malformed line.
def analogy_lines(n):
    lines = []
    for i in range(n):
        a, b, c = rng.sample(vocab[:500], 3)
        if i % 2 == 0:
            d = kv.most_similar(positive=[b, c], negative=[a], topn=1)[0][0]
        else:
            d = rng.choice(vocab[:500])
        if i % 7 == 0:
            a = a.capitalize()
        lines.append(f'{a} {b} {c} {d}')
    return lines
with open(os.path.join(HERE, 'analogies.txt'), 'w', encoding='utf8') as f:
    f.write(': first-section\n' + '\n'.join(analogy_lines(40)) + '\n')
    f.write('police fire notaword government\nthis line is malformed again\n')
    f.write(': second-section\n' + '\n'.join(analogy_lines(40)) + '\n')
    f.write(': empty-section\nnotaword police fire government\n')

def analogy_summary(score, sections):
    return {'score': float(score), 'sections': [{'section': s['section'], 'correct': len(s['correct']), 'incorrect': len(s['incorrect'])} for s in sections]}

def cosmul_analogies(path):
    # gensim 4.2 ignores similarity_function and restrict_vocab for 3CosMul, so this repeats its
    # evaluate_word_analogies loop with most_similar_cosmul (case-insensitive, full vocabulary).
    ok_vocab = {k.upper(): kv.get_index(k) for k in reversed(kv.index_to_key)}
    sections, section = [], None
    for line in open(path, encoding='utf8'):
        if line.startswith(': '):
            if section:
                sections.append(section)
            section = {'section': line.lstrip(': ').strip(), 'correct': [], 'incorrect': []}
            continue
        try:
            a, b, c, expected = [w.upper() for w in line.split()]
        except ValueError:
            continue
        if a not in ok_vocab or b not in ok_vocab or c not in ok_vocab or expected not in ok_vocab:
            continue
        original = kv.key_to_index
        kv.key_to_index = ok_vocab
        sims = kv.most_similar_cosmul(positive=[b, c], negative=[a], topn=5)
        kv.key_to_index = original
        predicted = None
        for element in sims:
            predicted = element[0].upper()
            if predicted in ok_vocab and predicted not in {a, b, c}:
                break
        (section['correct'] if predicted == expected else section['incorrect']).append((a, b, c, expected))
    sections.append(section)
    correct = sum(len(s['correct']) for s in sections)
    incorrect = sum(len(s['incorrect']) for s in sections)
    sections.append({'section': 'Total accuracy', 'correct': [0] * correct, 'incorrect': [0] * incorrect})
    return analogy_summary(correct / max(1, correct + incorrect), sections)

analogy_file = os.path.join(HERE, 'analogies.txt')
out['analogies'] = {
    'add': analogy_summary(*kv.evaluate_word_analogies(analogy_file)),
    'add_restrict_300': analogy_summary(*kv.evaluate_word_analogies(analogy_file, restrict_vocab=300)),
    'add_case_sensitive': analogy_summary(*kv.evaluate_word_analogies(analogy_file, case_insensitive=False)),
    'mul': cosmul_analogies(analogy_file),
}
pairs_file = os.path.join(HERE, 'pairs.tsv')
def pairs_summary(result):
    pearson, spearman, oov_ratio = result
    return {'pearson': float(pearson[0]), 'spearman': float(spearman[0]), 'oov_ratio': float(oov_ratio)}
out['pairs'] = {
    'default': pairs_summary(kv.evaluate_word_pairs(pairs_file)),
    'restrict_200': pairs_summary(kv.evaluate_word_pairs(pairs_file, restrict_vocab=200)),
    'case_sensitive': pairs_summary(kv.evaluate_word_pairs(pairs_file, case_insensitive=False)),
}

# Correlations with ties, for the correlation tests.
x = [1, 2, 2, 3, 5, 5, 5, 8, 9, 10.5]
y = [2.5, 1, 4, 4, 3, 6, 7, 7, 7, 9]
out['correlation'] = {'x': x, 'y': y, 'spearman': float(stats.spearmanr(x, y)[0]), 'pearson': float(stats.pearsonr(x, y)[0]),
                      'rankdata_x': [float(r) for r in stats.rankdata(x)]}

with open(os.path.join(HERE, 'gensim_outputs.json'), 'w', encoding='utf8') as f:
    json.dump(out, f, indent=1, ensure_ascii=False)
print('vocabulary', len(kv), 'analogies', out['analogies']['add']['score'], 'pairs', out['pairs']['default'])
