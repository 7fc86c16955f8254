"""Measuring retrieval: evaluation files, metrics, and fitting the fusion weights and
abstention model (the calibration) on them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from index.lazy import lazy_exports

if TYPE_CHECKING:
    from index.evaluation.context_sets import (
        ContextSet,
        EmbeddedContexts,
        all_questions,
        all_sentences,
        context_spans,
        embed_contexts,
    )
    from index.evaluation.datasets import ArticleQuestion, read_eval_file
    from index.evaluation.fitting import (
        FEATURES,
        SHIPPED_RECIPE,
        CalibrationReport,
        Recipe,
        abstention_rows,
        fit,
        fit_abstention,
        fit_calibration_on,
        leave_one_set_out,
        prepare_set,
        rank_table,
    )
    from index.evaluation.metrics import (
        EvalResult,
        evaluate_abstention_pairs,
        evaluate_article_questions,
        evaluate_contexts,
        evaluate_shown,
        method_scorer,
    )

__all__ = [
    "FEATURES",
    "SHIPPED_RECIPE",
    "ArticleQuestion",
    "CalibrationReport",
    "ContextSet",
    "EmbeddedContexts",
    "EvalResult",
    "Recipe",
    "abstention_rows",
    "all_questions",
    "all_sentences",
    "context_spans",
    "embed_contexts",
    "evaluate_abstention_pairs",
    "evaluate_article_questions",
    "evaluate_contexts",
    "evaluate_shown",
    "fit",
    "fit_abstention",
    "fit_calibration_on",
    "leave_one_set_out",
    "method_scorer",
    "prepare_set",
    "rank_table",
    "read_eval_file",
]

# Where each public name is defined: imported on first use (PEP 562), so importing the
# package costs nothing and no package imports another at import time.
_HOMES = {
    "ArticleQuestion": "index.evaluation.datasets",
    "CalibrationReport": "index.evaluation.fitting",
    "ContextSet": "index.evaluation.context_sets",
    "EmbeddedContexts": "index.evaluation.context_sets",
    "EvalResult": "index.evaluation.metrics",
    "FEATURES": "index.evaluation.fitting",
    "Recipe": "index.evaluation.fitting",
    "SHIPPED_RECIPE": "index.evaluation.fitting",
    "abstention_rows": "index.evaluation.fitting",
    "all_questions": "index.evaluation.context_sets",
    "all_sentences": "index.evaluation.context_sets",
    "context_spans": "index.evaluation.context_sets",
    "embed_contexts": "index.evaluation.context_sets",
    "evaluate_abstention_pairs": "index.evaluation.metrics",
    "evaluate_article_questions": "index.evaluation.metrics",
    "evaluate_contexts": "index.evaluation.metrics",
    "evaluate_shown": "index.evaluation.metrics",
    "fit": "index.evaluation.fitting",
    "fit_abstention": "index.evaluation.fitting",
    "fit_calibration_on": "index.evaluation.fitting",
    "leave_one_set_out": "index.evaluation.fitting",
    "method_scorer": "index.evaluation.metrics",
    "prepare_set": "index.evaluation.fitting",
    "rank_table": "index.evaluation.fitting",
    "read_eval_file": "index.evaluation.datasets",
}


__getattr__, __dir__ = lazy_exports(__name__, _HOMES)
