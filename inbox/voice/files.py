"""Export files kept in the database, so that any web host serves what any worker wrote.

No export lives on a local disk: the worker that wrote a week and the web host a lead's download
lands on are usually different machines. A week's files are replaced in one transaction (a reader
sees the old set or the new one), each file is capped in size (INBOX_EXPORT_MAX_MB) and files older
than INBOX_EXPORT_RETENTION_DAYS are purged by a daily job (exports hold customers' words).
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Integer, LargeBinary, String, delete, select
from sqlalchemy.orm import Mapped, deferred, mapped_column

from ..extensions import db
from ..timeutil import UtcDateTime, utcnow

log = logging.getLogger(__name__)

# the files of one week's export (inbox-2026-W47-messages.csv …)
KINDS = ("messages", "summary", "themes")
FILE_NAME = re.compile(r"^inbox-(\d{4}-W\d{2})-(messages|summary|themes)\.csv$")


class ExportTooLarge(ValueError):
    """A file above the cap: the week's previous files stay, the job fails with this message."""


class StoredExport(db.Model):
    __tablename__ = "export_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    week: Mapped[str] = mapped_column(String(8), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)


@dataclass(frozen=True)
class ExportFile:
    name: str
    kind: str
    size: int
    modified_at: datetime


@dataclass
class WeekExport:
    week: str
    files: dict[str, ExportFile] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return all(kind in self.files for kind in KINDS)


def store_files(paths: list[Path], max_bytes: int) -> list[str]:
    """Put freshly written export files in the database, replacing same-named ones; commits."""
    for path in paths:
        if not FILE_NAME.match(path.name):
            raise ValueError(f"not an export file name: {path.name!r}")
        size = path.stat().st_size
        if size > max_bytes:
            raise ExportTooLarge(f"{path.name} is {size / 1048576:.1f} MB, above INBOX_EXPORT_MAX_MB "
                                 f"({max_bytes / 1048576:.0f} MB); raise it, or write the week to a folder with "
                                 f"`inbox export weekly --out DIR`")
    names = [path.name for path in paths]
    try:
        db.session.execute(delete(StoredExport).where(StoredExport.name.in_(names)))
        for path in paths:
            week, kind = FILE_NAME.match(path.name).groups()  # type: ignore[union-attr]
            content = path.read_bytes()
            db.session.add(StoredExport(name=path.name, week=week, kind=kind, size=len(content), content=content))
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return names


def list_exports() -> list[WeekExport]:
    """Weeks with at least one stored file, newest first (the files' content is not loaded)."""
    weeks: dict[str, WeekExport] = {}
    rows = db.session.execute(select(StoredExport.name, StoredExport.week, StoredExport.kind, StoredExport.size,
                                     StoredExport.created_at))
    for name, week, kind, size, created_at in rows:
        weeks.setdefault(week, WeekExport(week)).files[kind] = ExportFile(name, kind, size, created_at)
    return sorted(weeks.values(), key=lambda w: w.week, reverse=True)


def stored_export(name: str) -> StoredExport | None:
    """The file a download may serve: only our own names, looked up exactly."""
    if not FILE_NAME.match(name):
        return None
    return db.session.scalar(select(StoredExport).where(StoredExport.name == name))


def has_export(name: str) -> bool:
    return db.session.scalar(select(StoredExport.id).where(StoredExport.name == name)) is not None


def purge_exports_before(cutoff: datetime) -> int:
    """Delete files written before `cutoff`; returns how many went."""
    result = db.session.execute(delete(StoredExport).where(StoredExport.created_at < cutoff))
    db.session.commit()
    return result.rowcount or 0


def export_retention_days(export_days: int, personal_data_days: int) -> int:
    """Pure: exports hold customers' words, so they never outlive the personal-data retention
    (INBOX_RETENTION_DAYS) when one is set; 0 means keep."""
    kept = [days for days in (export_days, personal_data_days) if days > 0]
    return min(kept) if kept else 0


def purge_expired_exports(retention_days: int, now: datetime | None = None) -> int:
    """The retention rule: 0 keeps every export."""
    if retention_days <= 0:
        return 0
    purged = purge_exports_before((now or utcnow()) - timedelta(days=retention_days))
    if purged:
        log.info("purged %d export file(s) older than %d days", purged, retention_days)
    return purged
