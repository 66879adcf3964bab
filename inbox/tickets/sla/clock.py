"""SLA clocks replayed from a ticket's recorded events: pure, so any ticket's history can be re-run.

Rules:
- the first-response clock starts when the ticket is created and stops at the first reply the
  customer actually got: a reply the network accepted (at the moment it was sent), a reply the brand
  sent from the network itself, or an agent's explicit "answered outside Inbox". A reply that failed
  or later bounced, an internal note or a survey invitation stops nothing;
- resolving a ticket nobody answered stops its first-response clock as missed ("resolved without
  reply"), never as cancelled;
- a next-response clock starts when the customer writes after an agent has answered (or when the
  ticket is reopened) and stops at the next reply the customer got; resolving cancels it unless its
  deadline had already passed, which stays a miss;
- the resolution clock starts at creation and stops when the ticket is resolved; a reopen resumes it;
- pending (waiting on the customer) pauses every clock, first response included: nobody can be late
  answering a customer we are waiting for; the customer writing, or an agent moving the ticket out of
  pending, resumes them (a clock already overdue keeps the deadline it missed);
- a deadline that has passed never moves: pausing, resuming or re-targeting an overdue clock keeps
  the deadline it missed, so the same breach is never recorded twice;
- a new policy (a raised priority, say) re-targets the running clocks from the moment it applies:
  the time already used counts against the new target; clocks already stopped keep their outcome.

Remaining time is kept in the policy's own measure (business or wall-clock), so a pause moves the due
time by exactly the paused span as the policy counts it. Events are replayed in the order they
happened (then the order they were recorded), so a message fetched late counts at its own time.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Iterable, Mapping

from ..events import EventType
from .calendar import (
    Calendar,
    add_business_time,
    business_time_between,
    end_of_business_day,
)
from .targets import (
    FIRST_RESPONSE,
    NEXT_RESPONSE,
    RESOLUTION,
    TARGET_NAMES,
    TARGETS,
    SlaTargets,
)

__all__ = ["FIRST_RESPONSE", "NEXT_RESPONSE", "RESOLUTION", "TARGETS", "TARGET_NAMES", "AGENT_REPLY_EVENTS", "ClockEvent",
           "ClockResult", "PolicyTerms", "Replay", "replay"]

# What the customer received from us: these stop response clocks. (Legacy "reply" events were written
# by the network connectors for the brand's own posts, and by earlier releases when a reply was queued.)
AGENT_REPLY_EVENTS = (EventType.FIRST_RESPONSE, EventType.NETWORK_REPLY, EventType.REPLY_DELIVERED, EventType.ANSWERED_OUTSIDE)
POLICY_EVENTS = (EventType.SLA_POLICY, EventType.PRIORITY)
RESOLVED_WITHOUT_REPLY = "resolved without reply"


@dataclass(frozen=True)
class ClockEvent:
    """The part of a TicketEvent the clocks need."""

    type: str
    at: datetime
    data: dict | None = None

    @property
    def status_to(self) -> str | None:
        return (self.data or {}).get("to") if self.type == EventType.STATUS else None

    @property
    def policy_to(self) -> int | None:
        data = self.data or {}
        if self.type == EventType.SLA_POLICY:
            return data.get("to")
        if self.type == EventType.PRIORITY and isinstance(data.get("sla_policy"), dict):
            return data["sla_policy"].get("to")
        return None


@dataclass(frozen=True)
class PolicyTerms:
    """One policy version as the clocks use it."""

    targets: SlaTargets
    calendar: Calendar | None


class _Measure:
    def __init__(self, terms: PolicyTerms) -> None:
        self.cal = terms.calendar if terms.targets.business_hours else None
        self.fraction = terms.targets.warning_fraction

    def add(self, start: datetime, amount: timedelta) -> datetime:
        return add_business_time(start, amount, self.cal) if self.cal is not None else start + amount

    def between(self, a: datetime, b: datetime) -> timedelta:
        return business_time_between(a, b, self.cal)


@dataclass
class _Clock:
    target: str
    seq: int
    started_at: datetime
    allowed: timedelta  # the target length, in the policy's measure
    remaining: timedelta
    resumed_at: datetime | None  # None while paused
    measure: _Measure
    fixed_due: datetime | None = None  # "same business day" targets have a due time, not a length
    paused: list[tuple[datetime, datetime | None]] = field(default_factory=list)
    stopped_at: datetime | None = None
    due_when_stopped: datetime | None = None
    cancelled: bool = False
    missed_reason: str | None = None
    overdue_since: datetime | None = None  # the deadline it missed; never moves again

    def due(self) -> datetime | None:
        if self.overdue_since is not None:
            return self.overdue_since
        if self.resumed_at is None:
            return None
        if self.fixed_due is not None and not self.paused:
            return self.fixed_due
        return self.measure.add(self.resumed_at, self.remaining)


@dataclass(frozen=True)
class ClockResult:
    target: str
    seq: int  # the n-th clock of this target on the ticket (next response can run many times)
    started_at: datetime
    due_at: datetime | None  # None while paused
    warn_at: datetime | None
    stopped_at: datetime | None
    paused: tuple[tuple[datetime, datetime | None], ...]
    outcome: str  # running | paused | met | missed | breached | cancelled
    missed_reason: str | None = None

    @property
    def counts_for_compliance(self) -> bool:
        return self.outcome in ("met", "missed", "breached")

    @property
    def met(self) -> bool:
        return self.outcome == "met"

    @property
    def is_open(self) -> bool:
        return self.outcome in ("running", "breached", "paused")


@dataclass(frozen=True)
class Replay:
    clocks: tuple[ClockResult, ...]
    pending_spans: tuple[tuple[datetime, datetime | None], ...]
    first_response_at: datetime | None
    resolved_at: datetime | None
    created_at: datetime | None
    policy_id: int | None
    # each running clock a new policy moved: (when, target, due before, due after)
    retargets: tuple[tuple[datetime, str, datetime | None, datetime | None], ...] = ()

    def running(self) -> list[ClockResult]:
        return [c for c in self.clocks if c.outcome in ("running", "breached")]

    def current(self, target: str) -> ClockResult | None:
        """The latest clock for `target`."""
        found = [c for c in self.clocks if c.target == target]
        return found[-1] if found else None

    def next_deadline(self) -> ClockResult | None:
        """The running clock the team must meet next: what the inbox is ordered by."""
        return min((c for c in self.running() if c.due_at is not None), key=lambda c: (c.due_at, TARGETS.index(c.target)),
                   default=None)

    @property
    def due_at(self) -> datetime | None:
        clock = self.next_deadline()
        return clock.due_at if clock is not None else None

    @property
    def warn_at(self) -> datetime | None:
        return min((c.warn_at for c in self.running() if c.warn_at is not None), default=None)

    def state_at(self, now: datetime) -> str:
        """on_track | at_risk | breached — the one definition every screen, filter and export uses."""
        due, warn = self.due_at, self.warn_at
        if due is not None and now >= due:
            return "breached"
        if warn is not None and now >= warn:
            return "at_risk"
        return "on_track"


def replay(events: Iterable[ClockEvent], terms: Mapping[int | None, PolicyTerms] | PolicyTerms | None, now: datetime,
           initial_policy: int | None = None) -> Replay:
    """Run the clock rules over a ticket's events and say where each target stands at `now`.

    `terms` maps policy ids to their terms (a single PolicyTerms when the ticket has one policy);
    `initial_policy` is the id the ticket was opened under, unless its "created" event names it."""
    return _Replayer(list(events), terms, initial_policy).run(now)


class _Replayer:
    """One replay: the ticket's state and its clocks, moved by each event in turn (`on_<kind>`)."""

    def __init__(self, events: list[ClockEvent], terms: Mapping[int | None, PolicyTerms] | PolicyTerms | None,
                 initial_policy: int | None) -> None:
        self.book: Mapping[int | None, PolicyTerms] = {None: terms} if isinstance(terms, PolicyTerms) else (terms or {})
        self.events = [e for _, e in sorted(enumerate(events), key=lambda pair: (pair[1].at, pair[0]))]
        # a reply that bounced later never reached the customer: its delivery answers nobody
        self.bounced = {(e.data or {}).get("message_id") for e in self.events if e.type == EventType.REPLY_BOUNCED} - {None}
        self.policy_id = initial_policy
        if self.events and self.events[0].type == EventType.CREATED and (self.events[0].data or {}).get("sla_policy") is not None:
            self.policy_id = self.events[0].data["sla_policy"]  # type: ignore[index]
        self.terms = self.book.get(self.policy_id) if self.book else None
        self.clocks: list[_Clock] = []
        self.pending: list[tuple[datetime, datetime | None]] = []
        self.status = "new"
        self.answered: datetime | None = None
        self.resolved: datetime | None = None
        self.created: datetime | None = None
        self.retargets: list[tuple[datetime, str, datetime | None, datetime | None]] = []

    def run(self, now: datetime) -> Replay:
        for event in self.events:
            self.apply(event)
        results = tuple(_result(c, now) for c in self.clocks)
        return Replay(results, tuple(self.pending), self.answered, self.resolved, self.created, self.policy_id,
                      tuple(self.retargets))

    def apply(self, event: ClockEvent) -> None:
        if event.type == EventType.CREATED:
            self.on_created(event.at)
        elif event.policy_to is not None and event.policy_to != self.policy_id and event.policy_to in self.book:
            self.on_policy(event.at, event.policy_to)
        elif event.type in AGENT_REPLY_EVENTS:
            if event.type == EventType.REPLY_DELIVERED and (event.data or {}).get("message_id") in self.bounced:
                return
            self.on_answer(event.at)
        elif event.type == EventType.CUSTOMER_MESSAGE:
            self.on_customer_message(event.at)
        elif event.type == EventType.REOPENED:
            self.on_reopened(event.at)
        elif event.type == EventType.STATUS:
            self.on_status(event.at, event.status_to)

    # -- the events ------------------------------------------------------------------------------

    def on_created(self, at: datetime) -> None:
        self.created, self.status = at, "new"
        self.start(FIRST_RESPONSE, at)
        self.start(RESOLUTION, at)

    def on_policy(self, at: datetime, policy_id: int) -> None:
        """A new policy re-targets the running clocks: the time already used counts."""
        self.policy_id = policy_id
        self.terms = self.book[policy_id]
        for clock in self.clocks:
            if clock.stopped_at is not None:
                continue
            before = clock.due()
            self.retarget(clock, at, self.terms)
            after = clock.due() if not clock.cancelled else None
            if before != after:
                self.retargets.append((at, clock.target, before, after))

    def on_answer(self, at: datetime) -> None:
        if self.answered is None:
            self.answered = at
            self.stop(self.live(FIRST_RESPONSE), at)
        self.stop(self.live(NEXT_RESPONSE), at)
        if self.status == "new":
            self.status = "open"

    def on_customer_message(self, at: datetime) -> None:
        if self.status == "pending":  # older histories lack the explicit status event
            _close_span(self.pending, at)
            self.resume_waiting_clocks(at)
            self.status = "open"
        if self.answered is not None and self.live(NEXT_RESPONSE) is None and self.status != "resolved":
            self.start(NEXT_RESPONSE, at)

    def on_reopened(self, at: datetime) -> None:
        self.status, self.resolved = "open", None
        self.restart_resolution(at)
        if self.live(NEXT_RESPONSE) is None and self.live(FIRST_RESPONSE) is None:
            self.start(NEXT_RESPONSE, at)

    def on_status(self, at: datetime, to: str | None) -> None:
        was = self.status
        if to == was or to is None:
            return
        if was == "pending":
            _close_span(self.pending, at)
            self.resume_waiting_clocks(at)
        if to == "pending":
            self.pending.append((at, None))
            self.pause_waiting_clocks(at)
        elif to in ("resolved", "closed"):
            self.resolved = at
            self.stop(self.live(FIRST_RESPONSE), at, reason=RESOLVED_WITHOUT_REPLY)
            self.stop(self.live(NEXT_RESPONSE), at, cancelled=True)
            self.stop(self.live(RESOLUTION), at)
        elif to in ("open", "new") and was in ("resolved", "closed"):
            self.resolved = None
            self.restart_resolution(at)
        self.status = to

    # -- what the events do to clocks --------------------------------------------------------------

    def live(self, target: str) -> _Clock | None:
        return next((c for c in reversed(self.clocks) if c.target == target and c.stopped_at is None), None)

    @staticmethod
    def length_of(target: str, terms: PolicyTerms, at: datetime) -> tuple[timedelta | None, datetime | None]:
        t = terms.targets
        if target == FIRST_RESPONSE and t.first_response_same_business_day and terms.calendar is not None:
            return None, end_of_business_day(at, terms.calendar)
        return t.length(target), None

    def start(self, target: str, at: datetime) -> None:
        if self.terms is None:
            return
        length, fixed_due = self.length_of(target, self.terms, at)
        if length is None and fixed_due is None:
            return
        measure = _Measure(self.terms)
        if length is None:
            assert fixed_due is not None
            length = measure.between(at, fixed_due)
        seq = sum(1 for c in self.clocks if c.target == target)
        self.clocks.append(_Clock(target, seq, at, length, length, at, measure, fixed_due=fixed_due))

    @staticmethod
    def mark_overdue(clock: _Clock, at: datetime) -> bool:
        """A clock whose deadline has passed by `at` keeps that deadline from now on."""
        if clock.overdue_since is not None:
            return True
        due = clock.due()
        if due is not None and due <= at:
            clock.overdue_since = due
            return True
        return False

    def pause(self, clock: _Clock | None, at: datetime) -> None:
        if clock is None or clock.resumed_at is None:
            return
        if self.mark_overdue(clock, at):
            return  # already missed: waiting on the customer now cannot give the time back
        clock.remaining -= clock.measure.between(clock.resumed_at, at)
        clock.resumed_at = None
        clock.paused.append((at, None))

    @staticmethod
    def resume(clock: _Clock | None, at: datetime) -> None:
        if clock is None or clock.resumed_at is not None or clock.overdue_since is not None:
            return
        clock.resumed_at = at
        if clock.paused and clock.paused[-1][1] is None:
            clock.paused[-1] = (clock.paused[-1][0], at)
        if clock.remaining <= timedelta(0):
            clock.overdue_since = at

    def stop(self, clock: _Clock | None, at: datetime, cancelled: bool = False, reason: str | None = None) -> None:
        if clock is None:
            return
        self.mark_overdue(clock, at)
        if clock.overdue_since is not None:
            clock.due_when_stopped = clock.overdue_since
            cancelled = False  # a miss stays a miss
        elif clock.resumed_at is not None:
            clock.due_when_stopped = clock.due()
            clock.remaining -= clock.measure.between(clock.resumed_at, at)
        elif clock.paused and clock.paused[-1][1] is None:
            clock.paused[-1] = (clock.paused[-1][0], at)
        clock.resumed_at = None
        clock.stopped_at, clock.cancelled, clock.missed_reason = at, cancelled, reason

    def retarget(self, clock: _Clock, at: datetime, terms: PolicyTerms) -> None:
        """The new policy's target, counted from the clock's start, minus the time already used."""
        if clock.stopped_at is not None or self.mark_overdue(clock, at):
            return
        length, fixed_due = self.length_of(clock.target, terms, clock.started_at)
        measure = _Measure(terms)
        if length is None and fixed_due is None:
            clock.stopped_at, clock.cancelled = at, True  # the new policy has no such target
            return
        if length is None:
            assert fixed_due is not None
            length = measure.between(clock.started_at, fixed_due)
        used = measure.between(clock.started_at, at) - sum(
            (measure.between(p, q if q is not None else at) for p, q in clock.paused), timedelta(0))
        clock.measure, clock.allowed, clock.fixed_due = measure, length, None
        clock.remaining = length - used
        if clock.resumed_at is not None:
            clock.resumed_at = at
            if clock.remaining <= timedelta(0):
                # the stricter target was already used up: it was missed at the deadline it sets, counted
                # from the clock's start (time already used counts), not at the moment of the change
                clock.overdue_since = _deadline_from_start(clock, measure, length, at)

    def restart_resolution(self, at: datetime) -> None:
        clock = next((c for c in reversed(self.clocks) if c.target == RESOLUTION), None)
        if clock is None or clock.stopped_at is None:
            return
        if clock.overdue_since is not None:
            clock.stopped_at, clock.due_when_stopped = None, None  # still the same missed deadline
            return
        # a reopen resumes the same clock; the resolved span counts as paused
        clock.paused.append((clock.stopped_at, at))
        clock.stopped_at, clock.due_when_stopped, clock.resumed_at = None, None, at
        if clock.remaining <= timedelta(0):
            clock.overdue_since = at

    def pause_waiting_clocks(self, at: datetime) -> None:
        for target in TARGETS:
            self.pause(self.live(target), at)

    def resume_waiting_clocks(self, at: datetime) -> None:
        for target in TARGETS:
            self.resume(self.live(target), at)


def _deadline_from_start(clock: _Clock, measure: _Measure, length: timedelta, until: datetime) -> datetime:
    """When `length` of `measure` was used up since the clock started, skipping its paused spans."""
    moment, left = clock.started_at, length
    for paused_from, paused_to in clock.paused:
        span = measure.between(moment, paused_from)
        if span >= left:
            break
        left -= span
        moment = paused_to if paused_to is not None else until
    return min(measure.add(moment, left), until)


def _close_span(spans: list[tuple[datetime, datetime | None]], at: datetime) -> None:
    if spans and spans[-1][1] is None:
        spans[-1] = (spans[-1][0], at)


def _result(clock: _Clock, now: datetime) -> ClockResult:
    paused = tuple(clock.paused)
    if clock.stopped_at is not None:
        due = clock.due_when_stopped
        if clock.cancelled:
            outcome = "cancelled"
        elif clock.missed_reason == RESOLVED_WITHOUT_REPLY:
            outcome = "missed"
        elif due is None:  # stopped while paused: met if there was time left when it paused
            outcome = "met" if clock.remaining >= timedelta(0) else "missed"
        else:
            outcome = "met" if clock.stopped_at <= due else "missed"
        reason = clock.missed_reason if outcome == "missed" else None
        return ClockResult(clock.target, clock.seq, clock.started_at, due, None, clock.stopped_at, paused, outcome, reason)
    due = clock.due()
    if due is None:
        return ClockResult(clock.target, clock.seq, clock.started_at, None, None, None, paused, "paused")
    if clock.overdue_since is not None or clock.resumed_at is None:
        return ClockResult(clock.target, clock.seq, clock.started_at, due, due, None, paused, "breached" if now >= due else "running")
    warn_budget = clock.remaining - clock.allowed * (1 - clock.measure.fraction)
    warn = clock.measure.add(clock.resumed_at, warn_budget) if warn_budget > timedelta(0) else clock.resumed_at
    return ClockResult(clock.target, clock.seq, clock.started_at, due, min(warn, due), None, paused,
                       "breached" if now >= due else "running")

