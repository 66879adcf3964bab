"""The `ingest_batch` job: classify a fetched batch in one model call, store it in one transaction.

One bad message never costs another: a payload that fails validation, a text the model cannot
take, or a row the database refuses is set aside (quarantined with its reason, visible to admins)
and the rest of the batch is stored. What is nobody's message's fault — the database or Redis
being away — is raised, so RQ retries the whole batch with backoff (it converges: ingestion is
idempotent). A conflict with a concurrent worker is retried at once.
"""
from __future__ import annotations

import logging
import random
import time
from datetime import timedelta
from typing import Any, Callable, Sequence

from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from ..channels.models import ChannelAccount
from ..channels.quarantine import quarantine
from ..connectors.base import InboundMessage, InvalidMessage, Rejected
from ..extensions import db
from ..sentiment import ModelUnavailable, classify
from ..tickets.ingest import IngestResult, ingest_messages, known_external_ids
from .context import job_context
from .outage import is_conflict, is_outage

log = logging.getLogger(__name__)

CONFLICT_ATTEMPTS = 5


def decode_batch(payloads: Sequence[Any]) -> tuple[list[InboundMessage], list[Rejected]]:
    messages, rejected = [], []
    for item in payloads:
        try:
            if not isinstance(item, dict):
                raise InvalidMessage("queued item is not an object")
            messages.append(InboundMessage.from_payload(item))
        except InvalidMessage as exc:
            ident = item.get("external_id") if isinstance(item, dict) else None
            rejected.append(Rejected(f"external id {str(ident)[:200]!r}", str(exc), repr(item)[:64_000]))
    return messages, rejected


def classify_isolated(texts: list[str], classify: Callable[[list[str]], list[Any]]) -> list[Any]:
    """Sentiments for `texts`; a text the model fails on gets an Exception in its place instead of
    failing the others (the batch is split in halves until the culprit is alone)."""
    if not texts:
        return []
    try:
        return list(classify(texts))
    except (ModelUnavailable, MemoryError):
        raise
    except Exception as exc:
        if len(texts) == 1:
            return [exc]
        middle = len(texts) // 2
        return classify_isolated(texts[:middle], classify) + classify_isolated(texts[middle:], classify)


def store_with_retries(account: ChannelAccount, messages: list[InboundMessage], sentiments: list[Any],
                       reopen_window: timedelta) -> Any:
    for attempt in range(1, CONFLICT_ATTEMPTS + 1):
        try:
            return ingest_messages(account, messages, sentiments, reopen_window)
        except (IntegrityError, OperationalError) as exc:
            if not is_conflict(exc) or attempt == CONFLICT_ATTEMPTS:
                raise
            log.info("account %s: batch conflicted with another worker (%s); trying again", account.name,
                     type(exc.orig).__name__ if getattr(exc, "orig", None) else type(exc).__name__)
            time.sleep(random.uniform(0.05, 0.3) * attempt)
    raise AssertionError("unreachable")


def ingest_batch(account_id: int, payloads: list[dict[str, Any]]) -> dict[str, Any]:
    with job_context() as app:
        reopen_window = timedelta(days=app.config["REOPEN_WINDOW_DAYS"])
        account = db.session.get(ChannelAccount, account_id)
        messages, rejected = decode_batch(payloads)
        if account is None:
            # the account was removed after its batch was queued: keep the messages, say why
            rejected += [Rejected(f"external id {m.external_id[:200]!r}", f"channel account {account_id} no longer exists",
                                  repr(m.to_payload())[:64_000]) for m in messages]
            _set_aside(None, rejected)
            return {"stored": 0, "duplicates": 0, "rejected": len(rejected), "tickets_created": [], "tickets_updated": []}
        known = known_external_ids(account_id, [m.external_id for m in messages])
        db.session.rollback()  # no transaction stays open while the model runs
        fresh = [m for m in messages if m.external_id not in known]
        inbound = [i for i, m in enumerate(fresh) if m.direction == "inbound"]
        labels = classify_isolated([fresh[i].text for i in inbound], classify)
        sentiments: list[Any] = [None] * len(fresh)
        failed: set[int] = set()
        for i, sentiment in zip(inbound, labels):
            if isinstance(sentiment, Exception):
                failed.add(i)
                rejected.append(Rejected(f"external id {fresh[i].external_id[:200]!r}",
                                         f"the sentiment model could not read this text ({type(sentiment).__name__}: {str(sentiment)[:300]})",
                                         repr(fresh[i].to_payload())[:64_000]))
            else:
                sentiments[i] = sentiment
        keep = [i for i in range(len(fresh)) if i not in failed]
        batch, batch_sentiments = [fresh[i] for i in keep], [sentiments[i] for i in keep]
        try:
            result = store_with_retries(account, batch, batch_sentiments, reopen_window)
        except DBAPIError as exc:
            if is_outage(exc) or is_conflict(exc):
                raise
            log.warning("account %s: batch of %d refused by the database (%s); storing message by message",
                        account.name, len(batch), str(exc.orig)[:200])
            result = _store_one_by_one(account, batch, batch_sentiments, reopen_window, rejected)
        result.duplicates += len(messages) - len(fresh)
        if rejected:
            _set_aside(account_id, rejected)
        log.info(
            "account %s: stored %d, duplicates %d, set aside %d, tickets created %d, updated %d",
            account.name, result.stored, result.duplicates, len(rejected), len(result.tickets_created),
            len(result.tickets_updated),
        )
        return {
            "stored": result.stored,
            "duplicates": result.duplicates,
            "rejected": len(rejected),
            "tickets_created": result.tickets_created,
            "tickets_updated": result.tickets_updated,
        }


def _store_one_by_one(account: ChannelAccount, batch: list[InboundMessage], sentiments: list[Any],
                      reopen_window: timedelta, rejected: list[Rejected]) -> Any:
    """The batch failed on something in its data: each message alone, the failing ones set aside."""
    total = IngestResult()
    for message, sentiment in zip(batch, sentiments):
        try:
            one = store_with_retries(account, [message], [sentiment], reopen_window)
        except DBAPIError as exc:
            if is_outage(exc):
                raise
            rejected.append(Rejected(f"external id {message.external_id[:200]!r}",
                                     f"the database refused this message ({str(exc.orig).splitlines()[0][:300]})",
                                     repr(message.to_payload())[:64_000]))
            continue
        total.stored += one.stored
        total.duplicates += one.duplicates
        total.tickets_created += one.tickets_created
        total.tickets_updated += one.tickets_updated
    return total


def _set_aside(account_id: int | None, rejected: list[Rejected]) -> None:
    for item in rejected:
        log.warning("account %s: set aside %s", account_id, item)
    quarantine(account_id, "ingest", rejected)
    db.session.commit()
