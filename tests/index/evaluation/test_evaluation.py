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
