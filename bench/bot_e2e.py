"""The Telegram bot end to end: many private chats asking at once, through the real application.

The :class:`~telegram.ext.Application` from :func:`bot.telegram.app.build_application`, with the
real answering service, long polls the fake Bot API of the tests (``tests/bot/fake_bot_api.py``)
on 127.0.0.1. Every chat behaves like a person: it sends a question, waits for the answer, then
sends the next one. A reply's latency runs from the moment its update is pushed to the fake
server to the moment the bot's ``sendMessage`` for that chat arrives there, so it includes
``getUpdates``, the handler, the batched model call, the HTML rendering, the app's own flood
limiter and the HTTP round trips, but not Telegram's network.

Run alone for a quick check (``--chats 10 --per-chat 2``) or as part of ``bench/run.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import logging
import os
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from pydantic import SecretStr

from bot import texts
from bot.logs import configure_logging
from bot.settings import Settings, load_settings
from bot.telegram.app import BotApplication, build_application
from index.answer import Answer
from index.embedding.embedder import Embedder, load_embedder
from index.evaluation.datasets import ArticleQuestion, read_eval_file
from index.scope import Scope
from index.service import AnsweringService, open_service
from support.fake_bot_api import FakeBotAPI, RecordedCall
from support.harness import start_bot, stop_bot

BENCH_TOKEN = "123:BENCH"  # a dummy: the fake server accepts any well-formed token
FIRST_USER_ID = 7_100_001
TIMEOUT_SECONDS = 600.0  # for the whole run; what was measured until then is still printed
STOP_SECONDS = 30.0  # bound on stopping the application
ROUTER_WAKE_SECONDS = 1.0  # how often the reply router checks whether the run is over
GRACE_SECONDS = 0.5  # after the last reply, to catch messages nobody waited for
POLL_TIMEOUT = 10  # seconds; the long-poll timeout ``run_polling`` uses by default
# The settings validator's maximum; with a few questions per chat it never triggers.
QUESTIONS_PER_MINUTE = 600
TELEGRAM_MESSAGES_PER_SECOND = 30  # Telegram's limit per bot (all chats together), roughly

# For a standalone run without an evaluation file: questions about the seed article, and two
# that it does not cover (abstentions are replies too).

log = logging.getLogger(__name__)


def _row(*cells: object) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def _ms(value: float) -> str:
    return f"{value:.1f} ms"


def _percentile(values: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


@dataclass(frozen=True, slots=True)
class _Reply:
    chat_id: int
    pushed: float  # time.monotonic() when the question was pushed to the fake server
    arrived: float  # time.monotonic() when the bot's sendMessage reached the fake server
    kind: str  # "answer", "not_covered", "rate_limited" or "error"

    @property
    def latency_ms(self) -> float:
        return (self.arrived - self.pushed) * 1000


@dataclass
class _Run:
    chats: int
    per_chat: int
    replies: list[_Reply] = field(default_factory=list)
    rejected: int = 0  # sendMessage calls the fake API refused (bad HTML, too long, ...)
    extra: int = 0  # messages beyond one per question (second parts, late error messages)
    typing: int = 0  # sendChatAction calls
    sends: int = 0  # sendMessage + sendChatAction calls between first question and last reply
    peak_sends: int = 0  # most of those the server got within one second
    batches: list[tuple[int, float, float]] = field(default_factory=list)  # model calls
    first_push: float | None = None
    window_end: float | None = None  # the last reply, or the time limit if it was reached
    timed_out: bool = False
    stopped_cleanly: bool = True
    setup_seconds: float = 0.0
    total_seconds: float = 0.0

    @property
    def asked(self) -> int:
        return self.chats * self.per_chat

    def count(self, *kinds: str) -> int:
        return sum(r.kind in kinds for r in self.replies)

    @property
    def answered(self) -> int:
        return self.count("answer", "not_covered")

    @property
    def wall_seconds(self) -> float:
        if self.first_push is None or self.window_end is None:
            return 0.0
        return max(self.window_end - self.first_push, 0.0)

    @property
    def window_batches(self) -> list[tuple[int, float, float]]:
        """Model calls that started within the measured window."""
        if self.first_push is None or self.window_end is None:
            return []
        return [b for b in self.batches if self.first_push <= b[1] <= self.window_end]


class _TimedService(AnsweringService):
    """The answering service, also noting how long each batched model call took.

    Tells whether the model or something else (the flood limiter, the event loop) is the
    bottleneck. Called from the answerer's worker thread; ``list.append`` is thread-safe.
    """

    def __init__(self, service: AnsweringService) -> None:
        super().__init__(
            service.embedder, service.corpus, service.policy, service.background, service.library
        )
        self.batches: list[tuple[int, float, float]] = []  # (questions, start, end) monotonic

    def ask_many(
        self, questions: Sequence[str], k: int = 5, scopes: Sequence[Scope] | None = None
    ) -> list[Answer]:
        started = time.monotonic()
        answers = super().ask_many(questions, k, scopes)
        self.batches.append((len(questions), started, time.monotonic()))
        return answers


def _warm_service(
    settings: Settings, embedder: Embedder, folder: Path, question: str
) -> AnsweringService:
    """The seeds indexed in ``folder``, asked once: the first model call is the slowest."""
    service, _ = open_service(
        settings.seeds_dir,
        folder / "index",
        settings.model_spec,
        embedder=embedder,
        max_question_chars=settings.max_question_chars,
    )
    service.ask(question)
    return service


def _bench_settings(settings: Settings, base_url: str) -> Settings:
    """``settings`` pointed at the fake server, with limits that do not get in the way.

    Validated like any other settings, so a value the validator refuses fails here, loudly.
    """
    values = settings.model_dump()
    values.update(
        telegram_bot_token=SecretStr(BENCH_TOKEN),
        telegram_base_url=base_url,
        questions_per_minute=QUESTIONS_PER_MINUTE,
        summary_interval=0,  # no scheduled summaries in the middle of the measurement
        summary_chat_ids=[],
        webhook_secret=None,
    )
    return Settings.model_validate(values)


def _kind(call: RecordedCall) -> str:
    """What a reply was, from the text the fake server parsed (what a reader would see)."""
    result = call.result if isinstance(call.result, dict) else {}
    text = str(result.get("text", ""))
    if texts.RATE_LIMITED in text:
        return "rate_limited"
    if texts.ERROR in text:
        return "error"
    if texts.NOT_COVERED in text:
        return "not_covered"
    return "answer"


async def _route_replies(
    api: FakeBotAPI,
    inboxes: dict[str, asyncio.Queue[RecordedCall]],
    run: _Run,
    finished: asyncio.Event,
) -> None:
    """Hand every finished sendMessage to the chat it went to; count the refused ones.

    Ends within ``ROUTER_WAKE_SECONDS`` of ``finished`` being set. Not cancelled instead:
    on Python 3.11, ``asyncio.wait_for`` (used inside ``FakeBotAPI.wait_for``) can swallow a
    cancellation that coincides with the awaited event, and the task would then wait on.
    """
    seen: set[int] = set()
    while not finished.is_set():
        try:
            calls = await api.wait_for(
                "sendMessage", count=len(seen) + 1, timeout=ROUTER_WAKE_SECONDS
            )
        except AssertionError:  # no new sendMessage for a while
            continue
        for call in calls:
            if id(call) in seen:
                continue
            seen.add(id(call))
            inbox = inboxes.get(str(call.params.get("chat_id")))
            if not call.ok:
                run.rejected += 1
            elif inbox is not None:
                inbox.put_nowait(call)


async def _chat(
    api: FakeBotAPI,
    user_id: int,
    questions: list[str],
    inbox: asyncio.Queue[RecordedCall],
    deadline: float,
    run: _Run,
) -> None:
    """One person in a private chat: ask, wait for the answer, ask the next question."""
    for question in questions:
        update = api.private_text(
            question,
            user_id=user_id,
            first_name=f"قارئ {user_id - FIRST_USER_ID + 1}",
            username=None,
        )
        pushed = time.monotonic()
        api.push_update(update)
        try:
            call = await asyncio.wait_for(inbox.get(), deadline - time.monotonic())
        except TimeoutError:
            run.timed_out = True
            return
        run.replies.append(_Reply(user_id, pushed, call.at, _kind(call)))


def _peak_per_second(stamps: Sequence[float]) -> int:
    """The most stamps within any one-second window."""
    ordered = sorted(stamps)
    best = start = 0
    for end, stamp in enumerate(ordered):
        while stamp - ordered[start] >= 1.0:
            start += 1
        best = max(best, end - start + 1)
    return best


async def _stop(app: BotApplication) -> bool:
    """Stop the bot as the tests do; False if it took too long."""
    try:
        await asyncio.wait_for(stop_bot(app), STOP_SECONDS)
    except TimeoutError:
        log.warning("the application did not stop within %.0f s", STOP_SECONDS)
        return False
    return True


async def _drive(
    settings: Settings,
    service: _TimedService,
    questions: list[str],
    run: _Run,
    deadline: float,
) -> None:
    async with FakeBotAPI() as api:
        app = build_application(_bench_settings(settings, api.base_url), service=service)
        router: asyncio.Task[None] | None = None
        finished = asyncio.Event()
        try:
            await start_bot(app, POLL_TIMEOUT)
            user_ids = [FIRST_USER_ID + i for i in range(run.chats)]
            inboxes: dict[str, asyncio.Queue[RecordedCall]] = {
                str(uid): asyncio.Queue() for uid in user_ids
            }
            router = asyncio.create_task(_route_replies(api, inboxes, run, finished))
            asks = [
                [questions[(i * run.per_chat + j) % len(questions)] for j in range(run.per_chat)]
                for i in range(run.chats)
            ]
            run.first_push = time.monotonic()
            await asyncio.gather(
                *(
                    _chat(api, uid, qs, inboxes[str(uid)], deadline, run)
                    for uid, qs in zip(user_ids, asks, strict=True)
                )
            )
            if run.timed_out:
                run.window_end = deadline
            else:
                run.window_end = max((r.arrived for r in run.replies), default=run.first_push)
                await asyncio.sleep(GRACE_SECONDS)
                run.extra = sum(inbox.qsize() for inbox in inboxes.values())
            sends = [
                c
                for c in api.calls()
                if c.method in ("sendMessage", "sendChatAction")
                and run.first_push <= c.at <= run.window_end
            ]
            run.sends = len(sends)
            run.typing = sum(c.method == "sendChatAction" for c in sends)
            run.peak_sends = _peak_per_second([c.at for c in sends])
        finally:
            finished.set()
            if router is not None:
                await router
            run.stopped_cleanly = await _stop(app)
            run.batches = list(service.batches)


def _model_share(run: _Run) -> float:
    """Share of the measured window the model spent answering (batches run one at a time)."""
    if run.first_push is None or run.window_end is None or run.wall_seconds <= 0:
        return 0.0
    busy = sum(
        max(min(end, run.window_end) - max(start, run.first_push), 0.0)
        for _, start, end in run.batches
    )
    return busy / run.wall_seconds


def _telegram_comparison(run: _Run, rate: float) -> str:
    """The answer rate against Telegram's limit, and what held it back."""
    limit = TELEGRAM_MESSAGES_PER_SECOND
    send_rate = run.sends / run.wall_seconds
    text = (
        f"Telegram lets a bot send about {limit} messages per second in all chats together, "
        "and the app's own flood limiter (AIORateLimiter: a bucket of 30 that refills at "
        "30/s, so a burst can briefly exceed 30 in one second) holds every call with a "
        'chat_id to that rate, "typing" actions included. '
        f"Here the bot answered {rate:.1f} questions/s ({rate / limit:.0%} of 30) and made "
        f'{send_rate:.1f} such calls/s, {run.typing} of them "typing" actions (sent when an '
        "answer takes over 0.5 s). "
    )
    share = _model_share(run)
    sends_full, model_full = send_rate >= 0.85 * limit, share >= 0.85
    if sends_full and model_full:
        return text + (
            f"Both were at their limits: the model was busy {share:.0%} of the time and the "
            'sends ran at the flood limit, where "typing" actions compete with answers.'
        )
    if sends_full:
        return text + (
            f"The sends ran at the limit while the model was busy {share:.0%} of the time: "
            "the flood limiter, not the model, set the pace."
        )
    if model_full:
        return text + (
            f"The model was busy {share:.0%} of the time: it set the pace, not Telegram's limit."
        )
    return text + (
        "Neither the limit nor the model was saturated: each chat waits for its answer "
        "before asking again, so at this many chats the rate is about chats / latency."
    )


def _print(run: _Run) -> None:
    print(
        f"\n### Telegram bot end to end ({run.chats} private chats at once, "
        f"{run.per_chat} questions each, one after another)\n"
    )
    latencies = [r.latency_ms for r in run.replies]
    wall = run.wall_seconds
    rate = run.answered / wall if wall > 0 else 0.0
    print(_row("what", "value"))
    print(_row("---", "---:"))
    print(_row("questions answered", f"{run.answered}/{run.asked}"))
    print(_row("of which abstentions (not covered by the articles)", run.count("not_covered")))
    print(_row("answered questions per second", f"{rate:.1f}/s"))
    if latencies:
        print(_row("reply latency, median", _ms(_percentile(latencies, 50))))
        print(_row("reply latency, p95", _ms(_percentile(latencies, 95))))
        print(_row("reply latency, max", _ms(max(latencies))))
    print(_row("replies that were the rate-limit message", run.count("rate_limited")))
    print(_row("replies that were the error message", run.count("error")))
    print(_row("sendMessage calls the Bot API refused", run.rejected))
    if not run.timed_out:
        print(_row("messages beyond one per question", run.extra))
    print(_row('"typing" chat actions sent', run.typing))
    send_rate = run.sends / wall if wall > 0 else 0.0
    print(_row("sendMessage + sendChatAction calls per second, mean", f"{send_rate:.1f}/s"))
    print(_row("sendMessage + sendChatAction calls within 1 s, most", run.peak_sends))
    batches = run.window_batches
    if batches:
        questions_in_batches = sum(n for n, _, _ in batches)
        print(
            _row(
                "model calls (batches), mean batch size",
                f"{len(batches)}, {questions_in_batches / len(batches):.1f}",
            )
        )
        print(_row("model busy, share of the wall time", f"{_model_share(run):.0%}"))
    end = "the time limit" if run.timed_out else "last reply"
    print(_row(f"wall time, first question to {end}", f"{wall:.1f} s"))
    print(_row("set-up before the first question (index, warm-up)", f"{run.setup_seconds:.1f} s"))
    print(_row("wall time in all (set-up, start, questions, stop)", f"{run.total_seconds:.1f} s"))

    notes = [
        "Long polling against a fake Bot API on 127.0.0.1 (no Telegram network time); "
        "the bot, the fake server and the simulated users share one process and CPU. "
        f"Per-user limit set to {QUESTIONS_PER_MINUTE} questions per minute "
        "(the settings' maximum).",
    ]
    if rate > 0:
        notes.append(_telegram_comparison(run, rate))
    if run.count("rate_limited"):
        notes.append(
            f"The per-user limit interfered even at {QUESTIONS_PER_MINUTE} questions per "
            "minute (the highest the settings allow); latencies of those replies are "
            "included above."
        )
    if run.timed_out:
        notes.append(
            f"Stopped after the {TIMEOUT_SECONDS:.0f} s time limit: "
            f"{run.asked - len(run.replies)} question(s) unanswered or never asked; "
            "figures cover what was measured until then (latencies: answered questions only)."
        )
    if not run.stopped_cleanly:
        notes.append(f"The application did not stop within {STOP_SECONDS:.0f} s.")
    print()
    for note in notes:
        print(note)


def bot_throughput_figures(
    settings: Settings,
    embedder: Embedder,
    questions: list[str],
    *,
    chats: int = 50,
    per_chat: int = 4,
) -> None:
    """Answers per second and reply latency of the real bot, ``chats`` private chats at once."""
    if not questions:
        raise ValueError("no questions to ask")
    if chats < 1 or per_chat < 1:
        raise ValueError("chats and per_chat must be at least 1")
    started = time.monotonic()
    deadline = started + TIMEOUT_SECONDS
    run = _Run(chats=chats, per_chat=per_chat)
    with tempfile.TemporaryDirectory() as tmp:
        service = _warm_service(settings, embedder, Path(tmp), questions[0])
        timed = _TimedService(service)
        run.setup_seconds = time.monotonic() - started
        asyncio.run(_drive(settings, timed, questions, run, deadline))
    run.total_seconds = time.monotonic() - started
    _print(run)


# ------------------------------------------------------------------ reliability figures
FLOOD_GROUP_ID = -1_007_000_000_001
FLOOD_FIRST_USER_ID = 7_300_001
FLOOD_BURST = 100  # /summary from one member and /ask from 120 others, as in the issue
FLOOD_ASKERS = 120
FLOOD_PER_SECOND = 20  # the flood keeps coming while the private chats are measured
PRIVATE_CHATS = 5
PRIVATE_PAUSE = 2.0  # seconds each private chat waits between an answer and its next question
PRIVATE_SECONDS = 30.0  # how long the private chats keep asking (the flood lasts as long)
OUTAGE_SECONDS = 60.0
OUTAGE_CHATS = 20
OUTAGE_WAIT_AFTER = 180.0  # bound on waiting for kept replies once the API is back


@dataclass
class _FloodRun:
    flooded: bool
    latencies: list[float] = field(default_factory=list)
    unanswered: int = 0
    group_messages: int = 0
    busy_notices: int = 0
    flood_updates: int = 0
    summaries: int = 0
    asks: int = 0
    stop_seconds: float = 0.0
    stop_report: str = ""


def _group_update(api: FakeBotAPI, i: int, run: _FloodRun) -> dict[str, object]:
    """The i-th flood update: a /summary from one member, or /ask from one of many."""
    if i % 2 == 0:
        run.summaries += 1
        return api.command("/summary", "supergroup", chat_id=FLOOD_GROUP_ID)
    run.asks += 1
    user = FLOOD_FIRST_USER_ID + (i // 2) % FLOOD_ASKERS
    return api.command("/ask ماذا حدث؟", "supergroup", chat_id=FLOOD_GROUP_ID, user_id=user)


async def _flood(api: FakeBotAPI, run: _FloodRun, done: asyncio.Event) -> None:
    for i in range(FLOOD_BURST + FLOOD_ASKERS):
        api.push_update(_group_update(api, i, run))
    run.flood_updates = FLOOD_BURST + FLOOD_ASKERS
    while not done.is_set():
        for _ in range(FLOOD_PER_SECOND):
            api.push_update(_group_update(api, run.flood_updates, run))
            run.flood_updates += 1
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(done.wait(), 1.0)


async def _private_asker(
    api: FakeBotAPI, user_id: int, questions: list[str], run: _FloodRun
) -> None:
    """Ask, wait for the answer, pause, ask again, for ``PRIVATE_SECONDS``."""
    end = time.monotonic() + PRIVATE_SECONDS
    for i in itertools.count():
        if time.monotonic() >= end:
            return
        question = questions[i % len(questions)]
        before = len(api.sent_messages(user_id))
        pushed = time.monotonic()
        api.push_update(api.private_text(question, user_id=user_id, username=None))
        try:
            await api.wait_for(
                "sendMessage",
                count=before + 1,
                timeout=STOP_SECONDS * 4,
                predicate=lambda c: c.ok and str(c.params.get("chat_id")) == str(user_id),
            )
        except AssertionError:
            run.unanswered += 1
            continue
        run.latencies.append((time.monotonic() - pushed) * 1000)
        await asyncio.sleep(PRIVATE_PAUSE)


async def _drive_flood(
    settings: Settings, service: AnsweringService, questions: list[str], run: _FloodRun
) -> None:
    async with FakeBotAPI() as api:
        app = build_application(_bench_settings(settings, api.base_url), service=service)
        await start_bot(app, POLL_TIMEOUT)
        done = asyncio.Event()
        flood = asyncio.create_task(_flood(api, run, done)) if run.flooded else None
        try:
            if flood is not None:  # the group's first replies: the flood is under way
                await api.wait_for(
                    "sendMessage",
                    timeout=STOP_SECONDS,
                    predicate=lambda c: str(c.params.get("chat_id")) == str(FLOOD_GROUP_ID),
                )
            askers = [FIRST_USER_ID + i for i in range(PRIVATE_CHATS)]
            per_chat = [questions[i::PRIVATE_CHATS] or questions[:1] for i in range(PRIVATE_CHATS)]
            await asyncio.gather(
                *(_private_asker(api, u, q, run) for u, q in zip(askers, per_chat, strict=True))
            )
        finally:
            done.set()
            if flood is not None:
                await flood
            group = [visible_text(c) for c in api.calls("sendMessage") if c.ok]
            run.group_messages = len(api.sent_messages(FLOOD_GROUP_ID))
            run.busy_notices = sum(texts.CHAT_BUSY in t for t in group)
            started = time.monotonic()
            await _stop(app)
            run.stop_seconds = time.monotonic() - started
            processor = app.update_processor
            report = getattr(processor, "report", None)
            if report is not None:
                run.stop_report = (
                    f"{report.unanswered} update(s) not answered "
                    f"({report.waiting} waiting, {report.arrived_late} arriving while "
                    f"stopping, {report.cut_off} cut off)"
                )


def visible_text(call: RecordedCall) -> str:
    result = call.result if isinstance(call.result, dict) else {}
    return str(result.get("text", ""))


@dataclass
class _OutageRun:
    seconds: float
    asked: int = 0
    delivered: int = 0
    apologies: int = 0
    after_end: list[float] = field(default_factory=list)  # seconds after the outage ended
    kept: int = 0
    expired: int = 0


async def _drive_outage(
    settings: Settings, service: AnsweringService, questions: list[str], run: _OutageRun
) -> None:
    async with FakeBotAPI() as api:
        app = build_application(_bench_settings(settings, api.base_url), service=service)
        await start_bot(app, POLL_TIMEOUT)
        try:
            api.outage(run.seconds)  # questions still arrive; no reply can be sent
            ended = time.monotonic() + run.seconds
            users = [FIRST_USER_ID + i for i in range(OUTAGE_CHATS)]
            for i, user in enumerate(users):  # spread over the first half of the outage
                api.push_update(
                    api.private_text(questions[i % len(questions)], user_id=user, username=None)
                )
                run.asked += 1
                await asyncio.sleep(run.seconds / 2 / len(users))
            with contextlib.suppress(AssertionError):
                await api.wait_for(
                    "sendMessage",
                    count=len(users),
                    timeout=run.seconds + OUTAGE_WAIT_AFTER,
                    predicate=lambda c: c.ok,
                )
            for call in api.calls("sendMessage"):
                if not call.ok:
                    continue
                if texts.ERROR in visible_text(call):
                    run.apologies += 1
                else:
                    run.delivered += 1
                    run.after_end.append(max(call.at - ended, 0.0))
            outbox = app.bot_data.get("outbox")
            if outbox is not None:
                run.kept = outbox.counters.queued
                run.expired = outbox.counters.expired
        finally:
            api.clear_injections()
            await _stop(app)


def _print_flood(quiet: _FloodRun, flooded: _FloodRun) -> None:
    print(
        f"\n### A flooded group against private chats ({PRIVATE_CHATS} private chats asking "
        f"for {PRIVATE_SECONDS:.0f} s, {PRIVATE_PAUSE:.0f} s between an answer and the next "
        "question)\n"
    )
    print(_row("what", "no flood", "one group flooding"))
    print(_row("---", "---:", "---:"))
    for q in (50, 95):
        print(
            _row(
                f"private reply latency, p{q}",
                _ms(_percentile(quiet.latencies, q)) if quiet.latencies else "-",
                _ms(_percentile(flooded.latencies, q)) if flooded.latencies else "-",
            )
        )
    print(_row("private questions answered", len(quiet.latencies), len(flooded.latencies)))
    print(_row("private questions unanswered", quiet.unanswered, flooded.unanswered))
    print(_row("updates the group sent", 0, flooded.flood_updates))
    print(_row("messages the bot sent to the group", 0, flooded.group_messages))
    print(_row("of which busy notices", 0, flooded.busy_notices))
    print(_row("stop, seconds", f"{quiet.stop_seconds:.1f}", f"{flooded.stop_seconds:.1f}"))
    print()
    print(
        f"The group sent {FLOOD_BURST + FLOOD_ASKERS} updates at once, then "
        f"{FLOOD_PER_SECOND} a second until the private chats were done: {flooded.summaries} "
        f"/summary from one member and {flooded.asks} /ask from {FLOOD_ASKERS} others. "
        f"Stop at the end of the flood: {flooded.stop_report or 'n/a'}."
    )


def _print_outage(run: _OutageRun) -> None:
    print(f"\n### Replies through a {run.seconds:.0f} s Bot API outage\n")
    print(_row("what", "value"))
    print(_row("---", "---:"))
    print(_row("questions asked during the outage", run.asked))
    print(_row("answers delivered after it", run.delivered))
    print(_row("apologies instead of answers", run.apologies))
    print(_row("replies kept in the outbox", run.kept))
    print(_row("replies dropped (kept too long)", run.expired))
    if run.after_end:
        print(_row("last answer, seconds after the outage ended", f"{max(run.after_end):.1f}"))
    print()
    print(
        "Every Bot API method but getUpdates failed (connection dropped) for the whole "
        "outage, so questions kept arriving and were confirmed while no reply could be sent."
    )


def bot_reliability_figures(
    settings: Settings,
    embedder: Embedder,
    questions: list[str],
    *,
    outage_seconds: float = OUTAGE_SECONDS,
) -> None:
    """Private-chat latency with and without a flooded group; replies after an outage."""
    if not questions:
        raise ValueError("no questions to ask")
    with tempfile.TemporaryDirectory() as tmp:
        service = _warm_service(settings, embedder, Path(tmp), questions[0])
        local = settings.model_copy(update={"data_dir": Path(tmp)})  # the outbox file
        # Every refused update and failed send is logged as a warning: thousands, here.
        logging.getLogger("bot.telegram").setLevel(logging.ERROR)
        quiet, flooded = _FloodRun(flooded=False), _FloodRun(flooded=True)
        asyncio.run(_drive_flood(local, service, questions, quiet))
        asyncio.run(_drive_flood(local, service, questions, flooded))
        _print_flood(quiet, flooded)
        outage = _OutageRun(seconds=outage_seconds)
        asyncio.run(_drive_outage(local, service, questions, outage))
        _print_outage(outage)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chats", type=int, default=10)
    parser.add_argument("--per-chat", type=int, default=2)
    parser.add_argument(
        "--reliability", action="store_true", help="flood and outage figures instead"
    )
    parser.add_argument("--outage-seconds", type=float, default=OUTAGE_SECONDS)
    parser.add_argument(
        "--questions", type=Path, required=True, help="an evaluation file to take questions from"
    )
    args = parser.parse_args()
    configure_logging("WARNING")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    settings = load_settings()
    questions: list[str] = []
    for item in read_eval_file(args.questions):
        if isinstance(item, ArticleQuestion):
            questions.append(item.question)
        else:
            questions.extend(q for q, _ in item.questions)
    embedder = load_embedder(settings.model_spec)
    if args.reliability:
        bot_reliability_figures(settings, embedder, questions, outage_seconds=args.outage_seconds)
        return
    bot_throughput_figures(settings, embedder, questions, chats=args.chats, per_chat=args.per_chat)


if __name__ == "__main__":
    main()
