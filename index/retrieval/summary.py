"""Extractive summaries: the sentences that best stand for the whole article.

A sentence scores by how close it is to the article's centroid (what the
article is about) plus a lead bonus (news puts the essentials first); maximal
marginal relevance then keeps the picks from repeating each other.
"""

from __future__ import annotations

import numpy as np

LEAD_BONUS = 0.05
REDUNDANCY_PENALTY = 0.5
# Vectors this close belong to the same text (up to spacing and punctuation).
DUPLICATE_COSINE = 0.999


def pick_summary_sentences(vectors: np.ndarray, n: int) -> list[int]:
    """Indices (into ``vectors``) of up to ``n`` representative sentences, in text order.

    A repeated sentence (a wire story pasted twice, a quote repeated) is picked once:
    the summary may come out shorter rather than say the same thing twice.
    """
    count = len(vectors)
    if count == 0 or n <= 0:
        return []
    centroid = vectors.mean(axis=0)
    centroid /= max(float(np.linalg.norm(centroid)), 1e-9)
    relevance = vectors @ centroid + LEAD_BONUS * (1.0 - np.arange(count) / count)
    chosen: list[int] = []
    while len(chosen) < min(n, count):
        if chosen:
            redundancy = (vectors @ vectors[chosen].T).max(axis=1)
            mmr = relevance - REDUNDANCY_PENALTY * redundancy
            mmr[redundancy >= DUPLICATE_COSINE] = -np.inf
        else:
            mmr = relevance.copy()
        mmr[chosen] = -np.inf
        best = int(np.argmax(mmr))
        if not np.isfinite(mmr[best]):
            break
        chosen.append(best)
    return sorted(chosen)
