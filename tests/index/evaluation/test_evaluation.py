"""Reading evaluation files: typos in a hand-written file are errors, not silent figures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from index.errors import EvalFileError
from index.evaluation.context_sets import ContextSet
from index.evaluation.datasets import ArticleQuestion, read_eval_file


def _write(tmp_path: Path, *rows: object, bom: bool = False) -> Path:
    path = tmp_path / "eval.jsonl"
    text = "\n".join(json.dumps(r, ensure_ascii=False) for r in rows)
    path.write_text(("\ufeff" if bom else "") + text, "utf-8")
    return path


def test_a_file_saved_with_a_byte_order_mark_is_read(tmp_path):
    path = _write(tmp_path, {"question": "من التقى كيري؟", "gold_contains": ["كيري"]}, bom=True)
    assert read_eval_file(path) == [ArticleQuestion("من التقى كيري؟", ["كيري"])]


def test_a_well_formed_context_set_is_read(tmp_path):
    row = {
        "context_id": "c",
        "sentences": ["أ ب.", "ج د."],
        "questions": [{"question": "س؟", "gold": [1]}],
    }
    assert read_eval_file(_write(tmp_path, row)) == [
        ContextSet("c", ["أ ب.", "ج د."], [("س؟", frozenset({1}))])
    ]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"sentences": "abc", "questions": []}, "list of strings"),
        ({"sentences": ["a"], "questions": {"question": "q"}}, "list of objects"),
        ({"sentences": ["a"], "questions": [{"question": "q", "gold": [True]}]}, "integers"),
        ({"sentences": ["a", "b"], "questions": [{"question": "q", "gold": [1.9]}]}, "integers"),
        ({"sentences": ["a"], "questions": [{"question": None, "gold": [0]}]}, "'question'"),
        ({"question": "q", "gold_contains": [""]}, "non-empty strings"),
        ({"question": None, "gold_contains": []}, "'question'"),
    ],
)
def test_typos_name_the_line_and_the_field(tmp_path, row, message):
    with pytest.raises(EvalFileError, match=message) as error:
        read_eval_file(_write(tmp_path, row))
    assert ":1:" in str(error.value)


CONTEXT = {
    "context_id": "c",
    "sentences": ["التقى لافروف كيري في ميونيخ.", "دمرت الضربات نحو 1900 هدف."],
    "questions": [
        {"id": "q1", "question": "من التقى لافروف؟", "gold": [0]},
        {"id": 7, "question": "كم هدفا دمرت الضربات؟", "gold": [1]},
    ],
}


def _questions(tmp_path: Path, *rows: object) -> Path:
    path = tmp_path / "questions.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows), "utf-8")
    return path


def test_questions_from_another_file_replace_the_context_sets_questions_by_id(tmp_path):
    questions = _questions(tmp_path, {"id": 7, "question": "How many targets were destroyed?"})
    (context,) = read_eval_file(_write(tmp_path, CONTEXT), questions)
    # gold sentences and article are the original's; a question the file lacks is left out
    assert context == ContextSet(
        "c", CONTEXT["sentences"], [("How many targets were destroyed?", frozenset({1}))]
    )


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([{"id": "nope", "question": "Who met Lavrov?"}], "none of its question ids"),
        ([{"question": "Who met Lavrov?"}], "'id'"),
        ([{"id": "q1", "question": ""}], "non-empty string"),
    ],
)
def test_a_questions_file_that_does_not_fit_is_a_clear_error(tmp_path, rows, message):
    with pytest.raises(EvalFileError, match=message):
        read_eval_file(_write(tmp_path, CONTEXT), _questions(tmp_path, *rows))


def test_article_questions_cannot_take_questions_from_a_file(tmp_path):
    path = _write(tmp_path, {"question": "من التقى كيري؟", "gold_contains": ["كيري"]})
    with pytest.raises(EvalFileError, match="only context sets"):
        read_eval_file(path, _questions(tmp_path, {"id": "q1", "question": "Who?"}))


def test_a_missing_questions_file_is_a_clear_error(tmp_path):
    with pytest.raises(EvalFileError, match="cannot read"):
        read_eval_file(_write(tmp_path, CONTEXT), tmp_path / "missing.jsonl")
