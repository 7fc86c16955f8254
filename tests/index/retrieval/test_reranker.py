"""The optional re-ranker: what it may change in a ranking, and a clear refusal of a bad folder."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from index.answer import Status
from index.embedding.embedder import DEFAULT_BACKEND
from index.errors import ModelLoadError
from index.retrieval.reranker import (
    RERANKER_FILE,
    load_reranker,
    pair_text,
    read_head,
    reranked_scores,
)
from tests.index.test_service import ANSWERABLE, ENGLISH, OFF_TOPIC


def test_only_the_first_candidates_are_reordered_and_they_stay_ahead() -> None:
    scores = np.asarray([5.0, 4.0, 3.0, 2.9, 1.0])
    top = np.asarray([0, 1, 2])
    final = reranked_scores(scores, top, np.asarray([-1.0, 0.0, 2.0]), weight=2.0)
    order = list(np.argsort(-final, kind="stable"))
    assert order[:3] == [2, 1, 0]  # 3 + 4 = 7, 4 + 0 = 4, 5 - 2 = 3
    assert order[3:] == [3, 4]  # the rest keep their order, below every re-scored one
    assert final[3] - final[4] == pytest.approx(1.9)  # and their gaps


def test_weight_zero_changes_no_order() -> None:
    scores = np.asarray([1.0, 3.0, 2.0, 0.5])
    final = reranked_scores(scores, np.asarray([1, 2, 0]), np.asarray([-9.0, 9.0, 1.0]), 0.0)
    assert list(np.argsort(-final)) == list(np.argsort(-scores))


def test_the_pair_text_carries_both_prompts() -> None:
    assert pair_text(" متى؟ ", "جملة.") == "query: متى؟\npassage: جملة."


@pytest.mark.parametrize(
    ("prepare", "message"),
    [
        (lambda f: None, "is not a folder"),
        (lambda f: f.mkdir(), f"no {RERANKER_FILE}"),
        (lambda f: (f.mkdir(), (f / RERANKER_FILE).write_text("{not json")), "unreadable"),
        (
            lambda f: (f.mkdir(), (f / RERANKER_FILE).write_text('{"version": 99}')),
            "unreadable",
        ),
        (
            lambda f: (
                f.mkdir(),
                (f / RERANKER_FILE).write_text(
                    json.dumps(
                        {
                            "version": 1,
                            "weights": [1.0],
                            "bias": "nan",
                            "weight": 2,
                            "candidates": 3,
                        }
                    )
                ),
            ),
            "impossible values",
        ),
    ],
)
def test_a_bad_reranker_folder_is_refused_with_a_clear_message(
    tmp_path: Path, prepare, message
) -> None:
    folder = tmp_path / "reranker"
    prepare(folder)
    with pytest.raises(ModelLoadError, match=message):
        load_reranker(folder, DEFAULT_BACKEND)


def test_a_trained_folder_loads_and_scores_each_candidate(reranker_dir: Path) -> None:
    reranker = load_reranker(reranker_dir, DEFAULT_BACKEND)
    head = read_head(reranker_dir)
    assert reranker.candidates == head.candidates == 3
    values = reranker.scores("متى تأسست القاهرة؟", ["جملة أولى.", "جملة ثانية."])
    assert values.shape == (2,)
    assert np.isfinite(values).all()
    recorded = json.loads((reranker_dir / RERANKER_FILE).read_text(encoding="utf-8"))
    assert recorded["trained"]["steps"] == 2
    assert recorded["trained"]["trained_on"] == ["tiny"]


def _with_reranker(service, reranker):
    from index.service import AnsweringService

    policy = replace(service.policy, reranker=reranker)
    return AnsweringService(
        service.embedder, service.corpus, policy, service.background, service.library
    )


QUESTIONS = [q for q, _ in ANSWERABLE] + [q for q, _ in ENGLISH] + OFF_TOPIC


def test_the_reranker_only_reorders_the_first_sentences_and_never_changes_a_decision(
    service, reranker_dir: Path
) -> None:
    reranked = _with_reranker(service, load_reranker(reranker_dir, DEFAULT_BACKEND))
    for question in QUESTIONS:
        plain, with_reranker = service.ask(question), reranked.ask(question)
        # Abstention is decided before re-ranking: the same questions are answered.
        assert with_reranker.status is plain.status, question
        assert with_reranker.confidence == plain.confidence
        first = {p.text for p in plain.ranked[:3]}
        assert {p.text for p in with_reranker.ranked[:3]} == first, question
        assert [p.text for p in with_reranker.ranked[3:]] == [p.text for p in plain.ranked[3:]]
        assert all(p.text in first for p in with_reranker.passages), question


def test_a_clear_preference_of_the_reranker_among_the_first_sentences_wins(
    service, reranker_dir: Path
) -> None:
    """A head that points at one candidate's pair vector makes that candidate first."""
    reranker = load_reranker(reranker_dir, DEFAULT_BACKEND)
    question = "كم هدفا إرهابيا أعلنت وزارة الدفاع الروسية ضربه؟"
    plain = service.ask(question)
    assert plain.status is Status.ANSWERED
    wanted = plain.ranked[2].text  # third in the shipped ranking
    vector = reranker.embedder.embed_documents([pair_text(question, wanted)])[0]
    head = replace(reranker.head, weights=tuple(float(v) * 100 for v in vector), weight=10.0)
    pointed = type(reranker)(reranker.embedder, head, reranker.folder)
    answer = _with_reranker(service, pointed).ask(question)
    assert answer.ranked[0].text == wanted
    assert any(p.text == wanted for p in answer.passages)
