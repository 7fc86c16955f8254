"""The quality sections of ``make bench``: ranking on every set, leave-one-set-out, abstention.

Ranking is measured within each context on the held-out set and on the fitting sets;
the leave-one-set-out table refits the shipped recipe on all fitting sets but one and
scores the one left out, next to its in-sample score, so a feature that helps only
where it was fitted shows. Abstention asks each held-out question of its own article
and of another article of the same file.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.embedding.embedder import Embedder
from index.evaluation.context_sets import ContextSet, EmbeddedContexts, embed_contexts
from index.evaluation.datasets import ArticleQuestion
from index.evaluation.fitting import (
    FEATURES,
    SHIPPED_RECIPE,
    Recipe,
    abstention_leave_one_set_out,
    abstention_rows,
    fit,
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
from index.retrieval.background import load_background
from index.retrieval.calibration import Calibration
from index.retrieval.ranking import Method
from index.service import AnsweringService

AddFigure = Callable[[str, str], None]
LABELS = {
    Method.BM25: "BM25",
    Method.DENSE: "dense",
    Method.FUSION: "plain fusion 0.7·z(dense) + 0.3·z(BM25)",
    Method.HYBRID: "**shipped**",
}
# The recipes the directions table compares under leave-one-set-out (shipped first).
DIRECTIONS: tuple[tuple[str, Recipe], ...] = (
    ("shipped recipe", SHIPPED_RECIPE),
    (
        "shipped without character-trigram coverage",
        Recipe(drop=(*SHIPPED_RECIPE.drop, "char_coverage")),
    ),
    ("every extra feature (previous sentence too), no adapter", Recipe()),
    ("no extra features, no adapter (dense + BM25 weights only)", Recipe(drop=FEATURES)),
)


def row(*cells: object) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


@dataclass(frozen=True, slots=True)
class QualitySet:
    name: str
    contexts: list[ContextSet]
    held_out: bool


def ranking_figures(
    embedder: Embedder,
    calibration: Calibration,
    sets: Sequence[QualitySet],
    add: AddFigure,
    cache_dir: Path | None,
) -> dict[str, EmbeddedContexts]:
    """Top-1 / top-3 / MRR of every method on every set, and the mean top-1 over the sets."""
    embedded = {s.name: embed_contexts(s.contexts, embedder, cache_dir) for s in sets}
    print("\n### Retrieval quality (sentence top-1 / top-3 / MRR, ranking within each context)\n")
    names = [f"{s.name} ({'held out' if s.held_out else 'fitting'})" for s in sets]
    print(row("method", *names, "mean top-1"))
    print(row("---", *["---"] * (len(sets) + 1)))
    means: dict[Method, float] = {}
    results: dict[Method, list[EvalResult]] = {}
    for method in (Method.BM25, Method.DENSE, Method.FUSION, Method.HYBRID):
        scorer = method_scorer(method, calibration)
        results[method] = [evaluate_contexts(embedded[s.name], embedder, scorer) for s in sets]
        means[method] = float(np.mean([r.top1 for r in results[method]]))
        cells = [f"{r.top1:.3f} / {r.top3:.3f} / {r.mrr:.3f}" for r in results[method]]
        print(row(LABELS[method], *cells, f"{means[method]:.3f}"))
        for s, cell in zip(sets, cells, strict=True):
            add(f"{method.value} on {s.name} (top-1 / top-3 / MRR)", cell)
        add(f"{method.value}, mean top-1 over the sets", f"{means[method]:.3f}")
    shown = [evaluate_shown(embedded[s.name], embedder, calibration) for s in sets]
    cells = [f"{r.shown:.3f} ({r.sentences:.2f} sentences)" for r in shown]
    print(row("shipped: answering sentence among those shown", *cells, ""))
    for s, cell in zip(sets, cells, strict=True):
        add(f"shipped on {s.name}: answering sentence among those shown", cell)
    _print_targets(sets, results, means)
    return embedded


def _print_targets(
    sets: Sequence[QualitySet],
    results: dict[Method, list[EvalResult]],
    means: dict[Method, float],
) -> None:
    shipped = results[Method.HYBRID]
    print("\nTargets for the shipped method:\n")
    for i, s in enumerate(sets):
        floor = max(results[m][i].top1 for m in (Method.BM25, Method.DENSE, Method.FUSION))
        ok = shipped[i].top1 >= floor - 0.005
        print(
            f"- {s.name}: top-1 {shipped[i].top1:.3f} vs best baseline {floor:.3f} - 0.005: "
            f"{'met' if ok else 'NOT met'}"
        )
    gain = means[Method.HYBRID] - means[Method.FUSION]
    print(
        f"- mean top-1 {means[Method.HYBRID]:.3f} vs plain fusion {means[Method.FUSION]:.3f}"
        f" + 0.03: {'met' if gain >= 0.03 else 'NOT met'} ({gain:+.3f})"
    )
    for i, s in enumerate(sets):
        if s.held_out:
            ok = shipped[i].top1 >= 0.78 and shipped[i].mrr >= 0.86
            print(
                f"- {s.name}: top-1 {shipped[i].top1:.3f} >= 0.78 and MRR {shipped[i].mrr:.3f}"
                f" >= 0.86: {'met' if ok else 'NOT met'}"
            )


def leave_one_out_figures(
    embedded: dict[str, EmbeddedContexts], sets: Sequence[QualitySet], add: AddFigure
) -> None:
    """Each fitting set scored by a fit on the others, next to the all-sets fit."""
    fitting = [prepare_set(s.name, embedded[s.name]) for s in sets if not s.held_out]
    held = [prepare_set(s.name, embedded[s.name]) for s in sets if s.held_out]
    if len(fitting) < 2:
        return
    print("\n### Leave one set out (top-1 / MRR; fitted on the other fitting sets vs on all)\n")
    names = [f.name for f in fitting]
    print(
        row(
            "recipe",
            *[f"{n}: left out / in-sample" for n in names],
            "mean left out",
            *[f"{h.name} (held out)" for h in held],
        )
    )
    print(row("---", *["---"] * (len(names) + 1 + len(held))))
    for label, recipe in DIRECTIONS:
        rows = leave_one_set_out(fitting, recipe)
        everything = fit(fitting, recipe)
        cells = [
            f"{r.left_out[0]:.3f} / {r.left_out[1]:.3f} vs {r.in_sample[0]:.3f} / "
            f"{r.in_sample[1]:.3f}"
            for r in rows
        ]
        mean = float(np.mean([r.left_out[0] for r in rows]))
        held_cells = [
            "{:.3f} / {:.3f}".format(*rank_table(h, everything.adapter).score(everything.weights))
            for h in held
        ]
        print(row(label, *cells, f"{mean:.3f}", *held_cells))
        for r, cell in zip(rows, cells, strict=True):
            add(f"leave-one-set-out, {label}, {r.name} (left out vs in-sample)", cell)
        add(f"leave-one-set-out, {label}, mean left-out top-1", f"{mean:.3f}")


def abstention_figures(
    embedder: Embedder,
    calibration: Calibration,
    embedded: dict[str, EmbeddedContexts],
    held_out: Sequence[QualitySet],
    service: AnsweringService | None,
    article_questions: Sequence[ArticleQuestion],
    add: AddFigure,
    cache_dir: Path | None = None,
) -> None:
    """Own-context questions answered and other-article pairs declined; seed questions too."""
    print("\n### Abstention (each question asked of its own article and of another one)\n")
    print(row("set", "questions", "own context answered", "other article declined"))
    print(row("---", "---:", "---:", "---:"))
    for s in held_out:
        result = evaluate_abstention_pairs(embedded[s.name], embedder, calibration, cache_dir)
        print(
            row(
                s.name,
                result.questions,
                f"{result.answered_own:.3f}",
                f"{result.declined_other:.3f}",
            )
        )
        add(
            f"abstention on {s.name}: own context answered, other article declined",
            f"{result.answered_own:.3f}, {result.declined_other:.3f}",
        )
    if service is None or not article_questions:
        return
    ranked = evaluate_article_questions(list(article_questions), service)
    answers = service.ask_many([q.question for q in article_questions])
    answerable = [a for a, q in zip(answers, article_questions, strict=True) if q.gold_contains]
    off = [a for a, q in zip(answers, article_questions, strict=True) if not q.gold_contains]
    answered = sum(a.answered for a in answerable)
    declined = sum(not a.answered for a in off)
    print(
        row(
            "questions about the seed article",
            len(answers),
            f"{answered}/{len(answerable)}",
            f"{declined}/{len(off)} (off-topic questions)",
        )
    )
    print(
        f"\nSeed article questions handled right (answerable: right sentence first; "
        f"off-topic: declined): {ranked.top1:.3f} of {ranked.questions}"
    )
    add(
        "seed article questions: handled right / answerable answered / off-topic declined",
        f"{ranked.top1:.3f} / {answered}/{len(answerable)} / {declined}/{len(off)}",
    )


def translated_figures(
    embedder: Embedder,
    calibration: Calibration,
    embedded: dict[str, EmbeddedContexts],
    translated: Sequence[QualitySet],
    add: AddFigure,
    cache_dir: Path | None,
) -> None:
    """The same questions in another language: ranking, abstention, and abstention left out.

    ``translated``: one set per original set that has a translation, named like the original.
    The ranking weights never saw these questions; the abstention model saw those of the
    fitting sets, so for them only the left-out figures count.
    """
    if not translated:
        return
    other = {s.name: embed_contexts(s.contexts, embedder, cache_dir) for s in translated}
    print("\n### The same questions in English (articles and gold sentences unchanged)\n")
    print(row("set", "dense", "plain fusion", "shipped", "own article answered / other declined"))
    print(row("---", "---", "---", "---", "---"))
    for s in translated:
        cells = []
        for method in (Method.DENSE, Method.FUSION, Method.HYBRID):
            r = evaluate_contexts(other[s.name], embedder, method_scorer(method, calibration))
            cells.append(f"{r.top1:.3f} / {r.top3:.3f} / {r.mrr:.3f}")
        pairs = evaluate_abstention_pairs(other[s.name], embedder, calibration, cache_dir)
        abstention = f"{pairs.answered_own:.3f} / {pairs.declined_other:.3f}"
        label = f"{s.name} ({'held out' if s.held_out else 'fitting; abstention fitted on it'})"
        print(row(label, *cells, abstention))
        add(f"English questions, {s.name}: shipped top-1 / top-3 / MRR", cells[-1])
        add(f"English questions, {s.name}: own article answered / other declined", abstention)
    fitting = [s.name for s in translated if not s.held_out]
    if len(fitting) < 2:
        return
    background = load_background(embedder, cache_dir)
    rows = {
        name: {
            language: abstention_rows(prepare_set(name, contexts), calibration.adapter, background)
            for language, contexts in (("Arabic", embedded[name]), ("English", other[name]))
        }
        for name in fitting
    }
    print("\nAbstention left out (fitted on the other sets' Arabic and English questions):\n")
    print(row("set left out", "Arabic: answered / declined", "English: answered / declined"))
    print(row("---", "---", "---"))
    for left in abstention_leave_one_set_out(rows):
        cells = [f"{a:.3f} / {d:.3f}" for a, d in left.rates.values()]
        print(row(left.name, *cells))
        add(
            f"abstention left out, {left.name}: Arabic, English (answered / declined)",
            ", ".join(cells),
        )
