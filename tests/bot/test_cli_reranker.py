"""The optional re-ranker from the command line: training it, using it, and a wrong setting."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bot.cli import main
from index.retrieval.reranker import RERANKER_FILE
from tests.bot.test_cli import _error_line

CONTEXT = {
    "context_id": "c1",
    "sentences": [
        "تأسست مدينة القاهرة عام 969 ميلادي على يد الفاطميين.",
        "تقع القاهرة على ضفاف نهر النيل في شمال مصر.",
        "يبلغ عدد سكان القاهرة أكثر من عشرين مليون نسمة.",
    ],
    "questions": [
        {"question": "متى تأسست القاهرة؟", "gold": [0]},
        {"question": "كم عدد سكان القاهرة؟", "gold": [2]},
    ],
}


def _contexts(workdir: Path) -> Path:
    path = workdir / "train.jsonl"
    path.write_text(json.dumps(CONTEXT, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def test_train_reranker_writes_a_folder_the_bot_can_use(workdir, capsys):
    out = workdir / "reranker"
    assert (
        main(["train-reranker", str(_contexts(workdir)), "--out", str(out), "--max-steps", "1"])
        == 0
    )
    printed = capsys.readouterr().out
    assert "training on 2 questions from 1 file(s)" in printed
    assert f"use it with RERANKER={out}" in printed
    record = json.loads((out / RERANKER_FILE).read_text(encoding="utf-8"))
    assert record["trained"]["trained_on"] == ["train.jsonl"]
    assert record["trained"]["steps"] == 1
    # Nothing half-written is left beside it, and the int8 graph is already there.
    assert [p.name for p in workdir.iterdir() if p.name.startswith(".reranker")] == []
    assert list((out / "onnx").glob("*.onnx"))

    assert main(["train-reranker", str(_contexts(workdir)), "--out", str(out)]) == 2
    assert "exists; pass --overwrite" in _error_line(capsys)


def test_ask_and_eval_use_the_reranker_setting(workdir, capsys, monkeypatch, reranker_dir):
    local = workdir / "reranker"
    shutil.copytree(reranker_dir, local)
    monkeypatch.setenv("RERANKER", str(local))
    assert main(["ask", "--json", "كم هدفا إرهابيا أعلنت وزارة الدفاع الروسية ضربه؟"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["answered"] is True and answer["answers"]
    assert main(["eval", str(_contexts(workdir)), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["questions"] == 2


def test_a_wrong_reranker_setting_gives_one_line(workdir, capsys, monkeypatch):
    monkeypatch.setenv("RERANKER", str(workdir / "no-such-folder"))
    assert main(["ask", "عمليات فرار"]) == 2
    assert "is not a folder" in _error_line(capsys)
    broken = workdir / "broken"
    broken.mkdir()
    (broken / RERANKER_FILE).write_text("{", encoding="utf-8")
    monkeypatch.setenv("RERANKER", str(broken))
    assert main(["summary"]) == 2
    assert "unreadable" in _error_line(capsys)


def test_a_blank_reranker_setting_means_none(workdir, capsys, monkeypatch):
    monkeypatch.setenv("RERANKER", "  ")
    assert main(["ask", "عمليات فرار"]) == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read"),
        ('{"question": "q", "gold_contains": []}', "not a context-set file"),
        (
            json.dumps(
                {
                    "context_id": "c1",
                    "sentences": ["جملة واحدة."],
                    "questions": [{"question": "ما الجملة؟", "gold": [0]}],
                },
                ensure_ascii=False,
            ),
            "no training questions",
        ),
    ],
)
def test_bad_reranker_training_input_gives_one_line(workdir, capsys, content, message):
    path = workdir / "train.jsonl"
    if content is not None:
        path.write_text(content + "\n", encoding="utf-8")
    assert main(["train-reranker", str(path), "--out", str(workdir / "reranker")]) == 2
    assert message in _error_line(capsys)
    assert not (workdir / "reranker").exists()
