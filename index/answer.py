"""The contract between the library and every front end: what an answer is."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Status(Enum):
    """Why an answer looks the way it does; front ends pick their wording from this."""

    ANSWERED = "answered"
    NOT_COVERED = "not_covered"  # the article does not answer the question
    EMPTY = "empty"  # nothing to search for (blank or punctuation only)
    TOO_LONG = "too_long"


@dataclass(frozen=True, slots=True)
class Passage:
    """One sentence of an article, as shown to a reader."""

    article_id: str
    article_title: str
    number: int
    text: str
    score: float = 0.0


@dataclass(frozen=True, slots=True)
class Answer:
    """The best sentence, its supporting sentences and what else was considered.

    ``passages`` is what to show, in reading order; ``ranked`` holds the
    candidates best first, so "more" and inline results need no second search.
    """

    question: str
    status: Status
    passages: tuple[Passage, ...] = ()
    ranked: tuple[Passage, ...] = ()
    confidence: float = 0.0
    terms: tuple[str, ...] = field(default=())

    @property
    def answered(self) -> bool:
        return self.status is Status.ANSWERED

    @property
    def best(self) -> Passage | None:
        return self.ranked[0] if self.answered and self.ranked else None


@dataclass(frozen=True, slots=True)
class Summary:
    """An extractive summary of one article, sentences in article order."""

    article_id: str
    article_title: str
    passages: tuple[Passage, ...]
