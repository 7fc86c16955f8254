"""Fine-tuning: the split is by context and stable, and a tiny run yields a loadable model."""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path

import pytest

from index.embedding.embedder import ModelSpec
from index.errors import TrainingDataError
from index.evaluation.context_sets import ContextSet
from index.retrieval.calibration import calibration_for
from index.training.finetuning import build_examples, finetune
from index.training.output import REPORT_FILE
from index.training.recipe import DEFAULT_RECIPE, Recipe
from index.training.split import is_dev_context, read_context_sets, split_contexts

SENTENCES = [
    "تأسست مدينة القاهرة عام 969 ميلادي على يد الفاطميين.",
    "تقع القاهرة على ضفاف نهر النيل في شمال مصر.",
    "يبلغ عدد سكان القاهرة أكثر من عشرين مليون نسمة.",
    "تقع القاهرة على ضفاف نهر النيل في شمال مصر.",  # articles repeat sentences verbatim
    "يعد الأزهر من أقدم الجامعات في العالم.",
]
QUESTIONS = [
    ("متى تأسست القاهرة؟", [0]),
    ("أين تقع القاهرة؟", [1]),
    ("كم عدد سكان القاهرة؟", [2]),
    ("ما هي أقدم جامعة في القاهرة؟", [4]),
]


def _ids_on_each_side(fraction: float) -> tuple[str, str]:
    """A context id that lands in train and one that lands in dev (searched, not hard-coded)."""
    candidates = [f"ctx-{n}" for n in range(100)]
    train_id = next(c for c in candidates if not is_dev_context(c, fraction))
    dev_id = next(c for c in candidates if is_dev_context(c, fraction))
    return train_id, dev_id


def _write_contexts(path: Path, ids: list[str]) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for context_id in ids:
            row = {
                "context_id": context_id,
                "sentences": SENTENCES,
                "questions": [{"question": q, "gold": g} for q, g in QUESTIONS],
            }
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


def test_split_follows_the_documented_hash_rule() -> None:
    for n in range(200):
        context_id = f"arcd_train:a{n}"
        value = int(hashlib.sha256(context_id.encode("utf-8")).hexdigest()[:8], 16) / 16**8
        assert is_dev_context(context_id, 0.3) is (value < 0.3)


def test_split_is_by_context_and_independent_of_order() -> None:
    contexts = [
        ContextSet(f"c{n}", [f"s{n}a", f"s{n}b"], [(f"q{n}", frozenset({0}))]) for n in range(60)
    ]
    train, dev = split_contexts(contexts, 0.3)
    shuffled = contexts[:]
    random.Random(1).shuffle(shuffled)
    train2, dev2 = split_contexts(shuffled, 0.3)
    assert {c.context_id for c in train} == {c.context_id for c in train2}
    assert {c.context_id for c in dev} == {c.context_id for c in dev2}
    assert not {c.context_id for c in train} & {c.context_id for c in dev}
    assert len(train) + len(dev) == len(contexts)
    assert 0 < len(dev) < len(contexts)
    # Raising the dev share only moves contexts from train to dev.
    _, bigger_dev = split_contexts(contexts, 0.5)
    assert {c.context_id for c in dev} <= {c.context_id for c in bigger_dev}
    with pytest.raises(TrainingDataError):
        split_contexts(contexts, 1.0)


def test_negatives_come_from_the_same_context_and_never_repeat_the_answer() -> None:
    context = ContextSet("c", SENTENCES, [(q, frozenset(g)) for q, g in QUESTIONS])
    other = ContextSet("d", ["جملة من مقال آخر."], [("سؤال آخر؟", frozenset({0}))])
    # Best-first orders as the base model would give them: the answer itself ranks high.
    ranked = {
        (0, qi): [g[0], *(i for i in range(5) if i != g[0])] for qi, (_, g) in enumerate(QUESTIONS)
    }
    examples = build_examples([context, other], negatives=2, ranked=ranked, rng=random.Random(0))
    assert len(examples) == len(QUESTIONS) + 1
    for example in examples[: len(QUESTIONS)]:
        assert example.positive not in example.negatives
        assert set(example.negatives) <= set(SENTENCES)
        assert len(set(example.negatives)) == 2
    # A context too short for its negatives is topped up from other contexts.
    assert examples[-1].negatives[0] in SENTENCES
    assert (
        build_examples([context], negatives=0, ranked={}, rng=random.Random(0))[0].negatives == ()
    )


def test_negatives_are_the_best_ranked_sentences_that_are_not_the_answer() -> None:
    context = ContextSet("c", SENTENCES, [(q, frozenset(g)) for q, g in QUESTIONS])
    ranked = {(0, 0): [0, 3, 1, 4, 2]}  # 3 and 1 are the same text: it counts once
    examples = build_examples([context], negatives=2, ranked=ranked, rng=random.Random(0))
    assert examples[0].negatives == (SENTENCES[3], SENTENCES[4])


def test_the_default_recipe_is_the_documented_one() -> None:
    """The README's recipe: 3 mined hard negatives, 2 epochs, learning rate 5e-5, dev 0.3."""
    recipe = DEFAULT_RECIPE
    assert (recipe.negatives, recipe.epochs, recipe.learning_rate) == (3, 2, 5e-5)
    assert recipe.dev_fraction == 0.3
    with pytest.raises(TrainingDataError):
        Recipe(negatives=-1).check()


def test_read_context_sets_rejects_repeated_ids(tmp_path: Path) -> None:
    path = _write_contexts(tmp_path / "dup.jsonl", ["same", "same"])
    with pytest.raises(TrainingDataError, match="repeats"):
        read_context_sets(path)


def test_finetune_writes_a_loadable_model_with_prompts_and_report(
    converted_model_dir: Path, tmp_path: Path
) -> None:
    from sentence_transformers import SentenceTransformer

    train_id, dev_id = _ids_on_each_side(0.5)
    data = _write_contexts(tmp_path / "contexts.jsonl", [dev_id, train_id])
    out = tmp_path / "models" / "tuned"
    (out.parent / ".tuned.partial-killed" / "model").mkdir(parents=True)  # an interrupted run
    report = finetune(
        converted_model_dir,
        data,
        out,
        Recipe(
            dev_fraction=0.5, epochs=1, max_steps=2, batch_size=2, negatives=1, max_seq_length=32
        ),
        evaluate_base=False,
        threads=1,  # tiny batches: a second thread only adds synchronisation
    )

    assert report.train_contexts == [train_id]
    assert report.dev_contexts == [dev_id]
    assert report.steps == 2
    assert set(report.dev_finetuned) == {"dense", "hybrid"}
    # Only the finished folder is left: no staging, trainer output or older leftovers.
    assert [p.name for p in out.parent.iterdir()] == ["tuned"]

    # The tuned model carries its own ranking weights and abstention, fitted on dev.
    calibration = calibration_for(ModelSpec(name=str(out)))
    assert calibration.as_dict() == {k: report.calibration[k] for k in ("weights", "abstention")}

    recorded = json.loads((out / REPORT_FILE).read_text(encoding="utf-8"))
    assert recorded["train_contexts"] == [train_id]
    assert recorded["dev_contexts"] == [dev_id]
    assert "sha256" in recorded["split_rule"]
    assert recorded["base_model"] == str(converted_model_dir.resolve())
    assert recorded["hyperparameters"]["max_steps"] == 2

    def base_json(name: str) -> dict[str, object]:
        return json.loads((converted_model_dir / name).read_text(encoding="utf-8"))

    base_config = base_json("config_sentence_transformers.json")
    base_tokenizer = base_json("tokenizer_config.json")
    tuned = SentenceTransformer(str(out), device="cpu")
    assert tuned.prompts == base_config["prompts"]
    assert tuned.prompts["query"] == "query: "
    assert recorded["hyperparameters"]["prompts"]["query"] == "query: "
    # The training cap (32 here) is not saved: the folder keeps the base model's limit.
    assert tuned.max_seq_length == base_tokenizer["model_max_length"]
    vectors = tuned.encode_query(["أين تقع القاهرة؟"], normalize_embeddings=True)
    assert vectors.shape == (1, tuned.get_embedding_dimension())

    with pytest.raises(TrainingDataError, match="exists"):
        finetune(converted_model_dir, data, out, Recipe(dev_fraction=0.5, max_steps=1))
