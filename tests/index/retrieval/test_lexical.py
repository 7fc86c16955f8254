"""The lexical index: what it costs to build, and Latin-script names matched to Arabic words."""

from __future__ import annotations

import gc
import math
import random
import tracemalloc

import numpy as np

from index.retrieval import lexical
from index.retrieval.lexical import LexicalIndex
from index.text.normalize import STOPWORDS, content_terms, tokenize

SENTENCES = [
    "التقى وزير الخارجية الروسي سيرغي لافروف نظيره الأميركي جون كيري في ميونيخ.",
    "قالت الأمم المتحدة إن المساعدات وصلت إلى المدن المحاصرة.",
    "ارتفعت أسعار النفط في الأسواق العالمية يوم الخميس.",
]


def test_building_the_index_leaves_the_name_lookup_for_a_latin_question(monkeypatch):
    # Every chat's corpus builds a lexical index on its first question; the skeletons of
    # its words serve only questions with a Latin-script word, so they wait for one.
    calls: list[str] = []
    original = lexical.arabic_skeleton

    def counting(token: str) -> str:
        calls.append(token)
        return original(token)

    monkeypatch.setattr(lexical, "arabic_skeleton", counting)
    index = LexicalIndex(SENTENCES)
    index.scores("ما هي أسعار النفط؟")
    assert calls == []
    index.scores("Who did Lavrov meet?")
    assert calls


def test_a_latin_name_finds_the_sentence_that_writes_it_in_arabic():
    index = LexicalIndex(SENTENCES)
    scores = index.scores("Who did Lavrov meet?")
    assert int(np.argmax(scores)) == 0 and scores[0] > 0
    assert index.coverage("Lavrov")[0] > index.coverage("Lavrov")[1]


def test_a_lowercase_english_word_is_not_taken_for_an_arabic_name():
    # "help" has the consonants of "حلب" (Aleppo); written in lowercase it is a word, not a name
    index = LexicalIndex(["تقدمت القوات الحكومية نحو حلب.", "ارتفعت أسعار النفط."])
    assert "حلب" not in index.query_terms("help")
    assert "حلب" in index.query_terms("What happened near Halab?")
    assert index.coverage("help").max() == 0


def test_the_index_keeps_little_per_sentence_beside_bm25():
    # Every chat's corpus keeps a lexical index over its sentences: what this module stores
    # per sentence (its distinct terms) must stay small next to the vectors (1.5 KiB each).
    words = " ".join(SENTENCES).replace(".", "").split()
    rng = random.Random(0)
    texts = [" ".join(rng.sample(words, 15)) + "." for _ in range(300)]
    tracemalloc.start()
    try:
        index = LexicalIndex(texts)
        gc.collect()
        snapshot = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    kept = snapshot.filter_traces([tracemalloc.Filter(True, lexical.__file__)])
    per_sentence = sum(s.size for s in kept.statistics("filename")) / len(texts)
    assert per_sentence < 400, f"{per_sentence:.0f} bytes per sentence"
    assert index.coverage(texts[0]).max() == 1.0


def test_coverage_is_the_share_of_the_question_s_idf_each_sentence_holds():
    # Written out the slow way: the index computes it with one sparse product.
    index = LexicalIndex(SENTENCES)
    question = "ما أسعار النفط التي أعلنها كيري في ميونيخ؟"
    terms = set(index.query_terms(question))
    docs = [set(content_terms(t)) for t in SENTENCES]
    n = len(docs)

    def idf(term: str) -> float:
        df = sum(term in d for d in docs)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))  # df 0: the unseen weight

    total = sum(idf(t) for t in terms)
    expected = [sum(idf(t) for t in terms if t in d) / total for d in docs]
    np.testing.assert_allclose(index.coverage(question), expected, rtol=1e-6)
    assert 0 < index.coverage(question)[2] < 1 and index.coverage("؟").sum() == 0


NEGOTIATIONS = [
    "طالبت الأمم المتحدة بإدخال المساعدات إلى المدن المحاصرة.",
    "استؤنفت جولة مفاوضات جديدة في جنيف يوم الاثنين.",
    "ارتفعت أسعار النفط في الأسواق العالمية.",
]


def test_character_trigrams_find_a_word_whose_stem_differs():
    # «المفاوضون» (the negotiators) and «مفاوضات» (negotiations) get different stems, so
    # BM25 and term coverage see nothing; most of their letters are the same.
    index = LexicalIndex(NEGOTIATIONS)
    question = "أين يجتمع المفاوضون؟"
    assert not index.coverage(question).any() and not index.scores(question).any()
    chars = index.char_coverage(question)
    assert int(np.argmax(chars)) == 1 and chars[1] > 2 * max(chars[0], chars[2])


def test_character_coverage_is_the_share_of_the_question_s_trigram_idf():
    # Written out the slow way, with strings: the index packs trigrams into integers.
    def trigrams(text: str) -> set[str]:
        words = [t for t in tokenize(text) if t not in STOPWORDS]
        return {f" {w} "[i : i + 3] for w in words for i in range(len(w))}

    question = "ما أسعار النفط التي أعلنها كيري في ميونيخ؟"
    grams = trigrams(question)
    docs = [trigrams(t) for t in SENTENCES]
    n = len(docs)

    def idf(gram: str) -> float:
        df = sum(gram in d for d in docs)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    total = sum(idf(g) for g in grams)
    expected = [sum(idf(g) for g in grams if g in d) / total for d in docs]
    index = LexicalIndex(SENTENCES)
    np.testing.assert_allclose(index.char_coverage(question), expected, rtol=1e-6)
    assert index.char_coverage(SENTENCES[2]).max() == 1.0


def test_character_coverage_of_a_question_without_words_is_zero():
    index = LexicalIndex(SENTENCES)
    for question in ("؟", "", "ما هي؟"):
        assert not index.char_coverage(question).any()
    assert LexicalIndex([]).char_coverage("أسعار النفط").size == 0
