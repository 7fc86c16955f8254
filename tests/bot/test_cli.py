"""The command line: every subcommand, JSON output and one-line errors for bad input."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from tests.conftest import MODELS_DIR, REPO_ROOT

SEED = next((REPO_ROOT / "seeds").glob("*.txt"))


@pytest.fixture
def workdir(tmp_path, monkeypatch, converted_model_dir) -> Path:
    """Settings pointing at a private seeds folder and index, sharing the converted model."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    shutil.copy(SEED, seeds / SEED.name)
    monkeypatch.setenv("SEEDS_DIR", str(seeds))
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MODELS_DIR", str(MODELS_DIR))
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    return tmp_path


def test_build_is_idempotent(workdir, capsys):
    assert main(["build"]) == 0
    assert "rebuilt" in capsys.readouterr().out
    assert main(["build"]) == 0
    assert "16 sentences, up to date" in capsys.readouterr().out


def test_ask_json_from_stdin(workdir, capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("عمليات فرار\n\nما هي عاصمة فرنسا؟\n"))
    assert main(["ask", "--json", "-k", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    first, second = (json.loads(line) for line in lines)
    assert first["question"] == "عمليات فرار" and first["answered"] is True
    assert len(first["answers"]) == 2
    best = first["answers"][0]
    assert "عمليات فرار واسعة النطاق" in best["text"]
    assert best["article"] == SEED.stem and isinstance(best["sentence"], int)
    assert isinstance(best["score"], float) and best["score"] >= first["answers"][1]["score"]
    assert second == {"question": "ما هي عاصمة فرنسا؟", "answered": False, "answers": []}


def test_ask_plain_text_shows_numbers_and_title(workdir, capsys):
    assert main(["ask", "كم هدفا إرهابيا أعلنت وزارة الدفاع الروسية ضربه؟"]) == 0
    out = capsys.readouterr().out
    assert "[الجملة 12]" in out and "1888" in out and "من مقال:" in out


def test_summary(workdir, capsys):
    assert main(["summary", "-n", "2"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out[0].startswith("ملخص المقال:") and len(out) == 3


def test_eval_context_set_json(workdir, capsys):
    data = workdir / "ctx.jsonl"
    data.write_text(
        json.dumps(
            {
                "context_id": "c1",
                "sentences": [
                    "القطط حيوانات أليفة.",
                    "تقع باريس في فرنسا.",
                    "يغلي الماء عند 100 درجة.",
                ],
                "questions": [
                    {"question": "أين تقع باريس؟", "gold": [1]},
                    {"question": "عند كم درجة يغلي الماء؟", "gold": [2]},
                ],
            },
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )
    for method in ("dense", "bm25", "hybrid"):
        assert main(["eval", str(data), "--method", method, "--json"]) == 0
        result = json.loads(capsys.readouterr().out)
        assert result["questions"] == 2 and result["top1"] == 1.0 and result["mrr"] == 1.0


def test_eval_article_questions_counts_abstentions(workdir, capsys):
    data = workdir / "qs.jsonl"
    rows = [
        {"question": "عمليات فرار", "gold_contains": ["عمليات فرار واسعة النطاق"]},
        {"question": "كيف أطبخ الكبسة؟", "gold_contains": []},
    ]
    data.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), "utf-8")
    assert main(["eval", str(data), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result == {
        "questions": 2,
        "top1": 1.0,
        "top3": 1.0,
        "mrr": 1.0,
        "answered": 1,
        "abstained": 1,
    }


def _error_line(capsys) -> str:
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert "Traceback" not in captured.err
    return lines[0]


@pytest.mark.parametrize(
    ("prepare", "message"),
    [
        (lambda w: shutil.rmtree(w / "seeds"), "does not exist"),
        (lambda w: (w / "seeds" / SEED.name).write_text("", "utf-8"), "is empty"),
        (lambda w: (w / "seeds" / SEED.name).write_bytes("عنوان\nنص".encode("cp1256")), "UTF-8"),
    ],
)
def test_bad_seeds_give_one_line(workdir, capsys, prepare, message):
    prepare(workdir)
    assert main(["build"]) == 2
    line = _error_line(capsys)
    assert line.startswith("article-bot: error:") and message in line


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read"),
        (b"{not json", "not valid JSON"),
        (b"\xff\xfe\x00", "not UTF-8"),
        (b"", "no evaluation lines"),
        (b'{"x": 1}', "either"),
        (b'{"sentences": ["a"], "questions": [{"question": "q", "gold": [5]}]}', "out of range"),
    ],
)
def test_bad_eval_files_give_one_line(workdir, capsys, content, message):
    path = workdir / "eval.jsonl"
    if content is not None:
        path.write_bytes(content)
    assert main(["eval", str(path)]) == 2
    assert message in _error_line(capsys)


def test_wrong_setting_gives_one_line(workdir, capsys, monkeypatch):
    monkeypatch.setenv("SUMMARY_INTERVAL", "often")
    assert main(["summary"]) == 2
    assert "SUMMARY_INTERVAL" in _error_line(capsys)


def test_missing_model_folder_gives_one_line(workdir, capsys, monkeypatch):
    monkeypatch.setenv("EMBEDDING_MODEL", str(workdir / "no-such-model"))
    assert main(["build"]) == 2
    assert "cannot load embedding model" in _error_line(capsys)


@pytest.mark.parametrize(
    ("prepare", "message"),
    [
        (lambda w: None, "cannot read"),
        (
            lambda w: (w / "train.jsonl").write_text('{"question": "q", "gold_contains": []}'),
            "not a context-set file",
        ),
        (lambda w: (w / "tuned").mkdir(), "exists; pass --overwrite"),
    ],
)
def test_bad_finetune_input_gives_one_line(workdir, capsys, prepare, message):
    prepare(workdir)
    assert main(["finetune", str(workdir / "train.jsonl"), "--out", str(workdir / "tuned")]) == 2
    assert message in _error_line(capsys)


def test_finetune_needs_a_local_model_folder(workdir, capsys, monkeypatch):
    monkeypatch.setenv("EMBEDDING_MODEL", "some-org/some-model")
    assert main(["finetune", str(workdir / "train.jsonl")]) == 2
    assert "not a local folder" in _error_line(capsys)


def test_help_is_fast_and_lists_commands():
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "--help"], capture_output=True, text=True, check=True
    )
    for command in ("build", "ask", "chat", "summary", "eval", "finetune", "run", "start"):
        assert command in result.stdout


def test_ask_json_subprocess_reads_stdin(workdir):
    """The real entry point, as a user runs it, with a batch on standard input."""
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "ask", "--json"],
        input="Who did Lavrov meet?\nاحكيلي نكتة\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=True,
    )
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["answered"] for r in records] == [True, False]
    assert "جون كيري" in records[0]["answers"][0]["text"]
