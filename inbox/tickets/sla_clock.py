"""SLA clocks replayed from a ticket's recorded events: pure, so any ticket's history can be re-run.

Rules:
- the first-response clock starts when the ticket is created and stops at the first agent reply;
- a next-response clock starts when the customer writes after an agent has answered (or when the
  ticket is reopened) and stops at the next agent reply; resolving cancels it;
- the resolution clock starts at creation and stops when the ticket is resolved; a reopen resumes it;
- pending (waiting on the customer) pauses the next-response and resolution clocks; the customer
  writing, or an agent moving the ticket out of pending, resumes them.

Remaining time is kept in the policy's own measure (business or wall-clock), so a pause moves the due
time by exactly the paused span as the policy counts it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import Iterable, Sequence

from .calendar import Calendar, add_business_time, business_time_between, end_of_business_day
from .sla import SlaTargets

FIRST_RESPONSE = "first_response"
NEXT_RESPONSE = "next_response"
RESOLUTION = "resolution"
TARGETS = (FIRST_RESPONSE, NEXT_RESPONSE, RESOLUTION)
TARGET_NAMES = {FIRST_RESPONSE: "First response", NEXT_RESPONSE: "Next response", RESOLUTION: "Resolution"}

# event types that mean "an agent answered the customer"
AGENT_REPLY_EVENTS = ("first_response", "reply")


@dataclass(frozen=True)
class ClockEvent:
    """The part of a TicketEvent the clocks need."""

    type: str
    at: datetime
    data: dict | None = None

    @property
    def status_to(self) -> str | None:
        return (self.data or {}).get("to") if self.type == "status" else None


@dataclass
class Clock:
    target: str
    started_at: datetime
    allowed: timedelta  # the target length, in the policy's measure
    remaining: timedelta
    resumed_at: datetime | None  # None while paused
    fixed_due: datetime | None = None  # "same business day" targets have a due time, not a length
    paused: list[tuple[datetime, datetime | None]] = field(default_factory=list)
    stopped_at: datetime | None = None
    due_when_stopped: datetime | None = None
    cancelled: bool = False

    @property
    def running(self) -> bool:
        return self.stopped_at is None and self.resumed_at is not None

    @property
    def paused_now(self) -> bool:
        return self.stopped_at is None and self.resumed_at is None


@dataclass(frozen=True)
class ClockResult:
    target: str
    started_at: datetime
    due_at: datetime | None  # None while paused
    warn_at: datetime | None
    stopped_at: datetime | None
    paused: tuple[tuple[datetime, datetime | None], ...]
    outcome: str  # running | paused | met | missed | breached | cancelled

    @property
    def counts_for_compliance(self) -> bool:
        return self.outcome in ("met", "missed", "breached")

    @property
    def met(self) -> bool:
        return self.outcome == "met"


@dataclass(frozen=True)
class Replay:
    clocks: tuple[ClockResult, ...]
    pending_spans: tuple[tuple[datetime, datetime | None], ...]
    first_response_at: datetime | None
    resolved_at: datetime | None
    created_at: datetime | None

    def running(self) -> list[ClockResult]:
        return [c for c in self.clocks if c.outcome in ("running", "breached")]

    def current(self, target: str) -> ClockResult | None:
        """The latest clock for `target`."""
        found = [c for c in self.clocks if c.target == target]
        return found[-1] if found else None

    @property
    def due_at(self) -> datetime | None:
        return min((c.due_at for c in self.running() if c.due_at is not None), default=None)

    @property
    def warn_at(self) -> datetime | None:
        return min((c.warn_at for c in self.running() if c.warn_at is not None), default=None)


class _Measure:
    def __init__(self, targets: SlaTargets, cal: Calendar | None) -> None:
        self.cal = cal if targets.business_hours else None

    def add(self, start: datetime, amount: timedelta) -> datetime:
        return add_business_time(start, amount, self.cal) if self.cal is not None else start + amount

    def between(self, a: datetime, b: datetime) -> timedelta:
        return business_time_between(a, b, self.cal)


def replay(events: Iterable[ClockEvent], targets: SlaTargets | None, cal: Calendar | None, now: datetime) -> Replay:
    """Run the clock rules over a ticket's events (in recorded order) and say where each target stands at `now`."""
    measure = _Measure(targets, cal) if targets is not None else None
    clocks: list[Clock] = []
    pending: list[tuple[datetime, datetime | None]] = []
    state = {"status": "new", "answered": None, "resolved": None, "created": None}

    def live(target: str) -> Clock | None:
        return next((c for c in reversed(clocks) if c.target == target and c.stopped_at is None), None)

    def start(target: str, at: datetime, length: timedelta | None, fixed_due: datetime | None = None) -> None:
        if measure is None or (length is None and fixed_due is None):
            return
        if length is None:
            assert fixed_due is not None
            length = measure.between(at, fixed_due)
        clocks.append(Clock(target, at, length, length, at, fixed_due=fixed_due))

    def pause(clock: Clock | None, at: datetime) -> None:
        if clock is None or clock.resumed_at is None or measure is None:
            return
        clock.remaining -= measure.between(clock.resumed_at, at)
        clock.resumed_at = None
        clock.paused.append((at, None))

    def resume(clock: Clock | None, at: datetime) -> None:
        if clock is None or clock.resumed_at is not None:
            return
        clock.resumed_at = at
        if clock.paused and clock.paused[-1][1] is None:
            clock.paused[-1] = (clock.paused[-1][0], at)

    def stop(clock: Clock | None, at: datetime, cancelled: bool = False) -> None:
        if clock is None or measure is None:
            return
        if clock.resumed_at is not None:
            clock.due_when_stopped = _due(clock, measure)
            clock.remaining -= measure.between(clock.resumed_at, at)
            clock.resumed_at = None
        elif clock.paused and clock.paused[-1][1] is None:
            clock.paused[-1] = (clock.paused[-1][0], at)
        clock.stopped_at, clock.cancelled = at, cancelled

    def restart_resolution(at: datetime) -> None:
        clock = next((c for c in reversed(clocks) if c.target == RESOLUTION), None)
        if clock is None or clock.stopped_at is None:
            return
        # a reopen resumes the same clock; the resolved span counts as paused
        clock.paused.append((clock.stopped_at, at))
        clock.stopped_at, clock.due_when_stopped, clock.resumed_at = None, None, at

    def pause_waiting_clocks(at: datetime) -> None:
        pause(live(NEXT_RESPONSE), at)
        pause(live(RESOLUTION), at)

    def resume_waiting_clocks(at: datetime) -> None:
        resume(live(NEXT_RESPONSE), at)
        resume(live(RESOLUTION), at)

    last: datetime | None = None
    for event in events:
        # recorded order is causal order; a message stamped earlier than what it followed
        # (delayed ingestion) counts from the later moment so clocks never run backwards
        at = event.at if last is None else max(event.at, last)
        last = at
        if event.type == "created":
            state["created"], state["status"] = at, "new"
            if targets is not None:
                fixed = end_of_business_day(at, cal) if targets.first_response_same_business_day and cal is not None else None
                start(FIRST_RESPONSE, at, targets.first_response, fixed)
                start(RESOLUTION, at, targets.resolution)
        elif event.type in AGENT_REPLY_EVENTS:
            if state["answered"] is None:
                state["answered"] = at
                stop(live(FIRST_RESPONSE), at)
            stop(live(NEXT_RESPONSE), at)
            if state["status"] == "new":
                state["status"] = "open"
        elif event.type == "customer_message":
            if state["status"] == "pending":  # older histories lack the explicit status event
                _close_span(pending, at)
                resume_waiting_clocks(at)
                state["status"] = "open"
            if state["answered"] is not None and live(NEXT_RESPONSE) is None and state["status"] != "resolved":
                start(NEXT_RESPONSE, at, targets.next_response if targets else None)
        elif event.type == "reopened":
            state["status"], state["resolved"] = "open", None
            restart_resolution(at)
            if live(NEXT_RESPONSE) is None and live(FIRST_RESPONSE) is None:
                start(NEXT_RESPONSE, at, targets.next_response if targets else None)
        elif event.type == "status":
            to, was = event.status_to, state["status"]
            if to == was or to is None:
                continue
            if was == "pending":
                _close_span(pending, at)
                resume_waiting_clocks(at)
            if to == "pending":
                pending.append((at, None))
                pause_waiting_clocks(at)
            elif to in ("resolved", "closed"):
                state["resolved"] = at
                stop(live(FIRST_RESPONSE), at, cancelled=True)
                stop(live(NEXT_RESPONSE), at, cancelled=True)
                stop(live(RESOLUTION), at)
            elif to in ("open", "new") and was in ("resolved", "closed"):
                state["resolved"] = None
                restart_resolution(at)
            state["status"] = to

    results = tuple(_result(c, measure, targets, now) for c in clocks)
    return Replay(results, tuple(pending), state["answered"], state["resolved"], state["created"])


def _close_span(spans: list[tuple[datetime, datetime | None]], at: datetime) -> None:
    if spans and spans[-1][1] is None:
        spans[-1] = (spans[-1][0], at)


def _due(clock: Clock, measure: _Measure | None) -> datetime | None:
    if clock.resumed_at is None or measure is None:
        return None
    if clock.fixed_due is not None and not clock.paused:
        return clock.fixed_due
    return measure.add(clock.resumed_at, clock.remaining)


def _result(clock: Clock, measure: _Measure | None, targets: SlaTargets | None, now: datetime) -> ClockResult:
    fraction = targets.warning_fraction if targets is not None else 0.8
    paused = tuple(clock.paused)
    if clock.stopped_at is not None:
        due = clock.due_when_stopped
        if clock.cancelled:
            outcome = "cancelled"
        elif due is None:  # stopped while paused: met if there was time left when it paused
            outcome = "met" if clock.remaining >= timedelta(0) else "missed"
        else:
            outcome = "met" if clock.stopped_at <= due else "missed"
        return ClockResult(clock.target, clock.started_at, due, None, clock.stopped_at, paused, outcome)
    if clock.resumed_at is None:
        return ClockResult(clock.target, clock.started_at, None, None, None, paused, "paused")
    due = _due(clock, measure)
    assert due is not None and measure is not None
    warn_budget = clock.remaining - clock.allowed * (1 - fraction)
    warn = measure.add(clock.resumed_at, warn_budget) if warn_budget > timedelta(0) else clock.resumed_at
    return ClockResult(clock.target, clock.started_at, due, min(warn, due), None, paused, "breached" if now >= due else "running")


def events_from_rows(rows: Sequence[object]) -> list[ClockEvent]:
    """TicketEvent rows (anything with type, at, data) in recorded order."""
    return [ClockEvent(r.type, r.at, r.data) for r in rows]  # type: ignore[attr-defined]


def _fmt(moment: datetime | None, zone: tzinfo) -> str:
    return "—" if moment is None else moment.astimezone(zone).strftime("%d %b %H:%M")


def explain(result: ClockResult, zone: tzinfo) -> str:
    """One line a lead can read: "First response due 24 Nov 14:00, answered 24 Nov 13:12: met"."""
    name = TARGET_NAMES[result.target]
    verb = {FIRST_RESPONSE: "answered", NEXT_RESPONSE: "answered", RESOLUTION: "resolved"}[result.target]
    paused = sum(((q - p) for p, q in result.paused if q is not None), timedelta(0))
    pause_note = f" (paused {len(result.paused)}×, {_duration(paused)})" if result.paused else ""
    if result.outcome == "paused":
        return f"{name} clock paused since {_fmt(result.paused[-1][0], zone)} (waiting on the customer){pause_note}"
    if result.outcome == "cancelled":
        return f"{name} clock started {_fmt(result.started_at, zone)}, stopped when the ticket was resolved {_fmt(result.stopped_at, zone)}"
    if result.outcome in ("running", "breached"):
        state = "overdue" if result.outcome == "breached" else "running"
        return f"{name} due {_fmt(result.due_at, zone)}{pause_note}: {state}"
    return f"{name} due {_fmt(result.due_at, zone)}, {verb} {_fmt(result.stopped_at, zone)}{pause_note}: {result.outcome}"


def _duration(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"
