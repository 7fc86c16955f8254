"""Fine-tuning the embedding model (one recipe object, the trainer, the saved model folder),
and training the optional re-ranker.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from index.lazy import lazy_exports

if TYPE_CHECKING:
    from index.training.finetuning import finetune
    from index.training.output import REPORT_FILE
    from index.training.recipe import DEFAULT_RECIPE, Recipe
    from index.training.reranker import file_questions, train_reranker
    from index.training.reranker_recipe import DEFAULT_RERANKER_RECIPE, RerankerRecipe
    from index.training.split import split_contexts

__all__ = [
    "DEFAULT_RECIPE",
    "DEFAULT_RERANKER_RECIPE",
    "REPORT_FILE",
    "Recipe",
    "RerankerRecipe",
    "file_questions",
    "finetune",
    "split_contexts",
    "train_reranker",
]

# Where each public name is defined: imported on first use (PEP 562), so importing the
# package costs nothing and no package imports another at import time.
_HOMES = {
    "DEFAULT_RECIPE": "index.training.recipe",
    "DEFAULT_RERANKER_RECIPE": "index.training.reranker_recipe",
    "RerankerRecipe": "index.training.reranker_recipe",
    "file_questions": "index.training.reranker",
    "train_reranker": "index.training.reranker",
    "REPORT_FILE": "index.training.output",
    "Recipe": "index.training.recipe",
    "finetune": "index.training.finetuning",
    "split_contexts": "index.training.split",
}


__getattr__, __dir__ = lazy_exports(__name__, _HOMES)
