"""Every Arabic sentence the product says, shared by the console and the Telegram bot."""

from __future__ import annotations

from index import MAX_SUMMARY_SENTENCES

NOT_COVERED = "لا يتناول المقال هذا السؤال، فلم أجد فيه إجابة عنه."
NOT_COVERED_HINT = "جرّب صياغة أخرى، أو اطلب ملخص المقال بالأمر /summary."
EMPTY_QUESTION = "اكتب سؤالك عن المقال بكلمات، مثل: ماذا حدث؟ ومن أعلن ذلك؟"
TOO_LONG = "السؤال طويل جدًا؛ الحد {limit} حرف. اختصره من فضلك."
NON_TEXT = "أجيب عن الأسئلة المكتوبة فقط: اكتب سؤالك عن المقال نصًا."
RATE_LIMITED = "أسئلة كثيرة في وقت قصير. انتظر دقيقة ثم أعد المحاولة."
COMMANDS_LIMITED = "طلبات كثيرة في وقت قصير. انتظر دقيقة ثم أعد المحاولة."
CHAT_BUSY = "الطلبات كثيرة في هذه المحادثة الآن، فلم أجب عن بعضها. أعد المحاولة بعد دقيقة."
ERROR = "عذرًا، حدث خطأ أثناء الإجابة. حاول مرة أخرى بعد قليل."
NO_MORE = "لا توجد جمل أخرى ذات صلة."
STALE_BUTTON = "انتهت صلاحية هذا الزر؛ اسأل من جديد."
NOT_ALLOWED = "هذا الأمر للمشرفين فقط."
POSTED = "نُشر الملخص في {count} محادثة."
NOTHING_TO_POST = "لم تُضبط أي محادثة لنشر الملخص (SUMMARY_CHAT_IDS)."
ASK_USAGE = "اكتب السؤال بعد الأمر، مثل: /ask ماذا حدث؟"
UNKNOWN_COMMAND = "لا أعرف الأمر {command}."

SENTENCE_LABEL = "الجملة {number}"
TITLE_LABEL = "العنوان"
SOURCE_LABEL = "من مقال: {title}"
SUMMARY_HEADING = "ملخص المقال: {title}"
CONTEXT_HEADING = "السياق"
MORE_HEADING = "جمل أخرى ذات صلة"

BUTTON_MORE = "المزيد"
BUTTON_CONTEXT = "السياق"
BUTTON_HELPFUL = "👍"
BUTTON_UNHELPFUL = "👎"
FEEDBACK_THANKS = "شكرًا على رأيك."

COMMAND_DESCRIPTIONS = {
    "start": "ما الذي أعرفه وكيف تسألني",
    "help": "طريقة الاستخدام والأوامر",
    "ask": "اطرح سؤالًا عن المقال",
    "summary": "ملخص المقال (مثل /summary 5 أو /summary #2)",
    "add": "أضف مقالًا (نصًا أو ملفًا أو رابطًا)",
    "articles": "مقالات هذه المحادثة",
    "remove": "احذف مقالًا (مثل /remove 3)",
}


def help_text(titles: list[str], *, bot_username: str | None = None, own_articles: int = 0) -> str:
    """The /start and /help text: what the bot knows, how to ask and how to add articles."""
    known = "\n".join(f"• {t}" for t in titles) or "• (لا مقالات)"
    if own_articles:
        known += f"\n• ومقالات هذه المحادثة: {own_articles} (/articles)"
    inline = f"\nوفي أي محادثة: اكتب @{bot_username} ثم سؤالك." if bot_username else ""
    return (
        "أجيب عن الأسئلة حول هذا المقال من نصه نفسه:\n"
        f"{known}\n\n"
        "اكتب سؤالك مباشرة، مثل: ماذا حدث؟ ومن أعلن ذلك؟\n"
        "في المجموعات: /ask ثم السؤال، أو رُدّ على رسالتي.\n\n"
        "الأوامر:\n"
        f"/summary [عدد الجمل] — ملخص المقال (حتى {MAX_SUMMARY_SENTENCES} جمل)\n"
        "/summary #رقم — ملخص أحد مقالات هذه المحادثة\n"
        "/ask سؤال — سؤال في مجموعة\n"
        "/add — أضف مقالًا: النص بعد الأمر (السطر الأول عنوانه)، أو ردًّا على رسالة، "
        "أو ملف ‎.txt/‎.html بالتعليق /add، أو رابط\n"
        "/articles — مقالات هذه المحادثة\n"
        "/remove رقم — احذف مقالًا (للمشرفين)\n"
        "/help — هذه الرسالة"
        f"{inline}"
    )


CONSOLE_HELP = (
    "اكتب سؤالك عن المقالات واضغط Enter.\n"
    "/add مسار|رابط  أضف مقالًا من ملف .txt أو .html أو من رابط\n"
    "/articles      مقالاتك بأرقامها\n"
    "/remove K      احذف المقال رقم K\n"
    f"/summary [n]   ملخص أحدث مقالاتك من n جمل (حتى {MAX_SUMMARY_SENTENCES})\n"
    "/summary #K    ملخص المقال رقم K\n"
    "/help          هذه المساعدة\n"
    "/quit          خروج"
)
CONSOLE_NO_TOKEN = (
    "TELEGRAM_BOT_TOKEN is not set: starting the console chat instead of the Telegram bot "
    "(see .env.example)."
)
RUN_NO_TOKEN = (
    "TELEGRAM_BOT_TOKEN is not set; put the token from @BotFather in .env "
    "(see .env.example), or use `article-bot chat` to ask questions in the terminal."
)
RUN_BAD_TOKEN = (
    "the Bot API rejected TELEGRAM_BOT_TOKEN; check it with @BotFather (see .env.example)."
)


# ---------------------------------------------------------------- a chat's own articles

ADD_USAGE = (
    "لإضافة مقال: اكتب /add ثم نص المقال (السطر الأول عنوانه)، أو رُدّ بالأمر /add على رسالة "
    "فيها المقال، أو أرسل ملف ‎.txt أو ‎.html مع التعليق /add، أو اكتب /add ثم رابط المقال."
)
ADDING = "جارٍ إضافة المقال…"
ADDED = "أُضيف المقال #{number}: {title}\nعدد الجمل: {sentences}"
ALREADY_ADDED = "هذا المقال محفوظ من قبل برقم #{number}: {title}"
ADDED_SUMMARY = "ملخص قصير:"
ASK_ABOUT_IT = "اسألني عنه الآن، أو اطلب ملخصه بالأمر /summary #{number}."
ADD_NOT_ALLOWED_GROUP = "إضافة المقالات وحذفها لمشرفي هذه المجموعة فقط."
ADD_NOT_ALLOWED_PRIVATE = "إضافة المقالات هنا لمن يحدده مشغّل البوت فقط (ADMIN_IDS)."
REJECTED = {
    "too_long": "المقال طويل جدًا؛ الحد {limit} حرف (MAX_ARTICLE_CHARS).",
    "too_many": (
        "لهذه المحادثة {limit} مقال، وهو الحد (MAX_ARTICLES_PER_CHAT). "
        "احذف مقالًا بالأمر /remove أولًا."
    ),
    "unreadable": "تعذّرت قراءة المقال: اجعل السطر الأول عنوانه ثم نصه بعده ({detail}).",
    "unknown": "لا يوجد هذا المقال في هذه المحادثة.",
    "no_database": "لا يمكن إضافة مقالات الآن: قاعدة المقالات غير متاحة. أبلغ مشغّل البوت.",
    "read_only": (
        "لا يمكن إضافة المقالات أو حذفها الآن: قاعدة المقالات للقراءة فقط. "
        "أبلغ مشغّل البوت ({detail})."
    ),
}
REJECTED_OTHER = "تعذّرت إضافة المقال: {detail}"
SOURCE_FAILED = "تعذّر أخذ المقال من المصدر: {detail}"
FILE_TOO_BIG = "الملف كبير جدًا؛ الحد {limit} بايت."
FILE_FAILED = "تعذّر تنزيل الملف من تيليجرام: {detail}"
ADD_FAILED = "عذرًا، تعذّرت إضافة المقال. حاول مرة أخرى بعد قليل، أو أبلغ مشغّل البوت."

NO_ARTICLES = "لا مقالات خاصة بهذه المحادثة بعد. " + ADD_USAGE
ARTICLES_HEADING = "مقالات هذه المحادثة ({count}):"
ARTICLE_LINE = "#{number} {title}\n   {date} · {how} · {sentences} جملة"
ARTICLES_FOOTER = "الملخص: /summary #رقم — الحذف (للمشرفين): /remove رقم"
SOURCE_KINDS = {
    "text": "نص",
    "document": "ملف",
    "link": "رابط",
    "channel_post": "منشور قناة",
    "file": "ملف أضافه مشغّل البوت",  # article-bot add PATH
    "stdin": "نص أضافه مشغّل البوت",  # article-bot add -
}

REMOVE_USAGE = "اكتب رقم المقال بعد الأمر، مثل: /remove 3 (الأرقام في /articles)."
REMOVED = "حُذف المقال #{number}: {title}"
UNKNOWN_ARTICLE = "لا يوجد مقال برقم #{number} في هذه المحادثة؛ الأرقام في /articles."
SUMMARY_OTHER = "لملخص مقال آخر: /summary #رقم (الأرقام في /articles)."

# Channels: posts that become articles, and their comments.
AUTOADD_ON = "صارت منشورات هذه القناة التي تبلغ {min_chars} حرفًا فأكثر تُضاف إلى مقالاتها تلقائيًا."
AUTOADD_OFF = "توقفت الإضافة التلقائية لمنشورات هذه القناة."
AUTOADD_ALWAYS = "تُضاف منشورات هذه القناة تلقائيًا دائمًا (AUTO_ADD_CHANNELS)."
AUTOADD_USAGE = (
    "الإضافة التلقائية الآن: {state}. اكتب /autoadd on لتشغيلها أو /autoadd off لإيقافها."
)
AUTOADD_STATE = {True: "مفعّلة", False: "متوقفة"}
COMMENT_HINT = "للسؤال عن هذا المنشور: رُدّ على رسالتي هذه."
CHANNEL_REMOVE_USAGE = (
    "اكتب /remove ثم رقم المقال، مثل: /remove 3، أو رُدّ بالأمر /remove على المنشور نفسه."
)
CHANNEL_NO_ARTICLE = "لا يوجد في هذه القناة مقال بهذا الرقم أو من هذا المنشور."
POST_REJECTED = {
    "too_long": "لم يُضف المنشور مقالًا: طوله يتجاوز {limit} حرف (MAX_ARTICLE_CHARS).",
    "too_many": (
        "لم يُضف المنشور مقالًا: في القناة {limit} مقالًا، وهو الحد (MAX_ARTICLES_PER_CHAT)."
        " احذف واحدًا بالأمر /remove."
    ),
    "unreadable": "لم يُضف المنشور مقالًا: يلزم أن يكون سطره الأول عنوانًا يليه نص المقال.",
}
POST_NOT_ADDED = "لم يُضف المنشور مقالًا."

# The console's own article set (the operator's): /add, /articles, /remove, /summary #K;
# the replies it shares with the chats (ALREADY_ADDED, REMOVED, ...) are above.
CONSOLE_ADDED = "أُضيف المقال #{number}: {title} (عدد الجمل: {sentences}). اسأل عنه الآن."
CONSOLE_NO_ARTICLES = "لا مقالات لك بعد؛ أضف واحدًا: /add ثم مسار ملف .txt أو .html أو رابط."
CONSOLE_ARTICLE_LINE = "#{number} {title} — عدد الجمل: {sentences}، أُضيف {added} ({source})"
CONSOLE_ADD_USAGE = "اكتب بعد /add مسار ملف .txt أو .html، أو رابطًا يبدأ بـ http:// أو https://"
CONSOLE_FAILED = "تعذّر ذلك: {problem}"
