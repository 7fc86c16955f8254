"""Nothing lost: ``article-bot add`` killed (SIGKILL) at any moment, and a restart.

Real processes on a fresh data folder. Whenever the kill lands (loading the model,
embedding, inside the database transaction, just after the success line), the database
holds every article either whole (all its sentences, each with its vector) or not at
all, holds every article whose add printed its success line, and the next processes
list, answer and add as usual. When a kill lands changes only what is covered, never
whether the test passes: the promises hold at every moment.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from index.library import content_digest
from index.sources import document_text
from index.text.articles import parse_article
from tests.bot.conftest import SEED
from tests.conftest import ARTICLES_DIR, MODELS_DIR, REPO_ROOT

WATER_QUESTION = "كم تنتج محطة التحلية من المياه العذبة يوميا؟"
DIMENSIONS = 384  # multilingual-e5-small
TIMEOUT = 600  # seconds for one process on a slow, shared machine
# Rounds of the big article: enough sentences that embedding is most of an add.
ROUNDS = 15
RANDOM_KILLS = 5

# `article-bot ARGS` that kills itself (SIGKILL) when it starts the Nth statement of the
# add's transaction beginning with a given text: the moment no timer can aim at. It wraps
# sqlite3.connect from outside; the product has no hook for it.
_KILL_INSIDE_THE_TRANSACTION = """
import os, signal, sqlite3, sys
from bot.cli import main

statement, nth = sys.argv[1], int(sys.argv[2])
state = {"adding": False, "seen": 0}

def trace(sql):
    if sql.startswith("INSERT INTO articles"):
        state["adding"] = True
    if state["adding"] and sql.startswith(statement):
        state["seen"] += 1
        if state["seen"] == nth:
            os.kill(os.getpid(), signal.SIGKILL)

connect = sqlite3.connect

def traced(*args, **kwargs):
    connection = connect(*args, **kwargs)
    connection.set_trace_callback(trace)
    return connection

sqlite3.connect = traced
sys.argv[0] = "article-bot"
sys.exit(main(sys.argv[3:]))
"""


@dataclass
class Folder:
    """A fresh seeds and data folder, and the environment of the processes that use them."""

    root: Path
    env: dict[str, str]

    @property
    def database(self) -> Path:
        return self.root / "data" / "articles.sqlite3"

    def start(self, *args: str, driver: tuple[str, ...] = ()) -> subprocess.Popen[str]:
        command = (
            [sys.executable, "-c", _KILL_INSIDE_THE_TRANSACTION, *driver]
            if driver
            else [sys.executable, "-m", "bot.cli"]
        )
        return subprocess.Popen(
            [*command, *args],
            cwd=self.root,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [sys.executable, "-m", "bot.cli", *args],
            cwd=self.root,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
        assert "Traceback" not in result.stderr, result.stderr
        return result


@pytest.fixture
def folder(tmp_path, converted_model_dir) -> Folder:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    shutil.copy(SEED, seeds / SEED.name)
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO_ROOT),
        "SEEDS_DIR": str(seeds),
        "DATA_DIR": str(tmp_path / "data"),
        "MODELS_DIR": str(MODELS_DIR),
        "LOG_LEVEL": "WARNING",
    }
    env.pop("TELEGRAM_BOT_TOKEN", None)
    return Folder(tmp_path, env)


def _big_article(path: Path, variant: int) -> Path:
    """A long made-up report (hundreds of sentences), different text for each variant."""
    lines = [
        line
        for article in sorted(ARTICLES_DIR.glob("*.txt"))
        for line in article.read_text("utf-8").splitlines()[1:]
        if line.strip()
    ]
    body = [
        line.replace("،", f" في الجولة {r + 1} من الدورة {variant}،", 1)
        for r in range(ROUNDS)
        for line in lines
    ]
    path.write_text("\n".join([f"تقرير مطول عن الأخبار، الإصدار {variant}", *body]), "utf-8")
    return path


def _expected(paths: list[Path]) -> dict[str, tuple[Path, int]]:
    """The digest the database keeps for each article -> (its file, how many sentences)."""
    found = {}
    for path in paths:
        parsed = parse_article("x", document_text(path.name, path.read_bytes(), max_bytes=10**8))
        found[content_digest(parsed.title, parsed.body)] = (path, len(parsed.sentences()))
    return found


def _stored(database: Path, expected: dict[str, tuple[Path, int]]) -> dict[str, int]:
    """sha256 -> number of every article in the database, checking each is whole."""
    if not database.exists():
        return {}
    db = sqlite3.connect(database)  # recovers the write-ahead log a killed writer left
    try:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        articles = db.execute("SELECT id, number, sha256 FROM articles").fetchall()
        stored = {}
        for article_id, number, digest in articles:
            assert digest in expected, "an article that no add was given"
            path, count = expected[digest]
            rows = db.execute(
                "SELECT position, vector FROM sentences WHERE article_id = ? ORDER BY position",
                (article_id,),
            ).fetchall()
            assert [p for p, _ in rows] == list(range(count)), f"{path.name} is not whole"
            vectors = np.stack([np.frombuffer(v, dtype="<f4") for _, v in rows])
            assert vectors.shape == (count, DIMENSIONS)
            assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
            stored[digest] = int(number)
        orphans = db.execute(
            "SELECT COUNT(*) FROM sentences WHERE article_id NOT IN (SELECT id FROM articles)"
        ).fetchone()
        assert orphans == (0,)
        return stored
    finally:
        db.close()


def _acknowledged(output: str) -> bool:
    return any(line.startswith("added #") for line in output.splitlines())


def _kill(process: subprocess.Popen[str]) -> tuple[str, int]:
    """SIGKILL (if still running); what it printed and how it ended."""
    process.send_signal(signal.SIGKILL)
    out, _ = process.communicate(timeout=TIMEOUT)
    return out, int(process.returncode)


def test_sigkill_during_add_loses_nothing_acknowledged(folder, tmp_path):
    seed = random.SystemRandom().randrange(2**32)
    rng = random.Random(seed)
    context = f"random seed {seed}"
    big = [_big_article(tmp_path / f"report-{i}.txt", i) for i in range(RANDOM_KILLS + 1)]
    small = [ARTICLES_DIR / "desalination.txt", ARTICLES_DIR / "football.txt"]
    expected = _expected([*big, *small])
    acknowledged: set[str] = set()
    digest_of = {path: digest for digest, (path, _) in expected.items()}

    def check(path: Path, out: str) -> dict[str, int]:
        if _acknowledged(out):
            acknowledged.add(digest_of[path])
        stored = _stored(folder.database, expected)
        missing = acknowledged - set(stored)
        assert not missing, f"an acknowledged add was lost ({context})"
        return stored

    # 1. Killed the moment its success line arrives: the add must be on disk.
    started = time.monotonic()
    process = folder.start("add", str(big[0]))
    assert process.stdout is not None
    line = process.stdout.readline()
    to_acknowledge = time.monotonic() - started
    rest, _ = _kill(process)
    assert line.startswith("added #1 in chat 0:"), process.stderr.read() if process.stderr else ""
    check(big[0], line + rest)
    assert digest_of[big[0]] in acknowledged

    # 2. Killed at moments spread over a whole add: loading, embedding, storing, exiting.
    moments = []
    for i, path in enumerate(big[1:]):
        share = (i + rng.random()) / RANDOM_KILLS  # one moment in each fifth of an add
        moments.append(round(share * to_acknowledge, 2))
        process = folder.start("add", str(path))
        time.sleep(moments[-1])
        out, status = _kill(process)
        check(path, out)
        if status != -signal.SIGKILL:  # it finished first: then it must have said so
            assert status == 0 and _acknowledged(out), (context, out)

    # 3. Killed inside the transaction: before the article row, half-way through its
    # sentences, after the sentences, at COMMIT. Each kill must land (status -9).
    for statement, nth in [
        ("INSERT INTO articles", 1),
        ("INSERT INTO sentences", 4),
        ("INSERT INTO clauses", 1),
        ("COMMIT", 1),
    ]:
        process = folder.start("add", str(small[0]), driver=(statement, str(nth)))
        out, err = process.communicate(timeout=TIMEOUT)
        assert process.returncode == -signal.SIGKILL, (statement, process.returncode, err[-2000:])
        assert digest_of[small[0]] not in check(small[0], out), f"half an add at {statement}"

    # 4. The next processes work: no stale lock, no broken write-ahead log.
    stored = _stored(folder.database, expected)
    listed = folder.run("articles", "--json")
    assert listed.returncode == 0, listed.stderr
    numbers = sorted(json.loads(line)["number"] for line in listed.stdout.splitlines())
    assert numbers == sorted(stored.values())
    added = folder.run("add", str(small[0]))
    assert added.returncode == 0 and added.stdout.startswith("added #"), added.stderr
    asked = folder.run("ask", "--json", "--chat", "0", WATER_QUESTION)
    assert asked.returncode == 0, asked.stderr
    answer = json.loads(asked.stdout)
    keys = {f"0#{n}" for n in _stored(folder.database, expected).values()}
    assert answer["answered"] and {a["article"] for a in answer["answers"]} <= keys
    # Printed for the record: which moments were tried and how long an add took here.
    print(f"{context}; add acknowledged after {to_acknowledge:.1f} s; kills at {moments} s")


def test_articles_survive_a_restart(folder):
    """Added by one process, answered by the next, removed by a third: gone for the fourth."""
    water = ARTICLES_DIR / "desalination.txt"
    added = folder.run("add", str(water))
    assert added.returncode == 0 and added.stdout.startswith("added #1 in chat 0:"), added.stderr

    asked = folder.run("ask", "--json", "--chat", "0", WATER_QUESTION)
    answer = json.loads(asked.stdout)
    assert answer["answered"] and answer["answers"][0]["article"] == "0#1"
    assert any("خمسين ألف متر مكعب" in a["text"] for a in answer["answers"])
    elsewhere = folder.run("ask", "--json", "--chat", "-100123", WATER_QUESTION)
    assert json.loads(elsewhere.stdout)["answered"] is False  # another chat's set

    removed = folder.run("remove", "1")
    assert removed.returncode == 0 and removed.stdout.startswith("removed #1"), removed.stderr
    again = folder.run("ask", "--json", "--chat", "0", WATER_QUESTION)
    assert json.loads(again.stdout)["answered"] is False
