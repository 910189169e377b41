"""gensim's evaluation of the wink English vectors on the shared benchmarks, for comparison.

Run ONCE (minutes) from the project root after writing the wink vectors as word2vec binary:
    node -e "import('./dist/src/embed/static/pretrained.js').then(async m => (await m.loadWinkEmbeddings()).save('/tmp/wink.bin'))"
    /usr/bin/python3 test/golden/wordvec/gensim_wink_eval.py /tmp/wink.bin
Writes test/golden/wordvec/gensim_wink_eval.json (committed; read by the tests and quoted in the README).
"""
import json
import os
import sys
import time

from gensim.models import KeyedVectors

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, '..', '..', '..', '..', 'shared', 'data')
kv = KeyedVectors.load_word2vec_format(sys.argv[1], binary=True)
out = {'pairs': {}, 'analogies': {}}
for name, rel in [('wordsim353', 'wordsim353/wordsim353.tsv'), ('simlex999', 'simlex999/simlex999.txt')]:
    pearson, spearman, oov = kv.evaluate_word_pairs(os.path.join(DATA, rel))
    out['pairs'][name] = {'pearson': float(pearson[0]), 'spearman': float(spearman[0]), 'oov_ratio': float(oov)}
    print(name, out['pairs'][name], flush=True)
t = time.perf_counter()
score, sections = kv.evaluate_word_analogies(os.path.join(DATA, 'google_analogy', 'questions-words.txt'))
out['analogies']['add'] = {
    'score': float(score),
    'seconds': time.perf_counter() - t,
    'sections': [{'section': s['section'], 'correct': len(s['correct']), 'incorrect': len(s['incorrect'])} for s in sections],
}
print('analogies', score, out['analogies']['add']['seconds'], flush=True)
with open(os.path.join(HERE, 'gensim_wink_eval.json'), 'w') as f:
    json.dump(out, f, indent=1)
