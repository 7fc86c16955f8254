"""The saved index: reuse when current, rebuild on change or damage, never a traceback."""

from __future__ import annotations

import copy
import errno
import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from index.errors import IndexFolderError
from index.storage.store import CLAUSES, MANIFEST, SENTENCES, VECTORS, load_or_build
from index.text.articles import read_seeds
from tests.conftest import MODELS_DIR, REPO_ROOT


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    folder = tmp_path / "seeds"
    folder.mkdir()
    shutil.copy(next((REPO_ROOT / "seeds").glob("*.txt")), folder / "a.txt")
    (folder / "b.txt").write_text(
        "عنوان ثان\nجملة أولى عن الاقتصاد. وجملة ثانية عن النفط.", "utf-8"
    )
    return folder


def test_build_then_load_reuses_everything(seeds, tmp_path, embedder):
    folder = tmp_path / "index"
    corpus, report = load_or_build(folder, read_seeds(seeds), embedder)
    assert report.rebuilt and report.embedded == len(corpus) == 16 + 3
    assert {p.name for p in folder.iterdir()} == {MANIFEST, SENTENCES, VECTORS, CLAUSES}
    manifest = json.loads((folder / MANIFEST).read_text("utf-8"))
    assert manifest["model"] == embedder.name and manifest["dim"] == embedder.dim
    assert set(manifest["articles"]) == {"a", "b"}

    again, report = load_or_build(folder, read_seeds(seeds), embedder)
    assert not report.rebuilt and report.embedded == 0
    assert [s.text for s in again.sentences] == [s.text for s in corpus.sentences]
    np.testing.assert_allclose(again.vectors, corpus.vectors, atol=1e-6)
    assert again.titles == corpus.titles


def test_changed_article_is_the_only_one_re_embedded(seeds, tmp_path, embedder, caplog):
    folder = tmp_path / "index"
    load_or_build(folder, read_seeds(seeds), embedder)
    (seeds / "b.txt").write_text("عنوان ثان\nجملة معدلة عن الاقتصاد.", "utf-8")
    with caplog.at_level(logging.INFO, logger="index.storage.store"):
        corpus, report = load_or_build(folder, read_seeds(seeds), embedder)
    assert report.rebuilt and report.embedded == 2 and report.reused == 16
    assert "articles changed: b" in caplog.text
    assert [s.text for s in corpus.sentences if s.article_id == "b"][1] == "جملة معدلة عن الاقتصاد."


def test_added_article_embeds_only_the_new_one(seeds, tmp_path, embedder):
    folder = tmp_path / "index"
    load_or_build(folder, read_seeds(seeds), embedder)
    (seeds / "c.txt").write_text("عنوان ثالث\nخبر جديد تماما.", "utf-8")
    corpus, report = load_or_build(folder, read_seeds(seeds), embedder)
    assert report.embedded == 2 and report.reused == 19
    assert "c" in corpus.titles


def test_other_model_name_triggers_a_full_rebuild(seeds, tmp_path, embedder):
    folder = tmp_path / "index"
    load_or_build(folder, read_seeds(seeds), embedder)
    manifest = json.loads((folder / MANIFEST).read_text("utf-8"))
    manifest["model"] = "some-other-model"
    (folder / MANIFEST).write_text(json.dumps(manifest), "utf-8")
    _, report = load_or_build(folder, read_seeds(seeds), embedder)
    assert report.rebuilt and report.reused == 0 and "some-other-model" in report.reason


def _set_format(folder: Path, version: int) -> None:
    manifest = json.loads((folder / MANIFEST).read_text("utf-8"))
    manifest["format"] = version
    (folder / MANIFEST).write_text(json.dumps(manifest), "utf-8")


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        (lambda f: (f / VECTORS).write_bytes(b"not a faiss index"), "corrupt"),
        (lambda f: (f / SENTENCES).write_text("[{", "utf-8"), "corrupt"),
        (lambda f: (f / MANIFEST).write_text("{}", "utf-8"), "corrupt"),
        (lambda f: (f / VECTORS).unlink(), "incomplete"),
        (lambda f: _set_format(f, 2), "has format 2"),
    ],
)
def test_damaged_index_is_rebuilt_with_a_warning(
    seeds, tmp_path, embedder, caplog, damage, expected
):
    folder = tmp_path / "index"
    load_or_build(folder, read_seeds(seeds), embedder)
    damage(folder)
    with caplog.at_level(logging.WARNING, logger="index.storage.store"):
        corpus, report = load_or_build(folder, read_seeds(seeds), embedder)
    assert report.rebuilt and expected in report.reason and expected in caplog.text
    assert len(corpus) == 19
    # and the rebuilt index loads cleanly afterwards
    assert not load_or_build(folder, read_seeds(seeds), embedder)[1].rebuilt


def _rewrite_clauses_and_checksum(folder: Path) -> None:
    """Drop clause vectors and vouch for the damaged file, as a buggy writer would."""
    with np.load(folder / CLAUSES) as clauses:
        vectors, owner = clauses["vectors"], clauses["owner"]
    np.savez(folder / CLAUSES, vectors=vectors[:-3], owner=owner)
    _vouch_for(folder, CLAUSES)


def _vouch_for(folder: Path, name: str) -> None:
    manifest = json.loads((folder / MANIFEST).read_text("utf-8"))
    manifest["files"][name] = hashlib.sha256((folder / name).read_bytes()).hexdigest()
    (folder / MANIFEST).write_text(json.dumps(manifest), "utf-8")


def _flip_last_bytes(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[-64:] = bytes(255 - b for b in data[-64:])
    path.write_bytes(bytes(data))


def _drop_a_digest(folder: Path) -> None:
    manifest = json.loads((folder / MANIFEST).read_text("utf-8"))
    del next(iter(manifest["articles"].values()))["digest"]
    (folder / MANIFEST).write_text(json.dumps(manifest), "utf-8")


@pytest.mark.parametrize(
    "damage",
    [
        lambda f: _flip_last_bytes(f / VECTORS),  # same size, still parses as FAISS
        _drop_a_digest,
        _rewrite_clauses_and_checksum,
    ],
)
def test_silent_damage_is_caught_and_rebuilt(seeds, tmp_path, embedder, damage):
    folder = tmp_path / "index"
    fresh, _ = load_or_build(folder, read_seeds(seeds), embedder)
    damage(folder)
    corpus, report = load_or_build(folder, read_seeds(seeds), embedder)
    assert report.rebuilt and "corrupt" in report.reason
    np.testing.assert_allclose(corpus.vectors, fresh.vectors, atol=1e-6)


def test_weights_retrained_in_place_trigger_a_rebuild(seeds, tmp_path, embedder):
    folder = tmp_path / "index"
    load_or_build(folder, read_seeds(seeds), embedder)
    retrained = copy.copy(embedder)
    retrained.weights = embedder.weights + " retrained"
    _, report = load_or_build(folder, read_seeds(seeds), retrained)
    assert report.rebuilt and "weights changed" in report.reason
    assert report.reused == 0 and report.embedded == 19, "old vectors must not be reused"


def test_processes_sharing_a_folder_take_turns(seeds, tmp_path, embedder):
    folder = tmp_path / "index"
    everything = read_seeds(seeds)
    with ThreadPoolExecutor(max_workers=4) as pool:
        runs = [
            pool.submit(load_or_build, folder, everything[: 1 + i % 2], embedder) for i in range(8)
        ]
        sizes = {len(run.result()[0]) for run in runs}
    assert sizes == {16, 19}
    assert not list(tmp_path.glob(".index-*")), "no staging folder left behind"


def test_an_index_split_by_an_older_splitter_is_resplit(seeds, tmp_path, embedder):
    folder = tmp_path / "index"
    load_or_build(folder, read_seeds(seeds), embedder)
    records = json.loads((folder / SENTENCES).read_text("utf-8"))
    last_b = max(i for i, r in enumerate(records) if r["article_id"] == "b")
    records[last_b]["text"] += " ،"  # as a splitter that kept the separator would have
    (folder / SENTENCES).write_text(json.dumps(records, ensure_ascii=False), "utf-8")
    _vouch_for(folder, SENTENCES)
    corpus, report = load_or_build(folder, read_seeds(seeds), embedder)
    assert report.rebuilt and "splitting changed for: b" in report.reason
    assert len(corpus) == 19 and report.embedded == 3


@pytest.mark.parametrize(
    "foreign",
    [
        {"notes.txt": "my notes"},  # someone's file in the folder
        {"__init__.py": "", "store.py": "x = 1"},  # a source package of the same name
        {MANIFEST: "{}", "notes.txt": "a manifest does not vouch for other files"},
        {SENTENCES: "[]"},  # an index file name, but no manifest vouches for it
    ],
)
def test_a_folder_that_is_not_a_saved_index_is_never_replaced(seeds, tmp_path, embedder, foreign):
    folder = tmp_path / "index"
    folder.mkdir()
    for name, text in foreign.items():
        (folder / name).write_text(text, "utf-8")
    with pytest.raises(IndexFolderError, match="not a saved index") as error:
        load_or_build(folder, read_seeds(seeds), embedder)
    assert str(folder) in str(error.value) and "\n" not in str(error.value)
    assert {p.name: p.read_text("utf-8") for p in folder.iterdir()} == foreign
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".index-")) == []


def test_a_file_where_the_index_folder_goes_is_never_replaced(seeds, tmp_path, embedder):
    (tmp_path / "index").write_text("not a folder", "utf-8")
    with pytest.raises(IndexFolderError, match="not a folder"):
        load_or_build(tmp_path / "index", read_seeds(seeds), embedder)
    assert (tmp_path / "index").read_text("utf-8") == "not a folder"


def test_an_empty_folder_becomes_the_index(seeds, tmp_path, embedder):
    (tmp_path / "index").mkdir()
    _, report = load_or_build(tmp_path / "index", read_seeds(seeds), embedder)
    assert report.rebuilt and (tmp_path / "index" / MANIFEST).is_file()


def _read_only(path: Path) -> None:
    raise OSError(errno.EROFS, "Read-only file system", str(path))


def test_a_current_index_is_served_without_writing_a_lock(seeds, tmp_path, embedder, monkeypatch):
    folder = tmp_path / "index"
    built, _ = load_or_build(folder, read_seeds(seeds), embedder)
    (tmp_path / ".index.lock").unlink()
    before = {p: p.stat().st_mtime_ns for p in folder.iterdir()}
    monkeypatch.setattr(
        "index.storage.file_lock.exclusive_lock", _read_only
    )  # a read-only DATA_DIR
    corpus, report = load_or_build(folder, read_seeds(seeds), embedder)
    assert not report.rebuilt and len(corpus) == len(built)
    assert not (tmp_path / ".index.lock").exists()
    assert {p: p.stat().st_mtime_ns for p in folder.iterdir()} == before


def test_a_stale_index_on_a_read_only_disk_is_rebuilt_in_memory(
    seeds, tmp_path, embedder, monkeypatch, caplog
):
    folder = tmp_path / "index"
    load_or_build(folder, read_seeds(seeds), embedder)
    manifest = (folder / MANIFEST).read_bytes()
    (seeds / "b.txt").write_text("عنوان ثان\nجملة معدلة عن الاقتصاد.", "utf-8")
    monkeypatch.setattr("index.storage.file_lock.exclusive_lock", _read_only)
    with caplog.at_level(logging.WARNING, logger="index.storage.store"):
        corpus, report = load_or_build(folder, read_seeds(seeds), embedder)
    assert report.rebuilt and report.embedded == 2 and len(corpus) == 18
    assert "memory only" in caplog.text
    assert (folder / MANIFEST).read_bytes() == manifest, "nothing is written"


_CRASH_AT_SECOND_RENAME = """
import os, sys
from pathlib import Path
from index.text.articles import read_seeds
from index.embedding import ModelSpec, load_embedder
from index.storage.store import load_or_build

folder, seeds, models = (Path(a) for a in sys.argv[1:4])
embedder = load_embedder(ModelSpec(models_dir=models))
renames = []
real_rename = Path.rename


def rename(self, target):
    renames.append(target)
    if len(renames) == 2:  # the old index has been moved aside, the new one not yet in
        os._exit(9)  # the process dies here: no cleanup runs
    return real_rename(self, target)


Path.rename = rename
load_or_build(folder, read_seeds(seeds), embedder)
"""


def test_a_crash_between_the_renames_of_a_save_keeps_an_index(seeds, tmp_path, embedder):
    folder = tmp_path / "index"
    load_or_build(folder, read_seeds(seeds), embedder)
    (seeds / "c.txt").write_text("عنوان ثالث\nخبر جديد تماما.", "utf-8")
    crashed = subprocess.run(
        [sys.executable, "-c", _CRASH_AT_SECOND_RENAME, str(folder), str(seeds), str(MODELS_DIR)],
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        capture_output=True,
        timeout=300,
    )
    assert crashed.returncode == 9, crashed.stderr.decode()
    corpus, report = load_or_build(folder, read_seeds(seeds), embedder)
    assert not report.rebuilt and report.embedded == 0, "the finished new index is used"
    assert len(corpus) == 21
    assert not list(tmp_path.glob(".index-*")), "what the crash left is cleaned up"


def test_leftovers_of_interrupted_saves_are_removed(seeds, tmp_path, embedder):
    folder = tmp_path / "index"
    load_or_build(folder, read_seeds(seeds), embedder)
    shutil.copytree(folder, tmp_path / ".index-old")  # as older versions named them
    half_written = tmp_path / ".index-new-x1y2z3"
    half_written.mkdir()
    shutil.copy(folder / SENTENCES, half_written / SENTENCES)
    foreign = tmp_path / ".index-notes"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me", "utf-8")
    _, report = load_or_build(folder, read_seeds(seeds), embedder)
    assert not report.rebuilt
    assert sorted(p.name for p in tmp_path.glob(".index-*")) == [".index-notes"]
    assert (foreign / "notes.txt").read_text("utf-8") == "keep me"


def test_a_copied_model_folder_is_the_same_model(tmp_path):
    """``cp -r`` gives the files new times; only a change of contents is a new model."""
    from index.embedding.onnx_files import weights_stamp

    model = tmp_path / "model"
    model.mkdir()
    (model / "config.json").write_text('{"hidden_size": 4}', "utf-8")
    (model / "model.safetensors").write_bytes(bytes(range(256)) * 64)
    stamp = weights_stamp(model)
    copied = tmp_path / "copy"
    shutil.copytree(model, copied, copy_function=shutil.copy)  # new file times
    later = (model / "model.safetensors").stat().st_mtime + 60
    os.utime(copied / "model.safetensors", (later, later))
    assert weights_stamp(copied) == stamp
    (copied / "model.safetensors").write_bytes(bytes(reversed(range(256))) * 64)  # retrained
    assert weights_stamp(copied) != stamp
