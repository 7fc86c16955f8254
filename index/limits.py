"""Limits the answering service enforces and the front ends state, defined once.

Kept apart from :mod:`index.service` so that settings and help texts can name them
without importing the retrieval stack.
"""

from __future__ import annotations

# Longer questions get a polite refusal instead of an answer.
MAX_QUESTION_CHARS = 1000
# The most sentences a summary gives, whatever number is asked for.
MAX_SUMMARY_SENTENCES = 10
