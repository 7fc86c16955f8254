"""Article text: reading seeds and HTML, sentences, Arabic normalisation, transliteration,
answer-type cues.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from index.lazy import lazy_exports

if TYPE_CHECKING:
    from index.text.answer_type import AnswerType, question_answer_type, sentence_has_type
    from index.text.articles import Article, read_seeds
    from index.text.normalize import (
        STOPWORDS,
        content_terms,
        query_text,
        remove_invisible,
        stem,
        strip_prefix,
        tokenize,
    )
    from index.text.sentences import Sentence, article_sentences
    from index.text.transliteration import (
        MIN_SKELETON,
        arabic_skeleton,
        latin_letter_share,
        latin_skeleton,
    )

__all__ = [
    "MIN_SKELETON",
    "STOPWORDS",
    "AnswerType",
    "Article",
    "Sentence",
    "arabic_skeleton",
    "article_sentences",
    "content_terms",
    "latin_letter_share",
    "latin_skeleton",
    "query_text",
    "question_answer_type",
    "read_seeds",
    "remove_invisible",
    "sentence_has_type",
    "stem",
    "strip_prefix",
    "tokenize",
]

# Where each public name is defined: imported on first use (PEP 562), so importing the
# package costs nothing and no package imports another at import time.
_HOMES = {
    "AnswerType": "index.text.answer_type",
    "Article": "index.text.articles",
    "MIN_SKELETON": "index.text.transliteration",
    "STOPWORDS": "index.text.normalize",
    "Sentence": "index.text.sentences",
    "arabic_skeleton": "index.text.transliteration",
    "article_sentences": "index.text.sentences",
    "content_terms": "index.text.normalize",
    "latin_letter_share": "index.text.transliteration",
    "latin_skeleton": "index.text.transliteration",
    "query_text": "index.text.normalize",
    "question_answer_type": "index.text.answer_type",
    "read_seeds": "index.text.articles",
    "remove_invisible": "index.text.normalize",
    "sentence_has_type": "index.text.answer_type",
    "stem": "index.text.normalize",
    "strip_prefix": "index.text.normalize",
    "tokenize": "index.text.normalize",
}


__getattr__, __dir__ = lazy_exports(__name__, _HOMES)
