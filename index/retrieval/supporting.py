"""Which sentences an answer shows: the best one and its close runners-up.

When the best sentence is not the answer, the answer is most often the next one; a
runner-up that scores close to the best is shown beside it, so the reader sees it
too. How close "close" is, is measured on the fitting sets (see ``AnswerPolicy``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from index.text.sentences import Sentence


def supporting_sentences(
    sentences: Sequence[Sentence],
    order: np.ndarray,
    scores: np.ndarray,
    max_supporting: int,
    gap: float,
) -> list[int]:
    """The best sentence and up to ``max_supporting`` runners-up at most ``gap`` below it.

    Kept in article order when they are neighbours of the best sentence, so that they
    read as one passage; otherwise the best comes first.
    """
    best = int(order[0])
    picked = [best]
    shown = {sentences[best].text}
    for i in order[1:]:
        if len(picked) > max_supporting:
            break
        # A sentence repeated in the article would only say the same thing again.
        if scores[best] - scores[i] <= gap and sentences[i].text not in shown:
            picked.append(int(i))
            shown.add(sentences[i].text)
    rest = picked[1:]
    if rest and all(
        sentences[i].article_id == sentences[best].article_id
        and abs(sentences[i].number - sentences[best].number) <= len(picked) - 1
        for i in rest
    ):
        return sorted(picked, key=lambda i: sentences[i].number)
    return picked
