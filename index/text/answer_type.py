"""Answer-type cues: a "how many" question wants a number, a "when" question a date.

A sentence that cannot hold the kind of answer asked for is a weaker candidate
however many words it shares with the question.
"""

from __future__ import annotations

import re
from enum import Enum

from index.text.normalize import normalize_arabic


class AnswerType(Enum):
    NUMBER = "number"
    TIME = "time"
    NONE = "none"


_NUMBER_QUESTION = re.compile(r"(^|\s)(كم|بكم|لكم|how many|how much|what percentage)(\s|$)")
_TIME_QUESTION = re.compile(
    r"(^|\s)(متي|امتي|when|what year|in which year"
    r"|في اي (عام|سنه|يوم|شهر|قرن|تاريخ|وقت|فتره))(\s|$)"
)
# Whole words only: as bare prefixes "ست" (six) would match "ستكون" (will be) and
# "الف" (thousand) "الفريق" (the team). Normalised spelling (ة → ه, أ → ا).
_NUMBER_WORDS = """
    واحد واحده اثنان اثنين اثنتان اثنتين ثلاث ثلاثه اربع اربعه خمس خمسه ست سته سبع سبعه
    ثمان ثماني ثمانيه تسع تسعه عشر عشره عشرات عشرون عشرين ثلاثون ثلاثين اربعون اربعين
    خمسون خمسين ستون ستين سبعون سبعين ثمانون ثمانين تسعون تسعين مئه مائه مئات مئتان مئتين
    الف الاف الفان الفين مليون ملايين مليار مليارات نصف ربع ثلث بالمئه بالمائه
""".split()
# A word may carry a conjunction or preposition and the article: "والخمسه", "بالمئه".
_CLITICS = r"(^|(?<=\s))[وبلف]?(ال)?"
_WORD_END = r"(?![^\W_])"
_NUMBER_IN_TEXT = re.compile(r"\d|" + _CLITICS + "(" + "|".join(_NUMBER_WORDS) + ")" + _WORD_END)
_TIME_WORDS = """
    يناير فبراير مارس ابريل مايو يونيو يوليو اغسطس سبتمبر اكتوبر نوفمبر ديسمبر كانون شباط
    اذار نيسان ايار حزيران تموز اب ايلول تشرين محرم صفر ربيع جمادي رجب شعبان رمضان شوال
    القعده الحجه السبت الاحد الاثنين الثلاثاء الاربعاء الخميس الجمعه عام عاما اعوام سنه
    سنوات قرن قرون يوم يوما ايام امس غدا صباح صباحا مساء مساءا ساعه ساعات الماضي الماضيه
    المقبل المقبله شهر شهرا اشهر اسبوع اسابيع
""".split()
# A year stands alone or carries the era letter: "2016", "2016م", "1998هـ" (ـ is dropped).
_YEAR = r"(?<!\d)(1[0-9]{3}|20[0-9]{2})(?!\d)"
# Any number with an era mark is a year, however many digits it has: "874م", "(79 هـ)",
# "2800 قبل الميلاد". Without the mark a number of other lengths is more often a count.
_ERA_MARKS = (
    "م", "ه", "ق.م", "ق م", "قبل الميلاد", "للميلاد", "ميلادي", "ميلاديه",
    "هجري", "هجريه", "للهجره", "bc", "ad",
)  # fmt: skip
_ERA_YEAR = r"(?<!\d)\d{1,4}\s*(" + "|".join(map(re.escape, _ERA_MARKS)) + ")" + _WORD_END
_TIME_IN_TEXT = re.compile(
    _ERA_YEAR + "|" + _YEAR + "|" + _CLITICS + "(" + "|".join(_TIME_WORDS) + ")" + _WORD_END
)


def question_answer_type(question: str) -> AnswerType:
    """What kind of answer the question asks for, from its question word."""
    text = " ".join(normalize_arabic(question).replace("؟", " ").replace("?", " ").split())
    if _NUMBER_QUESTION.search(text):
        return AnswerType.NUMBER
    if _TIME_QUESTION.search(text):
        return AnswerType.TIME
    return AnswerType.NONE


def sentence_has_type(sentence: str, answer_type: AnswerType) -> bool:
    """Whether the sentence contains something of the wanted type."""
    if answer_type is AnswerType.NONE:
        return False
    text = normalize_arabic(sentence)
    if answer_type is AnswerType.NUMBER:
        return bool(_NUMBER_IN_TEXT.search(text))
    return bool(_TIME_IN_TEXT.search(text))
