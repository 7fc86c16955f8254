"""Answer-type cues: a "how many" question wants a number, a "when" question a date.

A sentence that cannot hold the kind of answer asked for is a weaker candidate
however many words it shares with the question.
"""

from __future__ import annotations

import re
from enum import Enum

from index.normalize import normalize_arabic


class AnswerType(Enum):
    NUMBER = "number"
    TIME = "time"
    NONE = "none"


_NUMBER_QUESTION = re.compile(r"(^|\s)(كم|بكم|لكم|how many|how much|what percentage)(\s|$)")
_TIME_QUESTION = re.compile(
    r"(^|\s)(متي|امتي|when|what year|in which year"
    r"|في اي (عام|سنه|يوم|شهر|قرن|تاريخ|وقت|فتره))(\s|$)"
)
_NUMBER_WORDS = """
    واحد اثن ثلاث اربع خمس ست سبع ثمان تسع عشر عشرات مئه مائه مئات الف الاف مليون ملايين
    مليار نصف ربع ثلث بالمئه بالمائه
""".split()
_NUMBER_IN_TEXT = re.compile(r"\d|(^|\s)[وبل]?(ال)?(" + "|".join(_NUMBER_WORDS) + r")")
_TIME_WORDS = """
    يناير فبراير مارس ابريل مايو يونيو يوليو اغسطس سبتمبر اكتوبر نوفمبر ديسمبر كانون شباط
    اذار نيسان ايار حزيران تموز اب ايلول تشرين محرم صفر ربيع جمادي رجب شعبان رمضان شوال
    القعده الحجه السبت الاحد الاثنين الثلاثاء الاربعاء الخميس الجمعه عام سنه سنوات قرن القرن
    يوم امس غدا صباح مساء ساعه الماضي المقبل
""".split()
_TIME_IN_TEXT = re.compile(
    r"\b(1[0-9]{3}|20[0-9]{2})\b|(^|\s)[وبلف]?(" + "|".join(_TIME_WORDS) + r")(\s|$)"
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
