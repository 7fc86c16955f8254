"""Commands as people type them, read the same way by the console and the Telegram bot.

Both front ends decide here what counts as a command and what ``/summary N`` asks for,
so the same line cannot mean one thing in the terminal and another in Telegram.
"""

from __future__ import annotations

import re
import unicodedata

from index import MAX_SUMMARY_SENTENCES

# The operator's own article set (command line and console). Telegram chat ids are never 0,
# so it can be no chat's set.
CONSOLE_CHAT = 0
# What Telegram marks as a bot command: a slash and Latin letters, digits or "_" at the start.
_COMMAND = re.compile(r"/([A-Za-z0-9_]{1,64})(?:@[A-Za-z0-9_]+)?(?=\s|$)")


def command_name(text: str) -> str | None:
    """The lower-case name of the command ``text`` starts with, or None for a question.

    Example:
        >>> command_name("/Summary 3"), command_name("/ما هذا؟")
        ('summary', None)
    """
    match = _COMMAND.match(text.strip())
    return match.group(1).lower() if match else None


# A message that is nothing but a request for help (any case, any punctuation around it) is
# answered with the help, as /help is: asked as a question, the article's nearest sentence
# would be shown (for "help", the one about a support group).
_HELP_WORDS = frozenset(
    {"help", "start", "مساعدة", "مساعده", "المساعدة", "المساعده", "ساعدني", "ساعدوني"}
)
_AROUND_A_WORD = re.compile(r"^[\W_]+|[\W_]+$")


def is_help_request(text: str) -> bool:
    """Whether ``text`` is a lone word asking for help rather than a question.

    Example:
        >>> [is_help_request(t) for t in ("Help!", " مساعدة؟ ", "help me find Kerry", "/help")]
        [True, True, False, False]
    """
    word = _AROUND_A_WORD.sub("", text.strip()).casefold()
    return word in _HELP_WORDS and not text.strip().startswith("/")


def summary_sentences(argument: str | None) -> int | None:
    """Sentences asked for by ``/summary N``; None means the configured default.

    N is the first word of ``argument``: a whole number in any script's decimal digits
    (``5``, ``٥``). Zero, other text or nothing asks for the default; more than
    :data:`MAX_SUMMARY_SENTENCES` gets that many. ``str.isdigit`` would let ``²`` or ``①``
    through to ``int()``, which rejects them.

    Example:
        >>> [summary_sentences(a) for a in ("5", "٥", "0", "²", "99", "", None)]
        [5, 5, None, None, 10, None, None]
    """
    words = (argument or "").split()
    if not words or not words[0].isdecimal():
        return None
    digits = "".join(str(unicodedata.decimal(c)) for c in words[0]).lstrip("0")
    if len(digits) > len(str(MAX_SUMMARY_SENTENCES)):  # also keeps int() off 5,000-digit input
        return MAX_SUMMARY_SENTENCES
    count = int(digits or "0")
    if count < 1:
        return None
    return min(count, MAX_SUMMARY_SENTENCES)
