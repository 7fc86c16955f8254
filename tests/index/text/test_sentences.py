"""The splitter on the seed article and on the cases that trip general-purpose segmenters."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.text.articles import parse_article, read_article
from index.text.sentences import (
    MAX_ENCLOSED_CHARS,
    MAX_SENTENCE_CHARS,
    article_sentences,
    split_sentences,
)

SEED = Path(__file__).resolve().parents[3] / "seeds" / "russia_us_syria_ceasefire_munich.txt"

EXPECTED = [
    "روسيا تعرض على أميركا وقف إطلاق النار في سوريا",
    'وزير الخارجية الروسي سيرغي لافروف، يوم الخميس، في مستهل لقائه نظيره الأميركي جون كيري أن روسيا قدمت عرضا "ملموسا" لوقف إطلاق النار في سوريا وتنتظر ردا أميركيا.',
    'وقال لافروف في مستهل هذا الاجتماع الثنائي في ميونيخ (جنوب ألمانيا)، والذي يسبق اجتماع المجموعة الدولية لدعم سوريا، والتي تضم 17 دولة وثلاث منظمات متعددة الأطرف، "قدمنا اقتراحات ملموسة جدا حول وقف لاطلاق النار".',
    'وأضاف: "ننتظر الرد الأميركي قبل عرضه على المجموعة الدولية لدعم سوريا".',
    'ومن جهته، أكد كيري أن المباحثات ستتناول "كل أوجه النزاع في سوريا"، في وقت انتقد الأميركيون بشدة الغارات الروسية دعما للقوات النظامية التي تشن هجوما واسع النطاق في منطقة حلب (شمالا).',
    'وتابع: "بالتأكيد، في مرحلة معينة، نريد إحراز تقدم حول مسألتي تسهيل وصول المساعدات الإنسانية ووقف إطلاق النار".',
    "وأبدت روسيا الخميس استعدادها لبحث سبل وقف عمليات القصف في سوريا، والتي تطالب بها المعارضة السورية والغربيون، الذين يعزون فشل مفاوضات السلام في جنيف إلى استمرار الضربات الروسية.",
    'ونقلت وكالة الأنباء الروسية إنترفاكس عن نائب وزير الخارجية غينادي غاتيلوف قوله "نحن مستعدون لمناقشة سبل وقف لإطلاق النار في سوريا".',
    'وأضاف "هذا ما سنبحثه في ميونيخ" خلال المؤتمر الدولي حول سوريا.',
    "وسعت الولايات المتحدة وحلفاؤها للضغط على موسكو الخميس خلال اجتماع ميونيخ لوزراء خارجية الدول الرئيسية الأطراف في النزاع في سوريا.",
    "ويهدف هذا المؤتمر إلى محاولة إطلاق المفاوضات بين المعارضة ونظام دمشق التي تأثرت بالهجوم الذي يشنه النظام السوري مدعوما بالطيران الروسي، منذ سبتمبر 2015.",
    "ويطالب الغربيون روسيا بوقف ضرباتها الجوية في سوريا خصوصا بعدما نزوح عشرات الآلاف من المدنيين إلى الحدود التركية، إثر هجوم القوات الحكومية على منطقة حلب شمال البلاد، الذي بدأ في مطلع فبراير بإسناد جوي روسي.",
    'وإلى ذلك،، أعلنت وزارة الدفاع الروسية الخميس أن الطيران الروسي نفذ 510 طلعات جوية لضرب 1888 "هدفا إرهابيا" في سوريا من 4 إلى 11 فبراير وأكدت مقتل قائدين من جماعات مسلحة في محافظة حلب.',
    'وقالت الوزارة في بيان إن المجموعات المسلحة قرب حلب "تلحق بها خسائر كبرى" وتواجه "عمليات فرار واسعة النطاق في صفوفها" ونفت مجددا أن يكون الطيران الروسي يستهدف مدنيين.',
    'وفي سياق آخر ذكرت "تاس" نقلا عن وزارة الدفاع الروسية أن طائرات روسية نفذت 510 طلعات عسكرية في سوريا خلال الفترة من 4 إلى 11 من فبراير.',
    "ونقلت الوكالة عن الوزارة أيضا القول إن الضربات دمرت نحو 1900 هدف للمتشددين.",
]


def test_seed_article_gives_title_and_fifteen_complete_sentences():
    article = read_article(SEED)
    sentences = article.sentences()
    assert [s.text for s in sentences] == EXPECTED
    assert [s.number for s in sentences] == list(range(16))
    assert sentences[0].is_title


def test_spans_point_into_the_text_on_disk():
    raw = SEED.read_text(encoding="utf-8")
    for sentence in read_article(SEED).sentences():
        assert raw[sentence.start : sentence.end] == sentence.text
        assert sentence.article_id == SEED.stem


def _split(text: str) -> list[str]:
    return [text[a:b] for a, b in split_sentences(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the Arabic comma never ends a sentence
        (
            "قال الوزير، في مؤتمر صحفي، إن الاتفاق قريب.",
            ["قال الوزير، في مؤتمر صحفي، إن الاتفاق قريب."],
        ),
        # a year at the end is a boundary, a decimal is not
        (
            "بلغ النمو 3.5 في المئة عام 2015. ثم تراجع.",
            ["بلغ النمو 3.5 في المئة عام 2015.", "ثم تراجع."],
        ),
        # no split inside a quotation
        ('قال "هذا جيد. ونحن مستعدون" ثم غادر.', ['قال "هذا جيد. ونحن مستعدون" ثم غادر.']),
        # the closing quote belongs to the sentence it ends
        ('قال "انتهى الأمر." ثم غادر.', ['قال "انتهى الأمر."', "ثم غادر."]),
        # no split inside brackets
        (
            "راجع (ص. 5 من التقرير) للتفاصيل. وبعد ذلك",
            ["راجع (ص. 5 من التقرير) للتفاصيل.", "وبعد ذلك"],
        ),
        # the corpus joins sentences with ".," ; stray commas are dropped
        ("الجملة الأولى., ,الجملة الثانية.", ["الجملة الأولى.", "الجملة الثانية."]),
        # Arabic and Latin question marks, exclamation and ellipsis
        ("هل انتهى؟! نعم... ربما", ["هل انتهى؟!", "نعم...", "ربما"]),
        ("Is it over? Yes.", ["Is it over?", "Yes."]),
        # a line break ends a unit even inside an unbalanced quote
        ('قال "بدأ\nسطر جديد', ['قال "بدأ', "سطر جديد"]),
        ("", []),
        ("   ,، ", []),
        # separator lines and bare punctuation are not sentences
        ("أ.\n***\n- - -\n...\n«»\nب.", ["أ.", "ب."]),
        # direction marks and line/paragraph separators count as the space after a terminator
        ("الأولى.\u200fالثانية.\u200eالثالثة.", ["الأولى.", "الثانية.", "الثالثة."]),
        ("الأولى.\u2028الثانية.\u2029الثالثة", ["الأولى.", "الثانية.", "الثالثة"]),
        # and, with no-break and zero-width spaces and the BOM, never start or end a sentence
        (
            "\ufeffالأولى.\u00a0الثانية.,\u00a0\u200fالثالثة\u200b",
            ["الأولى.", "الثانية.", "الثالثة"],
        ),
        # a straight quote with no closer on its line protects nothing
        ('قال "بدأ. ثم\nانتهى" هنا.', ['قال "بدأ.', "ثم", 'انتهى" هنا.']),
        # an inch mark opens no quotation, and one at a sentence end stays with it
        ('شاشة 55" كبيرة. وسعرها 40".', ['شاشة 55" كبيرة.', 'وسعرها 40".']),
        # an unclosed bracket or guillemet protects nothing; nested brackets still do
        ("قال (بحسب المصدر. ثم غادر.", ["قال (بحسب المصدر.", "ثم غادر."]),
        ("قال «بحسب المصدر. ثم غادر.", ["قال «بحسب المصدر.", "ثم غادر."]),
        ("راجع (ص. 5 (ج. 2) من التقرير). وبعد", ["راجع (ص. 5 (ج. 2) من التقرير).", "وبعد"]),
        # one-letter abbreviations and initials do not end a sentence ...
        (
            "التقى د. محمد بالسيد أ. علي أمس. ثم غادر.",
            ["التقى د. محمد بالسيد أ. علي أمس.", "ثم غادر."],
        ),
        ("قال مسؤول في U.S. Army إنه هادئ. وأضاف", ["قال مسؤول في U.S. Army إنه هادئ.", "وأضاف"]),
        # ... but the era letter after a year does
        ("وقع عام 2015 م. وبعدها تغير.", ["وقع عام 2015 م.", "وبعدها تغير."]),
    ],
)
def test_split_cases(text, expected):
    assert _split(text) == expected


def test_title_is_sentence_zero_and_body_numbers_follow():
    sentences = article_sentences("a", "عنوان الخبر ", "\nجملة أولى. جملة ثانية.")
    assert [(s.number, s.text) for s in sentences] == [
        (0, "عنوان الخبر"),
        (1, "جملة أولى."),
        (2, "جملة ثانية."),
    ]


def _seed_with(old: str, new: str) -> list[str]:
    raw = SEED.read_text(encoding="utf-8")
    assert old in raw
    return [s.text for s in parse_article(SEED.stem, raw.replace(old, new, 1)).sentences()]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ('عرضا "ملموسا"', 'عرضا "ملموسا'),  # opening quote left unclosed
        ('عرضا "ملموسا"', 'عرضا ملموسا"'),  # closing quote without its opener
        ('عرضا "ملموسا"', 'عرضا "ملموسا" على شاشة 55"'),  # an inch mark
        ("(جنوب ألمانيا)", "(جنوب ألمانيا"),
        ("(جنوب ألمانيا)", "«جنوب ألمانيا"),
        ("(جنوب ألمانيا)", "“جنوب ألمانيا"),
    ],
)
def test_an_unbalanced_mark_in_the_one_line_seed_spoils_only_its_own_sentence(old, new):
    expected = [s.replace(old, new, 1) for s in EXPECTED]
    assert _seed_with(old, new) == expected


def test_a_quotation_longer_than_the_bound_protects_nothing():
    inside = "جملة داخل الاقتباس. " * 10
    short = f'قال "{inside}انتهى" ثم غادر. وبعد ذلك'
    assert _split(short) == [f'قال "{inside}انتهى" ثم غادر.', "وبعد ذلك"]
    inside = inside * (MAX_ENCLOSED_CHARS // len(inside) + 1)
    long = f'قال "{inside}انتهى" ثم غادر.'
    assert _split(long)[:2] == ['قال "جملة داخل الاقتباس.', "جملة داخل الاقتباس."]


def test_title_loses_invisible_marks_and_spans_still_point_into_the_text():
    title, body = "\u200fعنوان الخبر\u00a0", "جملة أولى.\u200f***"
    sentences = article_sentences("a", title, body)
    assert [s.text for s in sentences] == ["عنوان الخبر", "جملة أولى."]
    for sentence in sentences:
        assert f"{title}\n{body}"[sentence.start : sentence.end] == sentence.text


def test_a_run_without_punctuation_is_cut_between_words():
    """An article pasted without sentence marks must not become one huge sentence."""
    words = [f"كلمة{i}" for i in range(30_000)]
    body = " ".join(words)
    sentences = article_sentences("a", "عنوان", body)[1:]
    assert len(sentences) > 100
    assert all(len(s.text) <= MAX_SENTENCE_CHARS for s in sentences)
    assert [w for s in sentences for w in s.text.split()] == words, "no word cut or lost"
    assert all(body[s.start - len("عنوان\n") : s.end - len("عنوان\n")] == s.text for s in sentences)


def test_a_long_run_is_cut_after_a_clause_mark():
    clauses = [f"وجاء في البيان رقم {i} أن الوفد سيعود إلى العاصمة" for i in range(200)]
    sentences = split_sentences("، ".join(clauses))
    assert all(e - s <= MAX_SENTENCE_CHARS for s, e in sentences)
    text = "، ".join(clauses)
    pieces = [text[s:e] for s, e in sentences]
    assert all(p.split("، ")[-1] in clauses for p in pieces), "every piece ends a clause"
    assert "، ".join(pieces) == text


def test_one_endless_word_is_still_cut():
    assert all(e - s <= MAX_SENTENCE_CHARS for s, e in split_sentences("ا" * 5000))
