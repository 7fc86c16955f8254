"""Limits the answering service enforces and the front ends state, defined once.

Kept apart from :mod:`index.service` so that settings and help texts can name them
without importing the retrieval stack.
"""

from __future__ import annotations

from dataclasses import dataclass

# Longer questions get a polite refusal instead of an answer.
MAX_QUESTION_CHARS = 1000
# The most sentences a summary gives, whatever number is asked for.
MAX_SUMMARY_SENTENCES = 10


@dataclass(frozen=True, slots=True)
class ArticleLimits:
    """How much one chat may add: longer articles and more of them are refused by name."""

    max_chars: int = 100_000
    max_articles: int = 200
