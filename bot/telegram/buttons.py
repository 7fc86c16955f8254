"""The buttons under an answer and the callback data they carry.

Callback data is stateless: it names the sentences themselves (a short article reference
plus sentence numbers), so buttons keep working after a restart and need no cache. It is
versioned (``a1:``) so a future format can tell old buttons apart, and it stays under
Telegram's 64-byte limit. Anything that does not parse, or names a sentence the index no
longer has, is a stale or forged button.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import texts
from index import Answer, Passage

VERSION = "a1"
MAX_CALLBACK_BYTES = 64  # Telegram's limit on callback_data
MORE_SENTENCES = 3
_REF = r"[0-9a-f]{6}\.\d{1,5}"
_DATA = re.compile(rf"^{VERSION}:(m|c|f\+|f-):({_REF}(?:,{_REF}){{0,{MORE_SENTENCES - 1}}})$")
# Matches every button this bot ever made, so a version bump can still answer old ones.
ANY_BUTTON = re.compile(r"^a\d+:")


class Action(Enum):
    MORE = "m"
    CONTEXT = "c"
    HELPFUL = "f+"
    UNHELPFUL = "f-"


@dataclass(frozen=True, slots=True)
class Press:
    """A parsed button press: what to do and with which sentences."""

    action: Action
    sentences: tuple[tuple[str, int], ...]  # (article reference, sentence number)

    @property
    def is_feedback(self) -> bool:
        return self.action in (Action.HELPFUL, Action.UNHELPFUL)


def article_ref(article_id: str) -> str:
    """Six hex digits naming an article; article ids themselves can be long file names."""
    return hashlib.blake2s(article_id.encode(), digest_size=3).hexdigest()


def article_refs(article_ids: Iterable[str]) -> dict[str, str]:
    """Reference -> article id, to resolve a press."""
    return {article_ref(a): a for a in article_ids}


def encode(action: Action, passages: Iterable[Passage]) -> str:
    refs = ",".join(f"{article_ref(p.article_id)}.{p.number}" for p in passages)
    data = f"{VERSION}:{action.value}:{refs}"
    if len(data.encode()) > MAX_CALLBACK_BYTES:
        raise ValueError(f"callback data too long: {data!r}")
    return data


def decode(data: str | None) -> Press | None:
    """Parse callback data; None for anything this version did not make."""
    match = _DATA.fullmatch(data or "")
    if match is None:
        return None
    sentences = tuple(
        (ref, int(number))
        for ref, number in (item.split(".") for item in match.group(2).split(","))
    )
    return Press(Action(match.group(1)), sentences)


def resolve(press: Press, refs: Mapping[str, str]) -> list[tuple[str, int]] | None:
    """(article id, number) for each sentence of ``press``; None if an article is unknown."""
    found = [(refs.get(ref), number) for ref, number in press.sentences]
    if any(article is None for article, _ in found):
        return None
    return [(article, number) for article, number in found if article is not None]


def answer_keyboard(answer: Answer) -> InlineKeyboardMarkup | None:
    """More, context and feedback buttons for an answered question; none for abstentions."""
    best = answer.best
    if best is None:
        return None
    shown = {(p.article_id, p.number) for p in answer.passages}
    more = [p for p in answer.ranked if (p.article_id, p.number) not in shown][:MORE_SENTENCES]
    first_row = []
    if more:
        first_row.append(
            InlineKeyboardButton(texts.BUTTON_MORE, callback_data=encode(Action.MORE, more))
        )
    first_row.append(
        InlineKeyboardButton(texts.BUTTON_CONTEXT, callback_data=encode(Action.CONTEXT, [best]))
    )
    feedback = [
        InlineKeyboardButton(texts.BUTTON_HELPFUL, callback_data=encode(Action.HELPFUL, [best])),
        InlineKeyboardButton(
            texts.BUTTON_UNHELPFUL, callback_data=encode(Action.UNHELPFUL, [best])
        ),
    ]
    return InlineKeyboardMarkup([first_row, feedback])


def without(
    markup: InlineKeyboardMarkup | None, drop: Iterable[str]
) -> InlineKeyboardMarkup | None:
    """``markup`` minus the buttons whose callback data is in ``drop`` (None when empty)."""
    if markup is None:
        return None
    dropped = set(drop)
    rows = [[b for b in row if b.callback_data not in dropped] for row in markup.inline_keyboard]
    rows = [row for row in rows if row]
    return InlineKeyboardMarkup(rows) if rows else None


def feedback_data(markup: InlineKeyboardMarkup | None) -> list[str]:
    """Callback data of the feedback buttons in ``markup``: one vote per answer is enough."""
    found: list[str] = []
    for row in markup.inline_keyboard if markup else ():
        for button in row:
            data = button.callback_data if isinstance(button.callback_data, str) else None
            press = decode(data)
            if data is not None and press is not None and press.is_feedback:
                found.append(data)
    return found
