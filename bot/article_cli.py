"""``article-bot add``, ``articles``, ``remove`` and ``summary --chat``: a chat's articles.

Listing and removing touch only the database, so they answer at once without the model;
adding reads its source first, so a missing file or a bad link is reported before the
model loads.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from bot.article_commands import article_reference
from bot.article_input import read_article
from bot.commands import CONSOLE_CHAT
from bot.errors import UsageError
from bot.plain import article_record, render_added_line, render_article_line, render_summary
from index import ArticleOrigin, Scope

if TYPE_CHECKING:
    from bot.settings import Settings
    from index import AnsweringService


def add(args: argparse.Namespace, settings: Settings) -> int:
    """Read the article, then load the model and store it: one line says what happened."""
    from bot.service import open_from_settings

    article = read_article(
        args.source,
        max_chars=settings.max_article_chars,
        allow_private_urls=settings.allow_private_urls,
    )
    _check_writable(settings)
    service, _ = open_from_settings(settings)
    added = service.add_article(
        args.chat, article.text, ArticleOrigin(article.source_kind, article.source_ref)
    )
    # Printed only once the transaction has committed: a line on screen means it is stored.
    print(render_added_line(added), flush=True)
    return 0


def _check_writable(settings: Settings) -> None:
    """A database that takes no adds (a read-only disk) is said before the model loads."""
    from index.storage import ArticleDatabase

    database = ArticleDatabase(settings.database_path)
    try:
        refusal = database.refusal
    finally:
        database.close()
    if refusal is not None:
        raise UsageError(refusal)


def list_articles(args: argparse.Namespace, settings: Settings) -> int:
    from index.storage import ArticleDatabase

    database = ArticleDatabase(settings.database_path)
    try:
        listed = database.articles(args.chat)
    finally:
        database.close()
    for stored in listed:
        if args.json:
            print(json.dumps(article_record(stored), ensure_ascii=False))
        else:
            print(render_article_line(stored))
    if not listed and not args.json:
        print(f"chat {args.chat} has no articles")
    return 0


def remove(args: argparse.Namespace, settings: Settings) -> int:
    from index.storage import ArticleDatabase

    chat_id, number = _reference(args.article, args.chat)
    database = ArticleDatabase(settings.database_path)
    try:
        removed = database.remove(chat_id, number)
    finally:
        database.close()
    if removed is None:
        raise UsageError(_unknown(chat_id, number))
    print(f"removed #{removed.number} from chat {chat_id}: {removed.title}")
    return 0


def summary_text(service: AnsweringService, args: argparse.Namespace, n: int) -> str:
    """Article K, or the chat's newest article, or (while it has none) its whole set."""
    if args.article is not None:
        chat_id, number = _reference(args.article, args.chat)
        picked = service.article_summary(chat_id, number, n)
        if picked is None:
            raise UsageError(_unknown(chat_id, number))
        return render_summary(picked)
    newest = service.library.newest(args.chat)
    if newest is not None:
        picked = service.article_summary(args.chat, newest.number, n)
        if picked is not None:  # None only when it was removed meanwhile
            return render_summary(picked)
    summaries = service.summarize(n, scope=Scope(args.chat))
    if not summaries:
        raise UsageError(f"chat {args.chat} has no articles to summarise")
    return "\n\n".join(render_summary(s) for s in summaries)


def _reference(argument: str, chat_id: int) -> tuple[int, int]:
    """(chat, number) of ``K``, ``#K`` or ``CHAT#K``; an id naming another chat than
    ``--chat`` is refused rather than guessed."""
    found = article_reference(argument, chat_id)
    if found is None:
        raise UsageError(f"{argument!r} is not an article number (K, #K or the id CHAT#K)")
    if found[0] != chat_id and chat_id != CONSOLE_CHAT:
        raise UsageError(f"article {argument} is not in chat {chat_id} (--chat)")
    return found


def _unknown(chat_id: int, number: int) -> str:
    return f"chat {chat_id} has no article #{number} (see: article-bot articles --chat {chat_id})"
