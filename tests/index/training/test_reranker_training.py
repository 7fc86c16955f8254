"""Re-ranker training: the cheaper step computes what the plain one does."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from index.retrieval.reranker import pair_text

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

PAIRS = [
    ("متى تأسست القاهرة؟", "تأسست مدينة القاهرة عام 969 ميلادي على يد الفاطميين."),
    (
        "أين تقع القاهرة؟",
        "تقع القاهرة على ضفاف نهر النيل في شمال مصر، وهي أكبر مدن العالم العربي "
        "من حيث عدد السكان والمساحة، وتضم مؤسسات حكومية ودينية وثقافية كثيرة.",
    ),
    ("كم عدد سكانها؟", "يزيد عدد سكانها على عشرين مليونا."),
    ("ما هو الأزهر؟", "الأزهر جامعة."),
    ("Who founded Cairo?", "تأسست القاهرة على يد جوهر الصقلي قائد الفاطميين."),
]


def test_passes_of_similar_length_give_the_padded_batch_vectors(
    sentence_model: SentenceTransformer,
) -> None:
    import torch

    from index.training.reranker import pair_vectors

    texts = [pair_text(q, s) for q, s in PAIRS]
    sentence_model.eval()
    with torch.no_grad():
        batch = sentence_model(sentence_model.preprocess(texts))["sentence_embedding"].numpy()
        # The texts have 14 to 51 pieces: at 64 a pass, two pairs of texts share a padded
        # pass each and the longest runs alone.
        passes = pair_vectors(sentence_model, texts, pieces_per_pass=64).numpy()
    assert passes.shape == batch.shape
    np.testing.assert_allclose(passes, batch, atol=1e-4)
