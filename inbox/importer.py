"""`inbox import`: a JSONL file into an account, through the same queue as polling."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .channels import account_by_name, get_or_create_account
from .connectors.jsonl import read_messages
from .poller import BATCH_SIZE
from .queue import enqueue_ingest


class ImportError_(ValueError):
    """A problem with the whole import (not one line)."""


@dataclass
class ImportReport:
    queued: int = 0
    batches: int = 0
    errors: list[str] = field(default_factory=list)


def import_jsonl(path: Path, account_name: str, channel: str | None) -> ImportReport:
    if not path.is_file():
        raise ImportError_(f"{path}: no such file")
    account = account_by_name(account_name)
    if account is None:
        if channel is None:
            raise ImportError_(f"unknown account {account_name!r}; pass --channel to create it")
        # no path: an import-only account is never polled
        account, _ = get_or_create_account(account_name, "jsonl", channel, {})
    report = ImportReport()
    batch: list[dict] = []

    def flush() -> None:
        if batch:
            enqueue_ingest(account.id, list(batch))
            report.queued += len(batch)
            report.batches += 1
            batch.clear()

    try:
        for parsed in read_messages(path):
            if parsed.error:
                report.errors.append(f"line {parsed.line_number}: {parsed.error}")
            elif parsed.message is not None:
                batch.append(parsed.message.to_payload())
                if len(batch) >= BATCH_SIZE:
                    flush()
    except OSError as exc:
        raise ImportError_(f"{path}: {exc.strerror or exc}") from None
    flush()
    return report
