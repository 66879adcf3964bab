"""Reading the audit log: newest first, filtered, in keyset pages."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from typing import Mapping

from sqlalchemy import ColumnElement, or_, select

from ..extensions import db
from ..security.params import check_date, parse_id
from . import ACTIONS
from .models import AuditEntry

PAGE_SIZE = 100
MAX_TEXT = 100


@dataclass(frozen=True)
class AuditFilter:
    action: str | None = None
    actor_id: int | None = None
    text: str = ""
    start: date | None = None
    end: date | None = None
    args: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> "AuditFilter":
        """What can be used; a date out of range is a 400 (BadParameter), anything else unknown is ignored."""
        accepted: list[tuple[str, str]] = []
        action = (args.get("action") or "").strip()
        action = action if action in ACTIONS else None
        if action:
            accepted.append(("action", action))
        actor_id = parse_id(args.get("actor"))
        if actor_id:
            accepted.append(("actor", str(actor_id)))
        text = " ".join((args.get("q") or "").split())[:MAX_TEXT]
        if text:
            accepted.append(("q", text))
        days: dict[str, date | None] = {}
        for name in ("from", "to"):
            raw = (args.get(name) or "").strip()
            try:
                days[name] = check_date(date.fromisoformat(raw), name) if raw else None
            except ValueError:
                days[name] = None
            if days[name]:
                accepted.append((name, raw))
        return cls(action, actor_id, text, days["from"], days["to"], tuple(accepted))

    def conditions(self, zone: tzinfo) -> list[ColumnElement[bool]]:
        where: list[ColumnElement[bool]] = []
        if self.action:
            where.append(AuditEntry.action == self.action)
        if self.actor_id:
            where.append(AuditEntry.actor_id == self.actor_id)
        if self.text:
            like = "%" + self.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            where.append(or_(AuditEntry.actor_label.ilike(like, escape="\\"), AuditEntry.target_label.ilike(like, escape="\\"),
                             AuditEntry.address.ilike(like, escape="\\"), AuditEntry.target_id == self.text))
        if self.start:
            where.append(AuditEntry.at >= _midnight(self.start, zone))
        if self.end:
            where.append(AuditEntry.at < _midnight(self.end + timedelta(days=1), zone))
        return where


def _midnight(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(timezone.utc)


def audit_page(filters: AuditFilter, zone: tzinfo, before: int | None = None,
               limit: int = PAGE_SIZE) -> tuple[list[AuditEntry], int | None]:
    """One page of entries (newest first) and the id to continue before, if there are more."""
    query = select(AuditEntry).where(*filters.conditions(zone))
    if before:
        query = query.where(AuditEntry.id < before)
    rows = list(db.session.scalars(query.order_by(AuditEntry.id.desc()).limit(limit + 1)))
    if len(rows) > limit:
        return rows[:limit], rows[limit - 1].id
    return rows, None
