"""Logging is set up by the entry points only: importing the library configures nothing."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO_ROOT


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT, check=True
    )


def test_importing_the_library_leaves_logger_levels_alone():
    code = (
        "import logging, bm25s\n"
        "before = {n: l.level for n, l in logging.root.manager.loggerDict.items()"
        " if isinstance(l, logging.Logger)}\n"
        "import index.retrieval.lexical\n"
        "after = {n: logging.getLogger(n).level for n in before}\n"
        "print(before == after)\n"
    )
    assert _run(code).stdout.strip() == "True"


def test_configured_threshold_holds_for_libraries_that_force_their_own_level():
    code = (
        "import logging\n"
        "from bot.logs import configure_logging\n"
        "configure_logging('INFO')\n"
        "import bm25s\n"  # sets its own logger to DEBUG when imported
        "logging.getLogger('bm25s').debug('bm25s chatter')\n"
        "logging.getLogger('index').info('kept')\n"
    )
    stderr = _run(code).stderr
    assert "kept" in stderr
    assert "bm25s chatter" not in stderr
