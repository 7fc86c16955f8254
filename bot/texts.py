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
    "summary": "ملخص المقال (مثل /summary 5)",
}


def help_text(titles: list[str], *, bot_username: str | None = None) -> str:
    """The /start and /help text: what the bot knows and how to ask."""
    known = "\n".join(f"• {t}" for t in titles) or "• (لا مقالات)"
    inline = f"\nوفي أي محادثة: اكتب @{bot_username} ثم سؤالك." if bot_username else ""
    return (
        "أجيب عن الأسئلة حول هذا المقال من نصه نفسه:\n"
        f"{known}\n\n"
        "اكتب سؤالك مباشرة، مثل: ماذا حدث؟ ومن أعلن ذلك؟\n"
        "في المجموعات: /ask ثم السؤال، أو رُدّ على رسالتي.\n\n"
        "الأوامر:\n"
        f"/summary [عدد الجمل] — ملخص المقال (حتى {MAX_SUMMARY_SENTENCES} جمل)\n"
        "/ask سؤال — سؤال في مجموعة\n"
        "/help — هذه الرسالة"
        f"{inline}"
    )


CONSOLE_HELP = (
    "اكتب سؤالك عن المقال واضغط Enter.\n"
    f"/summary [n]  ملخص من n جمل (حتى {MAX_SUMMARY_SENTENCES})\n"
    "/help         هذه المساعدة\n"
    "/quit         خروج"
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
CHANNEL_REMOVED = "حُذف المقال #{number}: {title}"
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
