"""Matching Latin-script names to Arabic-script words by their consonant skeletons.

English questions about an Arabic article name the same people and places
("Lavrov" / "لافروف"), but no spelling rule links the scripts. Reducing both
sides to a coarse consonant skeleton (vowels dropped, letters that
transliterate into each other merged into one class) lets a name in one
script find the word in the other. Only skeletons of three or more consonants
are compared, which keeps common short words from matching by chance.
"""

from __future__ import annotations

MIN_SKELETON = 3

_ARABIC_CLASSES = {
    "ب": "B",
    "پ": "B",
    "ت": "T",
    "ط": "T",
    "ث": "S",
    "س": "S",
    "ص": "S",
    "ج": "G",
    "غ": "G",
    "ح": "H",
    "ه": "H",
    "خ": "X",
    "د": "D",
    "ض": "D",
    "ذ": "Z",
    "ز": "Z",
    "ظ": "Z",
    "ر": "R",
    "ش": "C",
    "ف": "F",
    "ڤ": "F",
    "ق": "K",
    "ك": "K",
    "ل": "L",
    "م": "M",
    "ن": "N",
}
# Order matters: digraphs before single letters.
_LATIN_CLASSES = (
    ("sch", "C"),
    ("sh", "C"),
    ("ch", "C"),
    ("kh", "X"),
    ("gh", "G"),
    ("th", "S"),
    ("ph", "F"),
    ("ck", "K"),
    ("ng", "N"),
    ("b", "B"),
    ("p", "B"),
    ("t", "T"),
    ("d", "D"),
    ("s", "S"),
    ("z", "Z"),
    ("r", "R"),
    ("f", "F"),
    ("v", "F"),
    ("q", "K"),
    ("k", "K"),
    ("c", "K"),
    ("g", "G"),
    ("j", "G"),
    ("l", "L"),
    ("m", "M"),
    ("n", "N"),
    ("h", "H"),
    ("x", "KS"),
)


def arabic_skeleton(token: str) -> str:
    """Consonant classes of a normalised Arabic token (long vowels and hamza carriers drop)."""
    return _collapse("".join(_ARABIC_CLASSES.get(ch, "") for ch in token))


def latin_skeleton(token: str) -> str:
    """Consonant classes of a Latin-script word, as it would be written in Arabic."""
    word = token.lower()
    out: list[str] = []
    i = 0
    while i < len(word):
        for latin, cls in _LATIN_CLASSES:
            if word.startswith(latin, i):
                out.append(cls)
                i += len(latin)
                break
        else:
            i += 1  # vowels, "w" and "y" are written with long-vowel letters, which drop too
    return _collapse("".join(out))


def _collapse(skeleton: str) -> str:
    """Doubled consonants are written once in Arabic ("Kerry" / "كيري")."""
    out: list[str] = []
    for ch in skeleton:
        if not out or out[-1] != ch:
            out.append(ch)
    return "".join(out)


def latin_letter_share(text: str) -> float:
    """The share of the text's letters that are Latin rather than Arabic script (0 when none).

    An English question shares no terms with an Arabic article, so its lexical evidence
    means less than an Arabic question's; the abstention model reads this share to know.
    """
    latin = arabic = 0
    for ch in text:
        if ch.isascii():
            latin += ch.isalpha()
        elif "\u0621" <= ch <= "\u06d3":
            arabic += ch.isalpha()
    return latin / (latin + arabic) if latin + arabic else 0.0
