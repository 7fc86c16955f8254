"""The lexical index: what it costs to build, and Latin-script names matched to Arabic words."""

from __future__ import annotations

import numpy as np

from index.retrieval import lexical
from index.retrieval.lexical import LexicalIndex

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
