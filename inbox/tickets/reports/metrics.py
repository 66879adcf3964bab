"""Team metrics as SQL aggregates over the stored per-ticket outcomes (sla_outcomes), so the dashboard
costs the same at a hundred tickets as at a million.

- FRT: opened → first reply the customer got; next-response time: customer message → the reply they
  got; TTR: opened → (last) resolution (TTR = sum of resolution times ÷ resolved tickets). Each as
  wall-clock and business-hours time (the ticket's calendar), averaged over the tickets/clocks that
  have one.
- SLA compliance: met ÷ (met + missed) over every target clock that has an outcome; a clock still
  running past its due time counts as missed (at `now`), one within it does not count yet; a ticket
  resolved without any reply counts its first response as missed.
A ticket belongs to the day and ISO week (workspace time zone) in which it was opened.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, case, func, select, tuple_
from sqlalchemy.sql.elements import ColumnElement

from ...extensions import db
from ...timeutil import UtcDateTime
from ..sla.models import SlaOutcome

GROUPS = ("channel", "assignee", "week", "day")


@dataclass(frozen=True)
class Aggregate:
    tickets: int = 0
    resolved: int = 0
    answered: int = 0
    frt_seconds: float = 0.0
    frt_business_seconds: float = 0.0
    nrt_count: int = 0
    nrt_seconds: float = 0.0
    nrt_business_seconds: float = 0.0
    ttr_seconds: float = 0.0
    ttr_business_seconds: float = 0.0
    met: int = 0
    missed: int = 0

    @staticmethod
    def _mean(total: float, count: int) -> timedelta | None:
        return None if not count else timedelta(seconds=total / count)

    def frt_mean(self, business: bool = False) -> timedelta | None:
        return self._mean(self.frt_business_seconds if business else self.frt_seconds, self.answered)

    def nrt_mean(self, business: bool = False) -> timedelta | None:
        return self._mean(self.nrt_business_seconds if business else self.nrt_seconds, self.nrt_count)

    def ttr_mean(self, business: bool = False) -> timedelta | None:
        return self._mean(self.ttr_business_seconds if business else self.ttr_seconds, self.resolved)

    @property
    def compliance(self) -> float | None:
        counted = self.met + self.missed
        return None if counted == 0 else 100.0 * self.met / counted


@dataclass(frozen=True)
class Report:
    total: Aggregate
    by_channel: dict[str, Aggregate] = field(default_factory=dict)
    by_assignee: dict[int | None, Aggregate] = field(default_factory=dict)
    by_week: dict[str, Aggregate] = field(default_factory=dict)
    by_day: dict[date, Aggregate] = field(default_factory=dict)


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return case((condition, 1), else_=0)


def met_and_missed(now: datetime) -> tuple[ColumnElement[int], ColumnElement[int]]:
    """Per outcome row: how many of its clocks met their target, and how many missed it (as of `now`)."""
    o = SlaOutcome
    at = bindparam("metrics_now", now, type_=UtcDateTime)

    def overdue(state: Any, due: Any) -> ColumnElement[bool]:
        return and_(state == "running", due.is_not(None), due <= at)

    met = _flag(o.first_response_state == "met") + o.next_response_met + _flag(o.resolution_state == "met")
    missed = (_flag((o.first_response_state == "missed") | overdue(o.first_response_state, o.first_response_due_at))
              + o.next_response_missed + _flag(overdue(o.next_response_state, o.next_response_due_at))
              + _flag((o.resolution_state == "missed") | overdue(o.resolution_state, o.resolution_due_at)))
    return met, missed


def _measures(now: datetime) -> list[ColumnElement[Any]]:
    o = SlaOutcome
    met, missed = met_and_missed(now)
    return [
        func.count().label("tickets"),
        func.count(o.resolved_at).label("resolved"),
        func.count(o.frt_seconds).label("answered"),
        func.coalesce(func.sum(o.frt_seconds), 0.0).label("frt_seconds"),
        func.coalesce(func.sum(o.frt_business_seconds), 0.0).label("frt_business_seconds"),
        func.coalesce(func.sum(o.next_response_answered), 0).label("nrt_count"),
        func.coalesce(func.sum(o.nrt_seconds), 0.0).label("nrt_seconds"),
        func.coalesce(func.sum(o.nrt_business_seconds), 0.0).label("nrt_business_seconds"),
        func.coalesce(func.sum(o.ttr_seconds), 0.0).label("ttr_seconds"),
        func.coalesce(func.sum(o.ttr_business_seconds), 0.0).label("ttr_business_seconds"),
        func.coalesce(func.sum(met), 0).label("met"),
        func.coalesce(func.sum(missed), 0).label("missed"),
    ]


def _aggregate(row: Any) -> Aggregate:
    return Aggregate(int(row.tickets), int(row.resolved), int(row.answered), float(row.frt_seconds), float(row.frt_business_seconds),
                     int(row.nrt_count), float(row.nrt_seconds), float(row.nrt_business_seconds), float(row.ttr_seconds),
                     float(row.ttr_business_seconds), int(row.met), int(row.missed))


def _keys() -> dict[str, ColumnElement[Any]]:
    o = SlaOutcome
    return {"channel": o.channel, "assignee": o.assignee_id, "week": o.opened_week, "day": o.opened_day}


def report(start: datetime, end: datetime, now: datetime) -> Report:
    """Tickets opened in [start, end): the totals and each grouping, in one pass on PostgreSQL."""
    o = SlaOutcome
    where = and_(o.opened_at >= bindparam("start", start, type_=UtcDateTime), o.opened_at < bindparam("end", end, type_=UtcDateTime))
    keys = _keys()
    groups: dict[str, dict] = {name: {} for name in GROUPS}
    if db.session.get_bind().dialect.name == "postgresql":
        markers = [func.grouping(column).label(f"g_{name}") for name, column in keys.items()]
        query = (select(*[c.label(f"k_{n}") for n, c in keys.items()], *markers, *_measures(now)).where(where)
                 .group_by(func.grouping_sets(tuple_(), *[tuple_(c) for c in keys.values()])))
        total = Aggregate()
        for row in db.session.execute(query):
            mapping = row._mapping
            live = [name for name in keys if mapping[f"g_{name}"] == 0]
            if not live:
                total = _aggregate(row)
            else:
                groups[live[0]][mapping[f"k_{live[0]}"]] = _aggregate(row)
    else:
        total = _aggregate(db.session.execute(select(*_measures(now)).where(where)).one())
        for name, column in keys.items():
            for row in db.session.execute(select(column.label("key"), *_measures(now)).where(where).group_by(column)):
                groups[name][row.key] = _aggregate(row)
    return Report(
        total,
        dict(sorted(groups["channel"].items(), key=lambda kv: str(kv[0]))),
        groups["assignee"],
        dict(sorted(groups["week"].items())),
        dict(sorted(groups["day"].items())),
    )

