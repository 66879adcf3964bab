"""`inbox import`: a JSONL file into an account, through the same queue as polling.

Nothing is reported as queued unless Redis took it: when Redis goes away mid-file the import stops,
says which lines were queued and which were not, and exits non-zero. Running the same command again
is safe, since messages already stored are recognised by their external id.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from redis.exceptions import RedisError

from ..connectors.base import Rejected
from ..connectors.jsonl import read_messages
from ..extensions import db
from ..jobqueue import enqueue
from .models import account_by_name, get_or_create_account
from .poller import BATCH_SIZE
from .quarantine import quarantine

log = logging.getLogger(__name__)

ENQUEUE_ATTEMPTS = 4  # about 7 s of waiting (1 + 2 + 4) before giving up on Redis


class ImportError_(ValueError):
    """A problem with the whole import (not one line)."""


@dataclass
class ImportReport:
    queued: int = 0
    batches: int = 0
    errors: list[str] = field(default_factory=list)
    last_queued_line: int = 0
    # set when Redis refused a batch: the first line that was not queued, and why
    stopped_at_line: int | None = None
    stopped_because: str | None = None

    @property
    def complete(self) -> bool:
        return self.stopped_at_line is None


def _enqueue_with_patience(account_id: int, payloads: list[dict]) -> None:
    delay = 1.0
    for attempt in range(1, ENQUEUE_ATTEMPTS + 1):
        try:
            enqueue("ingest_batch", account_id, payloads,
                    description=f"ingest_batch(account={account_id}, messages={len(payloads)}, import)")
            return
        except RedisError:
            if attempt == ENQUEUE_ATTEMPTS:
                raise
            log.warning("Redis refused an import batch (attempt %d); retrying in %.0f s", attempt, delay)
            time.sleep(delay)
            delay *= 2


def import_jsonl(path: Path, account_name: str, channel: str | None) -> ImportReport:
    if not path.is_file():
        raise ImportError_(f"{path}: no such file")
    account = account_by_name(account_name)
    if account is None:
        if channel is None:
            raise ImportError_(f"unknown account {account_name!r}; pass --channel to create it")
        # no path: an import-only account is never polled
        account, _ = get_or_create_account(account_name, "jsonl", channel, {})
    account_id = account.id
    report = ImportReport()
    batch: list[dict] = []
    first_line_in_batch = 0
    rejected: list[Rejected] = []

    def flush(through_line: int) -> bool:
        nonlocal first_line_in_batch
        if not batch:
            return True
        try:
            _enqueue_with_patience(account_id, list(batch))
        except RedisError as exc:
            report.stopped_at_line, report.stopped_because = first_line_in_batch, f"Redis unavailable ({exc})"
            return False
        report.queued += len(batch)
        report.batches += 1
        report.last_queued_line = through_line
        batch.clear()
        return True

    line_number = 0
    try:
        for parsed in read_messages(path):
            line_number = parsed.line_number
            if parsed.error:
                report.errors.append(f"line {parsed.line_number}: {parsed.error}")
                rejected.append(parsed.rejected(path.name))
            elif parsed.message is not None:
                if not batch:
                    first_line_in_batch = parsed.line_number
                batch.append(parsed.message.to_payload())
                if len(batch) >= BATCH_SIZE and not flush(parsed.line_number):
                    break
    except OSError as exc:
        raise ImportError_(f"{path}: {exc.strerror or exc}") from None
    if report.complete:
        flush(line_number)
    if rejected:
        quarantine(account_id, "import", rejected)
        db.session.commit()
    return report
