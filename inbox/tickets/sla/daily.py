"""The outcome rows summed per opening day, channel and assignee (sla_daily_totals), kept by the SLA writer.

Why: the dashboard over 26 weeks would otherwise read every ticket opened in them. What a day's
totals hold is what cannot change with the clock: counts, summed times, clocks met and clocks missed
once stopped. A clock still running past its due time counts as missed too, but only from that
moment on, so it is never summed ahead: readers add `overdue(now)` over the running rows.

How they stay equal to the rows: the totals of a day are not patched but recounted from the outcome
rows of that day, in the transaction that changed them, just before it commits (`recount_days`,
called through tickets.hooks with the days `days_written` noted at each flush). On PostgreSQL a
transaction lock per day orders the recounts of concurrent writers: the one that commits last counted
after the others had committed. SQLite has a single writer anyway.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Iterable

from sqlalchemy import and_, bindparam, case, delete, func, insert, inspect, literal, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from ...timeutil import UtcDateTime
from .models import SlaDailyTotal, SlaOutcome

# pg_advisory_xact_lock(key1, key2): this number, and the day's ordinal
LOCK_SPACE = 0x5AD1
_CHUNK = 200
MEASURES = ("tickets", "resolved", "answered", "frt_seconds", "frt_business_seconds", "nrt_count", "nrt_seconds",
            "nrt_business_seconds", "ttr_seconds", "ttr_business_seconds", "met", "missed")
KEYS = ("opened_day", "opened_week", "channel", "assignee_id")


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return case((condition, 1), else_=0)


def met_clocks(o: Any = SlaOutcome) -> ColumnElement[int]:
    """Per outcome row: how many of its clocks met their target."""
    return _flag(o.first_response_state == "met") + o.next_response_met + _flag(o.resolution_state == "met")


def stopped_missed(o: Any = SlaOutcome) -> ColumnElement[int]:
    """Per outcome row: how many of its clocks stopped (or were closed) after missing their target."""
    return _flag(o.first_response_state == "missed") + o.next_response_missed + _flag(o.resolution_state == "missed")


def overdue(now: datetime, o: Any = SlaOutcome) -> ColumnElement[int]:
    """Per outcome row: how many of its clocks are still running past their due time at `now` (missed, as read)."""
    at = bindparam("metrics_now", now, type_=UtcDateTime)

    def late(state: Any, due: Any) -> ColumnElement[int]:
        return _flag(and_(state == "running", due.is_not(None), due <= at))

    return (late(o.first_response_state, o.first_response_due_at) + late(o.next_response_state, o.next_response_due_at)
            + late(o.resolution_state, o.resolution_due_at))


def running(o: Any = SlaOutcome) -> ColumnElement[bool]:
    """The rows `overdue` can count: exactly the predicate of the partial index ix_sla_outcomes_running."""
    return (o.first_response_state == "running") | (o.next_response_state == "running") | (o.resolution_state == "running")


def row_sums(o: Any = SlaOutcome, also_missed: ColumnElement[int] | None = None) -> list[ColumnElement[Any]]:
    """The summed measures (MEASURES, in order) over a set of outcome rows: the clock-independent part,
    plus `also_missed` per row in the missed."""
    missed = stopped_missed(o) if also_missed is None else stopped_missed(o) + also_missed
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
        func.coalesce(func.sum(met_clocks(o)), 0).label("met"),
        func.coalesce(func.sum(missed), 0).label("missed"),
    ]


def _totals_of(days: list[date] | None) -> Any:
    o = SlaOutcome
    keys = [o.opened_day, o.opened_week, o.channel, o.assignee_id]
    query = select(*keys, func.min(o.opened_at), func.max(o.opened_at), *row_sums(o)).group_by(*keys)
    if days is not None:
        query = query.where(o.opened_day.in_(days))
    columns = [*KEYS, "first_opened_at", "last_opened_at", *MEASURES]
    return insert(SlaDailyTotal).from_select(columns, query)


def recount(connection: Connection, days: Iterable[date]) -> None:
    """The totals of these days, counted again from their outcome rows."""
    ordered = sorted(set(days))
    if not ordered:
        return
    if connection.dialect.name == "postgresql":
        # in day order, so two writers never wait on each other crosswise
        for day in ordered:
            connection.execute(select(func.pg_advisory_xact_lock(literal(LOCK_SPACE), literal(day.toordinal()))))
    for start in range(0, len(ordered), _CHUNK):
        chunk = ordered[start:start + _CHUNK]
        connection.execute(delete(SlaDailyTotal).where(SlaDailyTotal.opened_day.in_(chunk)))
        connection.execute(_totals_of(chunk))


def rebuild_all(connection: Connection) -> None:
    """Every day's totals from scratch (after rows were loaded behind the writer's back, e.g. a benchmark's seed)."""
    if connection.dialect.name == "postgresql":
        connection.execute(select(func.pg_advisory_xact_lock(literal(LOCK_SPACE), literal(0))))
    connection.execute(delete(SlaDailyTotal))
    connection.execute(_totals_of(None))


_DAYS = "inbox_sla_days"


def days_written(session: Session) -> None:
    """After each flush (tickets.hooks): the days whose outcome rows this flush added, changed or removed —
    including the day a row moved away from."""
    days: set[date] = session.info.setdefault(_DAYS, set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        if not isinstance(obj, SlaOutcome):
            continue
        if obj.opened_day is not None:
            days.add(obj.opened_day)
        days.update(d for d in inspect(obj).attrs.opened_day.history.deleted or () if d is not None)


def note_days(session: Session, outcomes: Iterable[SlaOutcome]) -> None:
    """Outcome rows written behind the flush (ingest's multi-row INSERT and UPDATE): their days, old and new,
    are recounted before the commit as a flushed row's are."""
    days: set[date] = session.info.setdefault(_DAYS, set())
    for outcome in outcomes:
        if outcome.opened_day is not None:
            days.add(outcome.opened_day)
        state = inspect(outcome)
        if state.key is not None:
            days.update(d for d in state.attrs.opened_day.history.deleted or () if d is not None)


def recount_days(session: Session) -> None:
    """Before the commit (tickets.hooks): what was flushed is final, so the noted days are recounted now."""
    session.flush()
    days = session.info.pop(_DAYS, None)
    if days:
        recount(session.connection(), days)


def forget(session: Session) -> None:
    """The transaction ended without a commit: nothing to recount."""
    session.info.pop(_DAYS, None)
