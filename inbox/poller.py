"""The poller: for each enabled account, fetch, queue, and only then move the cursor."""
from __future__ import annotations

import logging
import signal
import threading
from dataclasses import dataclass
from datetime import timedelta
from typing import Iterable

from flask import current_app
from sqlalchemy import select

from .channels import ChannelAccount
from .connectors.base import ConnectorError, NeedsAttention, RateLimited, connector_class
from .extensions import db
from .queue import enqueue_ingest
from .timeutil import utcnow

log = logging.getLogger(__name__)

BATCH_SIZE = 200
ERROR_BACKOFF = timedelta(minutes=1)


@dataclass
class PollOutcome:
    account: str
    fetched: int = 0
    batches: int = 0
    rejected: int = 0
    error: str | None = None


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
            ready, _why = connector_class(account.connector)(account.config, account.name).configured()
        except KeyError:
            log.warning("account %s uses unknown connector %r", account.name, account.connector)
            continue
        if not ready:
            continue
        interval = timedelta(seconds=account.poll_interval_seconds or default_interval)
        if not force and account.last_polled_at and account.last_polled_at + interval > now:
            continue
        accounts.append(account)
    return accounts


def poll_account(account: ChannelAccount) -> PollOutcome:
    outcome = PollOutcome(account.name)
    connector = connector_class(account.connector)(account.config, account.name)
    try:
        result = connector.fetch(account.cursor)
    except RateLimited as exc:
        account.backoff_until, account.status, account.status_detail = exc.reset_at, "rate_limited", str(exc)
        outcome.error = f"rate limited until {exc.reset_at.isoformat()}"
    except NeedsAttention as exc:
        account.status, account.status_detail = "needs_attention", str(exc)
        outcome.error = f"needs attention: {exc}"
    except (ConnectorError, OSError) as exc:
        account.backoff_until, account.status_detail = utcnow() + ERROR_BACKOFF, str(exc)
        outcome.error = str(exc)
    else:
        # Queue first, then save the cursor: a crash in between re-fetches, and ingestion is idempotent.
        for chunk in _chunks(result.messages, BATCH_SIZE):
            enqueue_ingest(account.id, [m.to_payload() for m in chunk])
            outcome.batches += 1
        outcome.fetched, outcome.rejected = len(result.messages), len(result.rejected)
        account.cursor = result.cursor
        account.status, account.status_detail, account.backoff_until = "ok", None, None
        if result.rejected:
            account.status_detail = f"{len(result.rejected)} malformed item(s) skipped; last: {result.rejected[-1][:300]}"
    if connector.config_updates:  # learned even when the fetch failed later (e.g. the brand's user id)
        account.config = {**account.config, **connector.config_updates}
    account.last_polled_at = utcnow()
    db.session.commit()
    if outcome.error:
        log.warning("account %s: %s", account.name, outcome.error)
    elif outcome.fetched:
        log.info("account %s: queued %d message(s) in %d batch(es)", account.name, outcome.fetched, outcome.batches)
    return outcome


def poll_once(force: bool = True) -> list[PollOutcome]:
    return [poll_account(account) for account in due_accounts(force=force)]


def run_poller(tick_seconds: float = 5.0) -> None:
    """Poll until SIGINT/SIGTERM; each account on its own interval."""
    stop = threading.Event()

    def _stop(signum: int, _frame: object) -> None:
        log.info("poller stopping (signal %d)", signum)
        stop.set()

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    log.info("poller started")
    while not stop.is_set():
        try:
            poll_once(force=False)
        except Exception:  # a broken account or a Redis blip must not end the poller
            db.session.rollback()
            log.exception("poll cycle failed")
        db.session.remove()
        stop.wait(tick_seconds)
