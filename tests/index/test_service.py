"""The answering service on the seed article: right sentences, honest abstentions."""

from __future__ import annotations

import pytest

from index.answer import Status

ANSWERABLE = [
    # (question, a piece of the sentence that answers it)
    ("ما الذي يسبق اجتماع المجموعة الدولية لدعم سوريا؟", "والذي يسبق اجتماع المجموعة الدولية"),
    ("كم هدفا إرهابيا أعلنت وزارة الدفاع الروسية ضربه؟", '1888 "هدفا إرهابيا"'),
    # no hamzas, ta marbuta written as ha
    ("كم هدفا ارهابيا اعلنت وزاره الدفاع الروسيه ضربه", '1888 "هدفا إرهابيا"'),
    # full diacritics
    ("كَمْ هَدَفًا إِرْهَابِيًّا أَعْلَنَتْ وِزَارَةُ الدِّفَاعِ الرُّوسِيَّةُ ضَرْبَهُ؟", '1888 "هدفا إرهابيا"'),
    # a fragment rather than a question
    ("عمليات فرار", "عمليات فرار واسعة النطاق"),
    # English question, Arabic article
    ("Who did Lavrov meet?", "لقائه نظيره الأميركي جون كيري"),
    # dialect
    ("شو قالت وزارة الدفاع الروسية عن المسلحين قرب حلب؟", "عمليات فرار واسعة النطاق"),
]

OFF_TOPIC = [
    "ما هي عاصمة فرنسا؟",
    "كيف أطبخ الكبسة؟",
    "How do I reset my password?",
    "احكيلي نكتة",
    "What is the capital of France?",
    "How do I bake a chocolate cake?",
    "Who won the World Cup in 2018?",
    "What's the weather like today?",
]

# English questions about the Arabic article, and Arabic ones with an English name in
# them: answered like Arabic ones, with the answering sentence among those shown.
ENGLISH = [
    ("How many targets did the strikes destroy?", ("دمرت نحو 1900", '1888 "هدفا')),
    ("What did Kerry say the talks would cover?", ("كل أوجه النزاع",)),
    ("Which news agency quoted Gatilov?", ("إنترفاكس",)),
    ("Who accused Russia of hitting civilians?", ("ويطالب الغربيون روسيا", "يستهدف مدنيين")),
    ("How many sorties did the Russian air force fly?", ("510 طلعات",)),
    ("How many commanders of armed groups were killed?", ("مقتل قائدين",)),
    ("How many countries are in the International Syria Support Group?", ("17 دولة",)),
    ("Who did Lavrov meet?", ("لقائه نظيره الأميركي جون كيري",)),
    (
        "What did the Russian defence ministry say about the armed groups near Aleppo?",
        ("عمليات فرار",),
    ),
    ("ما هي الوكالة التي نقلت عن Gatilov؟", ("إنترفاكس",)),
    ("ماذا قال Kerry عن المباحثات؟", ("كل أوجه النزاع",)),
]


# Fused scores of the int8 path differ from the unquantised reference by up to 0.38 on the
# seed-article questions (measured per sentence), and int8 kernels differ between CPUs. Two
# sentences closer than this may come in either order; a clear winner must come first.
NEAR_TIE = 0.5


@pytest.mark.parametrize(("question", "expected"), ANSWERABLE)
def test_the_answering_sentence_is_shown_and_a_clear_winner_first(service, question, expected):
    answer = service.ask(question)
    assert answer.status is Status.ANSWERED, answer
    assert any(expected in p.text for p in answer.passages), answer
    gold = next(p for p in answer.ranked if expected in p.text)
    assert answer.ranked[0].score - gold.score < NEAR_TIE, answer


@pytest.mark.parametrize(("question", "expected"), ENGLISH)
def test_english_questions_are_answered_with_the_answering_sentence_shown(
    service, question, expected
):
    answer = service.ask(question)
    assert answer.status is Status.ANSWERED, answer
    assert any(e in p.text for p in answer.passages for e in expected)


@pytest.mark.parametrize("question", OFF_TOPIC)
def test_off_topic_questions_abstain(service, question):
    answer = service.ask(question)
    assert answer.status is Status.NOT_COVERED
    assert answer.passages == ()
    assert answer.best is None


def test_answer_names_its_article_and_sentence_numbers(service):
    answer = service.ask("كم طلعة نفذ الطيران الروسي؟")
    assert answer.answered
    titles = set(service.titles.values())
    for passage in answer.passages:
        assert passage.article_title in titles
        assert 0 <= passage.number <= 15
    assert len(answer.passages) <= 3
    # supporting sentences next to each other read in article order
    numbers = [p.number for p in answer.passages]
    if max(numbers) - min(numbers) == len(numbers) - 1:
        assert numbers == sorted(numbers)


@pytest.mark.parametrize(
    ("question", "status"),
    [("", Status.EMPTY), ("   ؟؟ !! ", Status.EMPTY), ("س" * 1001, Status.TOO_LONG)],
)
def test_unsearchable_questions_are_refused_without_searching(service, question, status):
    assert service.ask(question).status is status


def test_batch_answers_match_single_answers(service):
    questions = ["عمليات فرار", "ما هي عاصمة فرنسا؟", ""]
    batch = service.ask_many(questions)
    assert [a.status for a in batch] == [service.ask(q).status for q in questions]
    assert batch[0].ranked[0].text == service.ask(questions[0]).ranked[0].text


def test_context_returns_the_neighbours(service):
    passages = service.context(next(iter(service.titles)), 5, radius=1)
    assert [p.number for p in passages] == [4, 5, 6]


def test_summary_sentences_are_in_article_order_and_from_the_body(service):
    (summary,) = service.summarize(3)
    numbers = [p.number for p in summary.passages]
    assert len(numbers) == 3 and numbers == sorted(numbers) and 0 not in numbers
    assert summary.article_title == next(iter(service.titles.values()))
    assert len(service.summarize(50)[0].passages) == 10  # capped


def test_a_sentence_repeated_in_the_article_is_shown_once(embedder, tmp_path):
    from index.embedding.embedder import ModelSpec
    from index.service import open_service
    from tests.conftest import MODELS_DIR

    seeds = tmp_path / "seeds"
    seeds.mkdir()
    repeated = "أعلنت وزارة الدفاع أن الطيران نفذ 510 طلعات جوية في سوريا."
    (seeds / "wire.txt").write_text(
        f"خبر منقول مرتين\n{repeated} وقالت الوزارة إن الضربات مستمرة. {repeated}", "utf-8"
    )
    service, _ = open_service(
        seeds, tmp_path / "index", ModelSpec(models_dir=MODELS_DIR), embedder=embedder
    )
    answer = service.ask("كم طلعة جوية نفذ الطيران؟")
    texts = [p.text for p in answer.passages]
    assert answer.status is Status.ANSWERED and texts.count(repeated) == 1


@pytest.mark.parametrize("mark", ["\u200d", "\u200c", "\u200f", "\u00ad", "\u2060", "\ufeff"])
def test_an_invisible_mark_inside_a_name_changes_no_answer(service, mark):
    """A joiner pasted inside «لافروف» is invisible to the reader: so it is to both rankings."""
    plain = service.ask("من التقى لافروف؟")
    marked = service.ask(f"من التقى لا{mark}فروف؟")
    assert plain.status is Status.ANSWERED and marked.status is Status.ANSWERED
    assert [p.text for p in marked.passages] == [p.text for p in plain.passages]
    assert marked.confidence == pytest.approx(plain.confidence, abs=1e-6)
