"""`inbox import FILE.mbox|MAILDIR --channel email`: an existing mailbox through the same pipeline.

The same rules as IMAP polling (threading, bounces and auto-replies set aside, attachments kept)
and the same guarantees as the JSONL import: nothing is reported as queued unless Redis took it,
and running the command again skips what is already stored (by Message-ID).
"""
from __future__ import annotations

from pathlib import Path

from redis.exceptions import RedisError

from ..connectors.base import DeliveryFailure, Rejected
from ..connectors.email.mailbox import MailboxUnreadable, messages_in
from ..connectors.email.messages import read_email
from ..connectors.email.threads import ThreadRule
from ..extensions import db
from ..timeutil import utcnow
from .conversations import StoredConversations
from .importer import ImportError_, ImportReport, _enqueue_with_patience
from .models import account_by_name, get_or_create_account
from .poller import BATCH_SIZE
from .quarantine import quarantine
from .undelivered import mark_undelivered

DEFAULT_ACCOUNT = "Imported email"


def import_mailbox(path: Path, account_name: str | None) -> ImportReport:
    name = account_name or DEFAULT_ACCOUNT
    account = account_by_name(name)
    if account is None:
        # no server settings: an import-only account, never polled, whose replies cannot be sent
        account, _ = get_or_create_account(name, "email", "email", {})
    elif account.connector != "email":
        raise ImportError_(f"account {name!r} is a {account.connector} account, not an email account")
    account_id = account.id
    own = str(account.config.get("address") or "")
    rule = ThreadRule(StoredConversations(account))
    report = ImportReport()
    batch: list[dict] = []
    rejected: list[Rejected] = []
    failures: list[DeliveryFailure] = []
    number = 0
    try:
        for number, (reference, raw) in enumerate(messages_in(path), start=1):
            outcome = read_email(raw, reference, rule, own, utcnow())
            if outcome.rejected is not None:
                rejected.append(outcome.rejected)
                report.errors.append(f"{reference}: {outcome.rejected.reason}")
            if outcome.bounce is not None:
                failures.append(DeliveryFailure(outcome.bounce.message_id, f"bounced: {outcome.bounce.reason}"))
            if outcome.message is None:
                continue
            batch.append(outcome.message.to_payload())
            if len(batch) >= BATCH_SIZE and not _flush(account_id, batch, report, number):
                break
    except (MailboxUnreadable, OSError) as exc:
        raise ImportError_(str(exc)) from None
    if report.complete:
        _flush(account_id, batch, report, number)
    if rejected:
        quarantine(account_id, "import", rejected)
    if failures:
        mark_undelivered(account_id, failures)
    db.session.commit()
    return report


def _flush(account_id: int, batch: list[dict], report: ImportReport, through: int) -> bool:
    if not batch:
        return True
    try:
        _enqueue_with_patience(account_id, list(batch))
    except RedisError as exc:
        report.stopped_at_line, report.stopped_because = through - len(batch) + 1, f"Redis unavailable ({exc})"
        return False
    report.queued += len(batch)
    report.batches += 1
    report.last_queued_line = through
    batch.clear()
    return True
