"""Writes the golden outputs the sparse-vector tests compare against.

Run ONCE with Debian's python3-sklearn (/usr/bin/python3 make_golden.py); the test suite reads
the JSON files it writes and never runs this script. Each case names our option spelling
(camelCase) beside scikit-learn's, so the test builds the same vectorizer on our side.
"""

import json
import re
import sys
import unicodedata

import numpy as np
import sklearn
from sklearn.feature_extraction.text import CountVectorizer, HashingVectorizer, TfidfVectorizer
from sklearn.utils.murmurhash import murmurhash3_32

HERE = __file__.rsplit("/", 1)[0]

EN_TRAIN = [
    "The quick brown fox jumps over the lazy dog.",
    "A quick brown dog outpaces a quick fox!",
    "Lazy dogs sleep; quick foxes don't.",
    "Foxes and dogs: the eternal struggle of the quick and the lazy.",
    "Numbers like 42 and 3.14 and x_1 are tokens too, as are snake_case_names.",
    "The the THE tHe -- repeated words count repeatedly.",
    "Ünïcödé café naïve résumé coöperate",
    "E-mail me at someone@example.com or visit https://example.com/path?q=1",
    "I",
    "",
    "Tabs\tand\nnewlines   and  many   spaces",
    "It's a dog's life, isn't it? Dogs' lives matter.",
]
EN_TEST = [
    "A quick unseen word and the lazy dog",
    "completely novel vocabulary here",
    "",
    "fox fox fox dog",
]
RU_TRAIN = [
    "Мама мыла раму, а папа читал газету.",
    "Ёжик в тумане искал лошадку; ёжик устал.",
    "Москва — столица России, Санкт-Петербург — северная столица.",
    "В 2024 году в Москве прошло 365 дней, а не 366.",
    "Кошка и собака живут вместе, кошка спит, собака лает.",
    "Зна\u0301ки ударе\u0301ния иногда встречаются в тексте.",
    "Смешанный текст: Python и JavaScript, API и SDK.",
    "ПРОПИСНЫЕ буквы и строчные буквы",
    "я",
    "Читал, читаю и буду читать книги; книга — лучший друг.",
]
RU_TEST = [
    "Мама читала книгу про ёжика",
    "Совершенно новые слова",
    "кошка кошка собака",
]
# An astral-plane character sorts after every BMP character in Python (code point order) but
# before U+E000..U+FFFF in JavaScript's default UTF-16 order.
ASTRAL_TRAIN = [
    "𝔘𝔫𝔦 word ﬀ ＡＢ",
    "𝔘𝔫𝔦 ﬀ other 😀 tokens",
    "plain words only",
]


def csr_json(X):
    X = X.tocsr().astype(np.float64)
    X.sort_indices()
    return {
        "shape": list(X.shape),
        "indptr": X.indptr.tolist(),
        "indices": X.indices.tolist(),
        "data": X.data.tolist(),
    }


def vocab_list(v):
    return [t for t, _ in sorted(v.vocabulary_.items(), key=lambda kv: kv[1])]


cases = []


def add(kind, name, ours, theirs, train, test=None, corpus="en"):
    cls = {"count": CountVectorizer, "tfidf": TfidfVectorizer, "hashing": HashingVectorizer}[kind]
    v = cls(**theirs)
    case = {"kind": kind, "name": name, "corpus": corpus, "options": ours, "sklearn": {k: repr(x) for k, x in theirs.items()}}
    if kind == "hashing":
        case["fit"] = csr_json(v.transform(train))
    else:
        case["fit"] = csr_json(v.fit_transform(train))
        case["vocabulary"] = vocab_list(v)
        if kind == "tfidf" and v.use_idf:
            case["idf"] = v.idf_.tolist()
        if test is not None:
            case["transform"] = csr_json(v.transform(test))
    cases.append(case)


for corpus, train, test in (("en", EN_TRAIN, EN_TEST), ("ru", RU_TRAIN, RU_TEST)):
    add("count", "default", {}, {}, train, test, corpus)
    add("count", "binary", {"binary": True}, {"binary": True}, train, test, corpus)
    add("count", "ngram 1,2", {"ngramRange": [1, 2]}, {"ngram_range": (1, 2)}, train, test, corpus)
    add("count", "ngram 2,3", {"ngramRange": [2, 3]}, {"ngram_range": (2, 3)}, train, test, corpus)
    add("count", "min_df 2", {"minDf": 2}, {"min_df": 2}, train, test, corpus)
    add("count", "min_df 0.2", {"minDf": 0.2}, {"min_df": 0.2}, train, test, corpus)
    add("count", "max_df 0.25", {"maxDf": 0.25}, {"max_df": 0.25}, train, test, corpus)
    add("count", "max_df 2", {"maxDf": 2}, {"max_df": 2}, train, test, corpus)
    add("count", "max_features 7", {"maxFeatures": 7}, {"max_features": 7}, train, test, corpus)
    add("count", "no lowercase", {"lowercase": False}, {"lowercase": False}, train, test, corpus)
    add("count", "char 1,3", {"analyzer": "char", "ngramRange": [1, 3]}, {"analyzer": "char", "ngram_range": (1, 3)}, train, test, corpus)
    add("count", "char_wb 2,4", {"analyzer": "char_wb", "ngramRange": [2, 4]}, {"analyzer": "char_wb", "ngram_range": (2, 4)}, train, test, corpus)
    add("count", "char_wb 3,5 min_df 2", {"analyzer": "char_wb", "ngramRange": [3, 5], "minDf": 2}, {"analyzer": "char_wb", "ngram_range": (3, 5), "min_df": 2}, train, test, corpus)
    stop = ["the", "and", "a", "of"] if corpus == "en" else ["и", "в", "а", "не"]
    add("count", "stop words", {"stopWords": stop}, {"stop_words": stop}, train, test, corpus)
    add("count", "stop words ngram 1,2", {"stopWords": stop, "ngramRange": [1, 2]}, {"stop_words": stop, "ngram_range": (1, 2)}, train, test, corpus)
    vocab = ["dog", "fox", "quick", "lazy", "zebra"] if corpus == "en" else ["кошка", "собака", "мама", "ёжик", "зебра"]
    add("count", "fixed vocabulary", {"vocabulary": vocab}, {"vocabulary": vocab}, train, test, corpus)
    for norm in ("l2", "l1", None):
        for use_idf in (True, False):
            for smooth_idf in (True, False):
                for sublinear_tf in (False, True):
                    ours = {"norm": norm or "none", "useIdf": use_idf, "smoothIdf": smooth_idf, "sublinearTf": sublinear_tf}
                    theirs = {"norm": norm, "use_idf": use_idf, "smooth_idf": smooth_idf, "sublinear_tf": sublinear_tf}
                    add("tfidf", f"norm={norm} idf={use_idf} smooth={smooth_idf} sublinear={sublinear_tf}", ours, theirs, train, test, corpus)
    add("tfidf", "ngram 1,2 min_df 2 sublinear", {"ngramRange": [1, 2], "minDf": 2, "sublinearTf": True}, {"ngram_range": (1, 2), "min_df": 2, "sublinear_tf": True}, train, test, corpus)
    add("tfidf", "binary max_df 0.5", {"binary": True, "maxDf": 0.5}, {"binary": True, "max_df": 0.5}, train, test, corpus)
    add("tfidf", "char_wb 2,4", {"analyzer": "char_wb", "ngramRange": [2, 4]}, {"analyzer": "char_wb", "ngram_range": (2, 4)}, train, test, corpus)
    add("tfidf", "char 2,3 l1", {"analyzer": "char", "ngramRange": [2, 3], "norm": "l1"}, {"analyzer": "char", "ngram_range": (2, 3), "norm": "l1"}, train, test, corpus)
    add("tfidf", "max_features 10 stop words", {"maxFeatures": 10, "stopWords": stop}, {"max_features": 10, "stop_words": stop}, train, test, corpus)
    for n_features in (16, 1024):
        for alternate_sign in (True, False):
            for norm in ("l2", "l1", None):
                ours = {"nFeatures": n_features, "alternateSign": alternate_sign, "norm": norm or "none"}
                theirs = {"n_features": n_features, "alternate_sign": alternate_sign, "norm": norm}
                add("hashing", f"n={n_features} sign={alternate_sign} norm={norm}", ours, theirs, train, None, corpus)
    add("hashing", "binary ngram 1,2", {"nFeatures": 4096, "binary": True, "ngramRange": [1, 2]}, {"n_features": 4096, "binary": True, "ngram_range": (1, 2)}, train, None, corpus)
    add("hashing", "char_wb 2,3", {"nFeatures": 2048, "analyzer": "char_wb", "ngramRange": [2, 3]}, {"n_features": 2048, "analyzer": "char_wb", "ngram_range": (2, 3)}, train, None, corpus)

add("count", "astral sort order", {}, {}, ASTRAL_TRAIN, None, "astral")
add("count", "astral char sort order", {"analyzer": "char"}, {"analyzer": "char"}, ASTRAL_TRAIN, None, "astral")
add("tfidf", "astral default", {}, {}, ASTRAL_TRAIN, None, "astral")

hashes = {t: murmurhash3_32(t, seed=0, positive=False) for t in ["", "a", "ab", "abc", "abcd", "hello world", "ёжик", "москва", "😀", "x_1", "the quick brown fox"]}


def ranges(pred):
    out, start = [], None
    for cp in range(0x110001):
        ok = cp < 0x110000 and pred(cp)
        if ok and start is None:
            start = cp
        elif not ok and start is not None:
            out.append([start, cp - 1])
            start = None
    return out


word = re.compile(r"\w")
unicode_info = {
    "unidata_version": unicodedata.unidata_version,
    "word_ranges": ranges(lambda cp: word.match(chr(cp)) is not None),
    "assigned_ranges": ranges(lambda cp: unicodedata.category(chr(cp)) not in ("Cn", "Cs")),
}

meta = {"sklearn": sklearn.__version__, "numpy": np.__version__, "python": sys.version.split()[0]}
docs = {"en": {"train": EN_TRAIN, "test": EN_TEST}, "ru": {"train": RU_TRAIN, "test": RU_TEST}, "astral": {"train": ASTRAL_TRAIN, "test": []}}
with open(f"{HERE}/vectorizers.json", "w", encoding="utf-8") as f:
    json.dump({"meta": meta, "docs": docs, "cases": cases, "murmurhash3_32": hashes}, f, ensure_ascii=False)
with open(f"{HERE}/python_word_chars.json", "w", encoding="utf-8") as f:
    json.dump({"meta": meta, **unicode_info}, f)
print(len(cases), "cases")
