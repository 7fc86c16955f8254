"""The package's public API, and that importing it stays cheap."""

from __future__ import annotations

import subprocess
import sys

import index.sources
from index.errors import ArticleError, SourceError


def test_public_api():
    assert sorted(index.sources.__all__) == [
        "FetchedPage",
        "SourceError",
        "document_text",
        "fetch_page",
    ]
    assert index.sources.SourceError is SourceError
    assert issubclass(SourceError, ArticleError)


def test_import_does_not_load_the_downloader_or_extractor():
    code = (
        "import sys, index.sources; "
        "print(sorted(m for m in ('httpx', 'trafilatura', 'lxml') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
