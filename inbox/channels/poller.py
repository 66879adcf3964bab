"""The poller: for each enabled account, fetch, queue, and only then move the cursor.

One account's failure is that account's status, never the others' problem: every account is
polled in its own try. Redis or the database being away is nobody's account's fault: the cycle
stops, the poller says so once, waits with a growing pause and picks up where it was (the cursors
did not move, so nothing is skipped; ingestion is idempotent, so nothing is doubled).
"""
from __future__ import annotations

import logging
import signal
import threading
from dataclasses import dataclass
from datetime import timedelta
from typing import Callable, Iterable

from flask import current_app
from redis.exceptions import RedisError
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, OperationalError

from ..connectors.base import (
    ConnectorError,
    InboundMessage,
    InvalidMessage,
    NeedsAttention,
    RateLimited,
    Rejected,
    check_message,
    connector_for,
)
from ..extensions import db
from ..jobqueue import enqueue
from ..leader import Leadership
from ..redis_client import get_redis
from ..security.outbound import current_allowlist
from ..timeutil import utcnow
from .conversations import StoredConversations
from .models import ChannelAccount
from .quarantine import quarantine
from .undelivered import mark_undelivered

log = logging.getLogger(__name__)

BATCH_SIZE = 200
ERROR_BACKOFF = timedelta(minutes=1)
# an account whose fetch raised something unexpected (a bug, a payload nobody foresaw) is retried later
CRASH_BACKOFF = timedelta(minutes=5)
# during an outage the next try is at most this far off: polling resumes within seconds of the return
OUTAGE_BACKOFF_MAX = 10.0


class QueueUnavailable(RuntimeError):
    """Redis refused the batch: the cursor stays, the poll is retried when Redis is back."""


@dataclass
class PollOutcome:
    account: str
    fetched: int = 0
    batches: int = 0
    rejected: int = 0
    error: str | None = None
    catching_up: str | None = None


def _chunks(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def due_accounts(force: bool = False) -> list[ChannelAccount]:
    now = utcnow()
    default_interval = current_app.config["POLL_INTERVAL_SECONDS"]
    accounts = []
    for account in db.session.scalars(select(ChannelAccount).where(ChannelAccount.enabled.is_(True)).order_by(ChannelAccount.id)):
        if account.status == "needs_attention":
            continue
        if account.backoff_until and account.backoff_until > now:
            continue
        try:
            connector = connector_for(account)
        except KeyError:
            log.warning("account %s uses unknown connector %r", account.name, account.connector)
            continue
        if connector.pushed or not connector.configured()[0]:
            continue  # a pushed network (LINE) sends its events to the webhook: nothing to poll
        interval = timedelta(seconds=account.poll_interval_seconds or default_interval)
        # an account catching up on a backlog is polled again at once
        if not force and account.status != "catching_up" and account.last_polled_at and account.last_polled_at + interval > now:
            continue
        accounts.append(account)
    return accounts


def validated(messages: list[InboundMessage], rejected: list[Rejected]) -> list[InboundMessage]:
    """What a connector returned, checked once more: one bad item never reaches a batch."""
    good = []
    for message in messages:
        try:
            good.append(check_message(message))
        except InvalidMessage as exc:
            rejected.append(Rejected(f"external id {str(message.external_id)[:200]!r}", str(exc),
                                     repr(message.to_payload())[:64_000]))
    return good


def enqueue_batches(account_id: int, messages: list[InboundMessage]) -> int:
    """Queue every batch or raise QueueUnavailable; the caller moves the cursor only after this returns."""
    batches = 0
    try:
        for chunk in _chunks(messages, BATCH_SIZE):
            enqueue("ingest_batch", account_id, [m.to_payload() for m in chunk],
                    description=f"ingest_batch(account={account_id}, messages={len(chunk)})")
            batches += 1
    except RedisError as exc:
        raise QueueUnavailable(f"Redis unavailable after {batches} of {-(-len(messages) // BATCH_SIZE)} batch(es): {exc}") from exc
    return batches


def poll_account(account: ChannelAccount) -> PollOutcome:
    outcome = PollOutcome(account.name)
    connector = connector_for(account, conversations=StoredConversations(account), allowlist=current_allowlist())
    try:
        result = connector.fetch(account.cursor)
    except RateLimited as exc:
        account.backoff_until, account.status, account.status_detail = exc.reset_at, "rate_limited", str(exc)
        outcome.error = f"rate limited until {exc.reset_at.isoformat()}"
    except NeedsAttention as exc:
        account.status, account.status_detail = "needs_attention", str(exc)
        outcome.error = f"needs attention: {exc}"
    except (ConnectorError, OSError) as exc:
        account.backoff_until, account.status, account.status_detail = utcnow() + ERROR_BACKOFF, "error", str(exc)[:2000]
        outcome.error = str(exc)
    else:
        messages = validated(result.messages, result.rejected)
        # Queue first, then save the cursor: a crash in between re-fetches, and ingestion is idempotent.
        outcome.batches = enqueue_batches(account.id, messages)
        outcome.fetched, outcome.rejected = len(messages), len(result.rejected)
        account.cursor = result.cursor
        account.backoff_until = None
        account.status, account.status_detail = ("catching_up", result.catching_up) if result.catching_up else ("ok", None)
        outcome.catching_up = result.catching_up
        if result.delivery_failures:
            mark_undelivered(account.id, result.delivery_failures)
        if result.rejected:  # the account's note about them is health.py's, until the pipeline page shows them
            quarantine(account.id, "fetch", result.rejected)
    if connector.config_updates:  # learned even when the fetch failed later (e.g. the brand's user id)
        account.config = {**account.config, **connector.config_updates}
    account.last_polled_at = utcnow()
    db.session.commit()
    if outcome.error:
        log.warning("account %s: %s", account.name, outcome.error)
    elif outcome.fetched or outcome.rejected:
        log.info("account %s: queued %d message(s) in %d batch(es), %d set aside", account.name, outcome.fetched,
                 outcome.batches, outcome.rejected)
    return outcome


def _record_crash(account_id: int, exc: Exception) -> str:
    """An unexpected exception is this account's error; the cycle goes on with the next account."""
    db.session.rollback()
    account = db.session.get(ChannelAccount, account_id)
    detail = f"polling failed unexpectedly ({type(exc).__name__}); retrying in {int(CRASH_BACKOFF.total_seconds() // 60)} min"
    if account is not None:
        account.status, account.status_detail = "error", detail
        account.backoff_until = utcnow() + CRASH_BACKOFF
        account.last_polled_at = utcnow()
        db.session.commit()
    return detail


def poll_once(force: bool = True, still_active: Callable[[], bool] | None = None) -> list[PollOutcome]:
    """Poll every due account. Redis or database outages propagate (they concern every account).
    `still_active` is asked before each account: a poller that lost its lease stops mid-cycle."""
    outcomes = []
    for account in due_accounts(force=force):
        if still_active is not None and not still_active():
            log.warning("poller: no longer the active poller; leaving the rest of this cycle to the new one")
            break
        account_id, name = account.id, account.name
        try:
            outcomes.append(poll_account(account))
        except QueueUnavailable:
            db.session.rollback()
            raise
        except (OperationalError, DBAPIError) as exc:
            if getattr(exc, "connection_invalidated", False) or isinstance(exc, OperationalError):
                db.session.rollback()
                raise
            log.exception("account %s: polling failed", name)
            outcomes.append(PollOutcome(name, error=_record_crash(account_id, exc)))
        except Exception as exc:  # one account's surprise never stops the others
            log.exception("account %s: polling failed", name)
            outcomes.append(PollOutcome(name, error=_record_crash(account_id, exc)))
    return outcomes


def run_poller(tick_seconds: float = 5.0) -> None:
    """Poll until SIGINT/SIGTERM; each account on its own interval; outages are waited out.

    Any number of pollers may run on any hosts: only the one holding the "poller" lease polls
    (two pollers would fetch the same pages and race on the cursors); the others stand by and one
    of them takes over within LEASE_SECONDS of the active one's death.
    """
    stop = threading.Event()

    def _stop(signum: int, _frame: object) -> None:
        log.info("poller stopping (signal %d)", signum)
        stop.set()

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    lease = Leadership(get_redis(), "poller").start()
    log.info("poller started (%s)", lease.holder)
    try:
        _poll_while_active(stop, lease, tick_seconds)
    finally:
        lease.stop()


def _poll_while_active(stop: threading.Event, lease: Leadership, tick_seconds: float) -> None:
    pause = tick_seconds
    outage: str | None = None
    while not stop.is_set():
        if not lease.held:
            # standing by: wake as soon as the lease is ours, or to notice a stop
            lease.wait_until_held(min(tick_seconds, 1.0))
            continue
        try:
            poll_once(force=False, still_active=lambda: lease.held and not stop.is_set())
            if outage:
                log.info("poller: %s is back; polling resumed", outage)
            outage, pause = None, tick_seconds
        except (QueueUnavailable, RedisError, OperationalError, DBAPIError) as exc:
            db.session.rollback()
            what = "Redis" if isinstance(exc, (QueueUnavailable, RedisError)) else "the database"
            if outage != what:
                log.error("poller: %s is unavailable (%s); cursors stay where they are, retrying", what, str(exc).splitlines()[0][:300])
            else:
                log.warning("poller: %s still unavailable; next try in %.0f s", what, pause)
            outage = what
            pause = min(max(pause * 2, tick_seconds), OUTAGE_BACKOFF_MAX)
        except Exception:  # a bug must not end the poller either
            db.session.rollback()
            log.exception("poll cycle failed")
        db.session.remove()
        stop.wait(pause)
