"""Eight weeks of the demo team's past work, so every chart, trend and export has a shape on day one.

`past_conversations(now)` is pure: the same `now` and seed give the same history, placed relative to
`now` (never to today's date). Each past conversation is a customer's opening message from the demo's
own stories (data.py), the brand's answer after a first-response time drawn per channel (a few of them
late, the team getting faster week by week), sometimes the customer's thanks, and the moment an agent
resolved it. `seed_history` stores it through the same ingest as live traffic (the real sentiment
model labels it) and resolves the tickets at those moments, so the SLA outcomes, the dashboard and
the exports are computed by the product itself, not written here.
"""
from __future__ import annotations

import logging
import math
import random
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Sequence

from flask import current_app
from sqlalchemy import select

from .. import create_app
from ..channels import ChannelAccount
from ..connectors.jsonl import message_from_record
from ..extensions import db
from ..jobqueue import INGEST_QUEUE, get_queue
from ..jobs.ingest import store_with_retries
from ..sentiment import ModelUnavailable, classify
from ..tickets.models import Ticket
from ..tickets.rules.status import Change
from ..tickets.workspace.actions import change_status
from .data import BRAND_AUTHORS, DEMO_ACCOUNTS, demo_messages

log = logging.getLogger(__name__)

HISTORY_WEEKS = 8
HISTORY_PREFIX = "hist-"
WAIT_FOR_INBOX_SECONDS = 180.0
# median first response (minutes) per channel; spread so that a few miss the 4 h / 2 h / 24 h targets
_FIRST_RESPONSE_MEDIAN = {"x": 70.0, "sms": 30.0, "email": 320.0}
_RESOLUTION_MEDIAN = {"x": 180.0, "sms": 90.0, "email": 900.0}  # minutes after the answer
_SPREAD = 0.85
_THANKS = {
    "en": "Thanks, that sorted it.",
    "ja": "ありがとうございます、解決しました。",
}
_ACKNOWLEDGE = {
    "en": "Thanks for getting in touch. We've looked into this and sent you the details; let us know if anything "
          "is still unclear.",
    "ja": "お問い合わせありがとうございます。確認のうえご案内をお送りしました。ご不明な点がございましたらお知らせください。",
}


@dataclass(frozen=True)
class PastConversation:
    account: str  # the demo account's name
    conversation: str
    records: tuple[dict[str, Any], ...]  # our JSONL format, oldest first
    resolved_at: datetime | None  # None: still open at `now`


def _utc(now: datetime) -> datetime:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(timezone.utc)


def _daily_volume(days_ago: int, weekday: int, rng: random.Random) -> int:
    """Conversations in a day: fewer at weekends, a little growth towards now."""
    base = 3 if weekday >= 5 else 7
    growth = 1.0 + 0.35 * (1 - days_ago / (HISTORY_WEEKS * 7))
    return max(1, round(base * growth + rng.uniform(-1.5, 1.5)))


def _lognormal(rng: random.Random, median: float) -> float:
    return median * math.exp(rng.gauss(0, _SPREAD))


def _openings(anchor: datetime, seed: int) -> list[tuple[str, list[dict[str, Any]]]]:
    """(account, messages) of each of the day's candidate conversations, from the demo stories."""
    threads: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for account, messages in demo_messages(anchor, seed=seed).items():
        for message in messages:
            threads[(account, message["conversation"])].append(message)
    return [(account, messages) for (account, _key), messages in sorted(threads.items())]


def _past(account: str, thread: list[dict[str, Any]], day: int, opened: datetime, now: datetime,
          rng: random.Random) -> PastConversation | None:
    first = next((m for m in thread if m.get("direction", "inbound") == "inbound"), None)
    if first is None:
        return None
    answer = next((m for m in thread if m.get("direction") == "outbound"), None)
    lang = first.get("lang") or "en"
    channel = dict(DEMO_ACCOUNTS)[account]
    weeks_ago = day / 7
    faster = 0.7 + 0.08 * weeks_ago  # the team answers faster week by week
    answered_at = opened + timedelta(minutes=_lognormal(rng, _FIRST_RESPONSE_MEDIAN[channel] * faster))
    if answered_at >= now:
        return None
    key = f"{HISTORY_PREFIX}d{day}-{first['conversation']}"
    ids = f"{HISTORY_PREFIX}d{day}-"
    opening = {**first, "external_id": ids + first["external_id"], "conversation": key,
               "created_at": opened.isoformat(timespec="seconds")}
    opening.pop("in_reply_to", None)
    reply = {**(answer or {}), "external_id": ids + (answer["external_id"] if answer else first["external_id"] + "-a"),
             "conversation": key, "direction": "outbound", "kind": _reply_kind(first["kind"]),
             "author": answer["author"] if answer else BRAND_AUTHORS[channel],
             "text": answer["text"] if answer else _ACKNOWLEDGE.get(lang, _ACKNOWLEDGE["en"]),
             "created_at": answered_at.isoformat(timespec="seconds"), "in_reply_to": opening["external_id"], "lang": lang}
    reply.pop("url", None)
    records = [opening, reply]
    last = answered_at
    if rng.random() < 0.35:
        last = answered_at + timedelta(minutes=rng.uniform(5, 240))
        if last < now:
            records.append({**first, "external_id": ids + first["external_id"] + "-t", "conversation": key,
                            "kind": _follow_kind(first["kind"]), "text": _THANKS.get(lang, _THANKS["en"]),
                            "created_at": last.isoformat(timespec="seconds"), "in_reply_to": reply["external_id"],
                            "lang": lang, "url": None})
        else:
            last = answered_at
    resolved_at: datetime | None = last + timedelta(minutes=_lognormal(rng, _RESOLUTION_MEDIAN[channel] * faster))
    if resolved_at >= now:
        resolved_at = None
    return PastConversation(account, key, tuple(records), resolved_at)


def _reply_kind(kind: str) -> str:
    return {"mention": "reply", "dm": "dm", "email": "email", "sms": "sms"}.get(kind, kind)


def _follow_kind(kind: str) -> str:
    return "reply" if kind == "mention" else kind


def past_conversations(now: datetime, weeks: int = HISTORY_WEEKS, seed: int = 29) -> list[PastConversation]:
    """The demo's history before today's live inbox: day 1 to `weeks`·7 days before `now`."""
    now = _utc(now)
    history: list[PastConversation] = []
    for day in range(1, weeks * 7):
        rng = random.Random(f"{seed}:{day}")
        start_of_day = (now - timedelta(days=day)).replace(hour=0, minute=0, second=0, microsecond=0)
        candidates = _openings(start_of_day + timedelta(hours=23), seed * 1000 + day)
        rng.shuffle(candidates)
        for account, thread in candidates[:_daily_volume(day, start_of_day.weekday(), rng)]:
            # Tokyo's working day (00:00-10:00 UTC) mostly, some evenings
            hour = rng.choice((0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12)) + rng.random()
            opened = (start_of_day + timedelta(hours=hour)).replace(microsecond=0)
            past = _past(account, thread, day, opened, now, rng)
            if past is not None:
                history.append(past)
    return history


def _sentiments(texts: Sequence[str]) -> dict[str, Any]:
    """The sentiment model's label for each distinct text (the stories repeat); none without a model."""
    distinct = sorted(set(texts))
    try:
        return dict(zip(distinct, classify(distinct)))
    except ModelUnavailable as exc:
        log.warning("demo history stored without sentiment: %s", exc)
        return {}


def seed_history(accounts: Sequence[ChannelAccount], now: datetime | None = None) -> int:
    """Store the history on the demo accounts and resolve its tickets; returns the tickets resolved.
    Idempotent: stored messages are skipped by ingest, resolved tickets stay as they are."""
    now = now or datetime.now(timezone.utc)
    by_name = {account.name: account for account in accounts}
    history = [past for past in past_conversations(now) if past.account in by_name]
    inbound = [r["text"] for past in history for r in past.records if r.get("direction", "inbound") == "inbound"]
    labels = _sentiments(inbound)
    window = timedelta(days=current_app.config["REOPEN_WINDOW_DAYS"])
    for name, account in by_name.items():
        messages = [message_from_record(r) for past in history if past.account == name for r in past.records]
        if messages:
            store_with_retries(account, messages,
                               [labels.get(m.text) if m.direction == "inbound" else None for m in messages], window)
    resolved = 0
    with db.session.no_autoflush:
        tickets = {(t.account_id, t.conversation_key): t for t in db.session.scalars(
            select(Ticket).where(Ticket.account_id.in_([a.id for a in by_name.values()]),
                                 Ticket.conversation_key.like(f"{HISTORY_PREFIX}%")))}
        for past in sorted(history, key=lambda p: p.resolved_at or now):
            ticket = tickets.get((by_name[past.account].id, past.conversation))
            if past.resolved_at is not None and ticket is not None and ticket.status != "resolved":
                change_status(ticket, Change.RESOLVE, None, past.resolved_at)
                resolved += 1
    db.session.commit()
    return resolved


def history_stored() -> bool:
    """Whether the demo history is in the database already."""
    return db.session.scalar(select(Ticket.id).where(Ticket.conversation_key.like(f"{HISTORY_PREFIX}%")).limit(1)) is not None


def _todays_inbox_stored(accounts: Sequence[ChannelAccount]) -> bool:
    """Today's demo tickets are in and the worker has nothing left to ingest (the model is free again)."""
    stored = db.session.scalar(select(Ticket.id).where(Ticket.account_id.in_([a.id for a in accounts]),
                                                       Ticket.conversation_key.not_like(f"{HISTORY_PREFIX}%")).limit(1))
    return stored is not None and get_queue(INGEST_QUEUE).count == 0


def main() -> int:
    """`python -m inbox.demo.history`: store the history on the demo accounts (inbox run starts it once),
    after today's demo tickets have arrived, so a newcomer sees the inbox first."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = create_app()
    with app.app_context():
        accounts = db.session.scalars(select(ChannelAccount).where(
            ChannelAccount.name.in_([name for name, _channel in DEMO_ACCOUNTS]))).all()
        deadline = time.monotonic() + WAIT_FOR_INBOX_SECONDS
        while not _todays_inbox_stored(accounts) and time.monotonic() < deadline:
            db.session.rollback()  # a fresh snapshot on the next look
            time.sleep(2)
        resolved = seed_history(accounts)
        log.info("demo history stored: %d tickets resolved over %d weeks", resolved, HISTORY_WEEKS)
    return 0


if __name__ == "__main__":
    sys.exit(main())
