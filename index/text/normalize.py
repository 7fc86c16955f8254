"""Arabic orthographic normalisation and tokenisation for lexical matching.

Readers type the same word many ways: with or without hamza on the alef, with
``ى`` for ``ي``, ``ه`` for ``ة``, with diacritics or tatweel. Lexical matching
only works once those variants collapse to one form.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

# Harakat, tanwin, shadda, sukun, superscript alef and Quranic marks: none change the word.
_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
_TATWEEL = "\u0640"
# Joiners, direction marks, word joiners, soft hyphens and BOMs: invisible, yet they split
# a word in two for the tokenizer ("لاف\u200cروف").
_INVISIBLE = re.compile("[\u00ad\u200c-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_ZERO_WIDTH_SPACE = "\u200b"  # a word boundary that shows no space
_CHAR_MAP = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ى": "ي",
        "ئ": "ء",
        "ؤ": "ء",
        "ة": "ه",
        "ک": "ك",  # Persian keheh, common in pasted text
        "ی": "ي",  # Persian yeh
        "٠": "0",
        "١": "1",
        "٢": "2",
        "٣": "3",
        "٤": "4",
        "٥": "5",
        "٦": "6",
        "٧": "7",
        "٨": "8",
        "٩": "9",
        "۰": "0",
        "۱": "1",
        "۲": "2",
        "۳": "3",
        "۴": "4",
        "۵": "5",
        "۶": "6",
        "۷": "7",
        "۸": "8",
        "۹": "9",
    }
)
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)

# Function words and question words carry no topic; matching them only adds noise.
STOPWORDS = frozenset(
    """
    في من الي علي عن مع ان او ثم قد لقد كان كانت يكون تكون هذا هذه ذلك تلك هؤلاء الذي التي
    الذين اللذين اللتين اللاتي ما ماذا لماذا متي اين كيف كم هل اي ايه من لا لم لن ليس كل بعض
    غير بين حتي اذا اذ او ام بل لكن منذ عند عنده لدي هو هي هم هن انا نحن انت انتم وهو وهي
    الا فيه فيها منه منها عليه عليها به بها له لها لهم الذي و ف ب ل ك يا شو ايش وين ليش امتي
    قديش قداش شنو فين مين ازاي اشمعنا اللي يلي هيك هاد هادا هذي شي بدي عايز
    the a an of in on at to is are was were what who whom
    which when where why how many much does did do for by with from and or
    about me my i you your tell please it its this that there they he she his her
    """.split()
)

# Clitics that attach to the front of a word: conjunctions, prepositions and the article.
_PREFIXES = (
    "وبال",
    "وكال",
    "فبال",
    "وال",
    "فال",
    "بال",
    "كال",
    "لل",
    "ال",
    "و",
    "ف",
    "ب",
    "ل",
    "ك",
)
_MIN_STEM = 2


def remove_invisible(text: str) -> str:
    """The text without the invisible marks that :func:`normalize_arabic` drops.

    What the dense encoder sees: a joiner inside a name would otherwise split it into
    pieces the model does not recognise, while the lexical side reads the name whole.
    """
    return _INVISIBLE.sub("", text.replace(_ZERO_WIDTH_SPACE, " "))


def strip_diacritics(text: str) -> str:
    """The text without short vowels and tatweel, spelling otherwise untouched.

    The embedding model saw little vowelled text: a fully vowelled question lands
    far from the same question unvowelled, so questions are embedded without them.
    """
    return _DIACRITICS.sub("", text).replace(_TATWEEL, "")


# An HTML tag pasted with a question (copied from a page's source): markup, not words.
_HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>")


def query_text(question: str) -> str:
    """What the embedding model is given for a question (the answering service and the
    evaluation embed questions the same way): no diacritics, no pasted HTML tags."""
    return strip_diacritics(_HTML_TAG.sub(" ", question)).strip()


def normalize_arabic(text: str) -> str:
    """Collapse spelling variants so that equal words compare equal.

    NFKC first: text copied from PDFs often carries Arabic presentation forms
    (``ﻟﺎﻓﺮﻭﻑ``) and fullwidth digits, which look right but compare unequal.
    """
    text = unicodedata.normalize("NFKC", text).replace(_ZERO_WIDTH_SPACE, " ")
    text = _INVISIBLE.sub("", _DIACRITICS.sub("", text)).replace(_TATWEEL, "")
    return text.translate(_CHAR_MAP).lower()


def tokenize(text: str) -> list[str]:
    """Normalised word tokens, stopwords included (callers decide what to drop)."""
    return _TOKEN.findall(normalize_arabic(text))


def strip_prefix(token: str) -> str:
    """Remove one leading clitic when enough of the word remains."""
    for prefix in _PREFIXES:
        if token.startswith(prefix) and len(token) - len(prefix) >= _MIN_STEM + 1:
            return token[len(prefix) :]
    return token


@lru_cache(maxsize=1)
def _arabic_stemmer() -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer("arabic")


@lru_cache(maxsize=1)
def _english_stemmer() -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer("english")


@lru_cache(maxsize=200_000)
def stem(token: str) -> str:
    """Light stem of a normalised token: prefix stripping plus Snowball for the suffixes."""
    if token.isascii():
        return str(_english_stemmer().stemWord(token)) if token.isalpha() else token
    stripped = strip_prefix(token)
    stemmed = str(_arabic_stemmer().stemWord(stripped))
    # Snowball normalises hamza forms itself; re-normalise so both paths agree.
    stemmed = normalize_arabic(stemmed)
    return stemmed if len(stemmed) >= _MIN_STEM else stripped


def content_terms(text: str) -> list[str]:
    """Stems of the words that carry meaning: what BM25 and overlap measures compare."""
    return [stem(tok) for tok in tokenize(text) if tok not in STOPWORDS and not _is_noise(tok)]


def _is_noise(token: str) -> bool:
    return len(token) < 2 and not token.isdigit()
