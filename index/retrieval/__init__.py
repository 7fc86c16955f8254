"""Ranking an article's sentences for a question: FAISS and BM25, clause scores, fusion,
abstention, summaries, the per-model calibration it loads and the optional re-ranker.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from index.lazy import lazy_exports

if TYPE_CHECKING:
    from index.retrieval.abstention import DEFAULT_ABSTENTION, AbstentionModel, abstention_features
    from index.retrieval.background import Background, load_background
    from index.retrieval.calibration import (
        DEFAULT_CALIBRATION,
        Calibration,
        calibration_for,
        save_calibration,
    )
    from index.retrieval.clauses import SentenceVectors, embed_sentences
    from index.retrieval.corpus import Corpus
    from index.retrieval.query_adapter import QueryAdapter, fit_query_adapter
    from index.retrieval.ranking import (
        HYBRID_WEIGHTS,
        FusionWeights,
        LexicalSignals,
        Method,
        combine_signals,
        compute_signals,
        dense_signals,
        dense_term,
        fuse,
        lexical_signals,
        lexical_term,
        zscore,
    )
    from index.retrieval.reranker import Reranker, load_reranker, reranked_scores
    from index.retrieval.summary import pick_summary_sentences

__all__ = [
    "DEFAULT_ABSTENTION",
    "DEFAULT_CALIBRATION",
    "HYBRID_WEIGHTS",
    "AbstentionModel",
    "Background",
    "Calibration",
    "Corpus",
    "FusionWeights",
    "LexicalSignals",
    "Method",
    "QueryAdapter",
    "Reranker",
    "SentenceVectors",
    "abstention_features",
    "calibration_for",
    "combine_signals",
    "compute_signals",
    "dense_signals",
    "dense_term",
    "embed_sentences",
    "fit_query_adapter",
    "fuse",
    "lexical_signals",
    "lexical_term",
    "load_background",
    "load_reranker",
    "pick_summary_sentences",
    "reranked_scores",
    "save_calibration",
    "zscore",
]

# Where each public name is defined: imported on first use (PEP 562), so importing the
# package costs nothing and no package imports another at import time.
_HOMES = {
    "AbstentionModel": "index.retrieval.abstention",
    "Background": "index.retrieval.background",
    "Calibration": "index.retrieval.calibration",
    "Corpus": "index.retrieval.corpus",
    "DEFAULT_ABSTENTION": "index.retrieval.abstention",
    "DEFAULT_CALIBRATION": "index.retrieval.calibration",
    "FusionWeights": "index.retrieval.ranking",
    "HYBRID_WEIGHTS": "index.retrieval.ranking",
    "LexicalSignals": "index.retrieval.ranking",
    "Method": "index.retrieval.ranking",
    "QueryAdapter": "index.retrieval.query_adapter",
    "Reranker": "index.retrieval.reranker",
    "SentenceVectors": "index.retrieval.clauses",
    "abstention_features": "index.retrieval.abstention",
    "calibration_for": "index.retrieval.calibration",
    "combine_signals": "index.retrieval.ranking",
    "compute_signals": "index.retrieval.ranking",
    "dense_signals": "index.retrieval.ranking",
    "dense_term": "index.retrieval.ranking",
    "embed_sentences": "index.retrieval.clauses",
    "fit_query_adapter": "index.retrieval.query_adapter",
    "fuse": "index.retrieval.ranking",
    "lexical_signals": "index.retrieval.ranking",
    "lexical_term": "index.retrieval.ranking",
    "load_background": "index.retrieval.background",
    "load_reranker": "index.retrieval.reranker",
    "reranked_scores": "index.retrieval.reranker",
    "pick_summary_sentences": "index.retrieval.summary",
    "save_calibration": "index.retrieval.calibration",
    "zscore": "index.retrieval.ranking",
}


__getattr__, __dir__ = lazy_exports(__name__, _HOMES)
