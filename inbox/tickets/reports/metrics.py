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

At a million tickets the rows are not read one by one: `report` adds up their per-day totals (sla.daily),
which the SLA writer keeps equal to the rows; `report_direct` reads the rows, for the tests that hold
the two equal.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import and_, bindparam, func, literal, select, tuple_
from sqlalchemy.sql.elements import ColumnElement

from ...extensions import db
from ...timeutil import UtcDateTime
from ..sla import daily
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


def met_and_missed(now: datetime) -> tuple[ColumnElement[int], ColumnElement[int]]:
    """Per outcome row: how many of its clocks met their target, and how many missed it (as of `now`)."""
    return daily.met_clocks(), daily.stopped_missed() + daily.overdue(now)


def _measures(now: datetime) -> list[ColumnElement[Any]]:
    """Over outcome rows: the clock-independent sums, with the clocks overdue at `now` added to the missed."""
    return daily.row_sums(also_missed=daily.overdue(now))


def _aggregate(row: Any) -> Aggregate:
    return Aggregate(int(row.tickets), int(row.resolved), int(row.answered), float(row.frt_seconds), float(row.frt_business_seconds),
                     int(row.nrt_count), float(row.nrt_seconds), float(row.nrt_business_seconds), float(row.ttr_seconds),
                     float(row.ttr_business_seconds), int(row.met), int(row.missed))


def _keys(source: Any = SlaOutcome) -> dict[str, ColumnElement[Any]]:
    return {"channel": source.channel, "assignee": source.assignee_id, "week": source.opened_week, "day": source.opened_day}


def report(start: datetime, end: datetime, now: datetime) -> Report:
    """Tickets opened in [start, end): the totals and each grouping, from the per-day totals (sla.daily).

    Three parts, each ticket counted in exactly one of the first two: the days' totals wholly inside the
    range; the rows of a day whose totals the range cuts through (only when the range does not follow
    the days the rows were written with, e.g. after the workspace's time zone changed); and, for every
    row in the range with a running clock, the clocks overdue at `now`."""
    o, t = SlaOutcome, daily.SlaDailyTotal
    lo, hi = bindparam("start", start, type_=UtcDateTime), bindparam("end", end, type_=UtcDateTime)
    # a row's opening day (in any time zone) is within a day of its UTC date
    first_day, last_day = start.astimezone(timezone.utc).date() - timedelta(days=1), end.astimezone(timezone.utc).date() + timedelta(days=1)
    edges = {edge.astimezone(timezone.utc).date() + timedelta(days=d) for edge in (start, end) for d in (-1, 0, 1)}
    cut = set(db.session.scalars(select(t.opened_day).where(
        t.opened_day.in_(sorted(edges)),
        ((t.first_opened_at < lo) & (t.last_opened_at >= lo)) | ((t.first_opened_at < hi) & (t.last_opened_at >= hi))).distinct()))
    inside = [t.opened_day.between(first_day, last_day), t.first_opened_at >= lo, t.last_opened_at < hi]
    if cut:
        inside.append(t.opened_day.not_in(sorted(cut)))
    parts = [_grouped(_keys(t), [func.coalesce(func.sum(getattr(t, m)), 0).label(m) for m in daily.MEASURES], and_(*inside))]
    in_range = and_(o.opened_at >= lo, o.opened_at < hi)
    if cut:
        parts.append(_grouped(_keys(o), daily.row_sums(), and_(o.opened_day.in_(sorted(cut)), in_range)))
    zeros = [literal(0).label(m) for m in daily.MEASURES[:-1]]
    parts.append(_grouped(_keys(o), [*zeros, func.coalesce(func.sum(daily.overdue(now)), 0).label("missed")],
                          and_(daily.running(), in_range)))
    return _sum_reports(parts)


def _sum_reports(parts: list[Report]) -> Report:
    """Reports of disjoint parts of the same tickets, added up group by group."""
    def added(aggregates: list[Aggregate]) -> Aggregate:
        return Aggregate(*(sum(getattr(a, f.name) for a in aggregates) for f in fields(Aggregate)))

    def merged(name: str) -> dict:
        keys: dict = {}
        for part in parts:
            for key in getattr(part, name):
                keys.setdefault(key, None)
        # a group present only in the running part (all its tickets' other measures are zero) still counts
        return {key: added([getattr(part, name)[key] for part in parts if key in getattr(part, name)]) for key in keys}

    by_channel, by_week, by_day = merged("by_channel"), merged("by_week"), merged("by_day")
    return Report(added([part.total for part in parts]), dict(sorted(by_channel.items(), key=lambda kv: str(kv[0]))),
                  _by_assignee(merged("by_assignee")), dict(sorted(by_week.items())), dict(sorted(by_day.items())))


def _by_assignee(groups: dict[int | None, Aggregate]) -> dict[int | None, Aggregate]:
    """Agents in id order, nobody last: the same order however the groups were read."""
    return dict(sorted(groups.items(), key=lambda kv: (kv[0] is None, kv[0] or 0)))


def report_direct(start: datetime, end: datetime, now: datetime) -> Report:
    """The same report read from every outcome row in the range: what `report` must always equal."""
    o = SlaOutcome
    where = and_(o.opened_at >= bindparam("start", start, type_=UtcDateTime), o.opened_at < bindparam("end", end, type_=UtcDateTime))
    return _grouped(_keys(o), _measures(now), where)


def _grouped(keys: dict[str, ColumnElement[Any]], measures: list[ColumnElement[Any]], where: ColumnElement[bool] | None) -> Report:
    """The totals and each grouping (`keys`) of `measures`, in one pass on PostgreSQL."""
    groups: dict[str, dict] = {name: {} for name in GROUPS}

    def narrowed(query: Any) -> Any:
        return query if where is None else query.where(where)

    if db.session.get_bind().dialect.name == "postgresql":
        markers = [func.grouping(column).label(f"g_{name}") for name, column in keys.items()]
        query = narrowed(select(*[c.label(f"k_{n}") for n, c in keys.items()], *markers, *measures)
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
        total = _aggregate(db.session.execute(narrowed(select(*measures))).one())
        for name, column in keys.items():
            for row in db.session.execute(narrowed(select(column.label("key"), *measures).group_by(column))):
                groups[name][row.key] = _aggregate(row)
    return Report(
        total,
        dict(sorted(groups["channel"].items(), key=lambda kv: str(kv[0]))),
        _by_assignee(groups["assignee"]),
        dict(sorted(groups["week"].items())),
        dict(sorted(groups["day"].items())),
    )
