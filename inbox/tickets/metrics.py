"""Team metrics from replayed SLA clocks: pure, so they are checked against hand-computed numbers.

- FRT: opened → first agent reply; next-response time: customer message → the agent's answer;
  TTR: opened → (last) resolution. Each as wall-clock and business-hours time (the ticket's
  calendar), averaged over the tickets/clocks that have one: TTR = sum of resolution times ÷
  resolved tickets.
- SLA compliance: met ÷ (met + missed) over every target clock that has an outcome; a clock still
  running past its due time counts as missed, one still within it does not count yet.
A ticket belongs to the ISO week (in the workspace's time zone) in which it was opened.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from typing import Callable, Iterable

from .calendar import Calendar, business_time_between
from .sla_clock import NEXT_RESPONSE, Replay


@dataclass(frozen=True)
class TicketFacts:
    ticket_id: int
    channel: str
    assignee_id: int | None
    opened_at: datetime
    replay: Replay
    calendar: Calendar | None


@dataclass(frozen=True)
class Durations:
    """One ticket's measured times: (wall-clock, business hours) pairs."""

    first_response: tuple[timedelta, timedelta] | None
    next_responses: tuple[tuple[timedelta, timedelta], ...]
    resolution: tuple[timedelta, timedelta] | None
    met: int
    missed: int


def _pair(a: datetime, b: datetime, cal: Calendar | None) -> tuple[timedelta, timedelta]:
    return b - a, business_time_between(a, b, cal)


def durations(facts: TicketFacts) -> Durations:
    r, cal = facts.replay, facts.calendar
    first = _pair(facts.opened_at, r.first_response_at, cal) if r.first_response_at else None
    nexts = tuple(_pair(c.started_at, c.stopped_at, cal) for c in r.clocks
                  if c.target == NEXT_RESPONSE and c.stopped_at is not None and c.outcome in ("met", "missed"))
    resolution = _pair(facts.opened_at, r.resolved_at, cal) if r.resolved_at else None
    met = sum(1 for c in r.clocks if c.outcome == "met")
    missed = sum(1 for c in r.clocks if c.outcome in ("missed", "breached"))
    return Durations(first, nexts, resolution, met, missed)


@dataclass
class Aggregate:
    tickets: int = 0
    resolved: int = 0
    frt: list[tuple[timedelta, timedelta]] = field(default_factory=list)
    nrt: list[tuple[timedelta, timedelta]] = field(default_factory=list)
    ttr: list[tuple[timedelta, timedelta]] = field(default_factory=list)
    met: int = 0
    missed: int = 0

    def add(self, d: Durations) -> None:
        self.tickets += 1
        if d.first_response:
            self.frt.append(d.first_response)
        self.nrt.extend(d.next_responses)
        if d.resolution:
            self.resolved += 1
            self.ttr.append(d.resolution)
        self.met += d.met
        self.missed += d.missed

    @staticmethod
    def _mean(pairs: list[tuple[timedelta, timedelta]], business: bool) -> timedelta | None:
        if not pairs:
            return None
        return sum((p[1] if business else p[0] for p in pairs), timedelta(0)) / len(pairs)

    def frt_mean(self, business: bool = False) -> timedelta | None:
        return self._mean(self.frt, business)

    def nrt_mean(self, business: bool = False) -> timedelta | None:
        return self._mean(self.nrt, business)

    def ttr_mean(self, business: bool = False) -> timedelta | None:
        return self._mean(self.ttr, business)

    @property
    def compliance(self) -> float | None:
        counted = self.met + self.missed
        return None if counted == 0 else 100.0 * self.met / counted


def iso_week(moment: datetime, zone: tzinfo) -> str:
    year, week, _ = moment.astimezone(zone).isocalendar()
    return f"{year}-W{week:02d}"


def week_start(week: str) -> date:
    """"2026-W47" → the Monday of that ISO week."""
    year, number = week.split("-W")
    return date.fromisocalendar(int(year), int(number), 1)


def group(facts: Iterable[TicketFacts], key: Callable[[TicketFacts], object]) -> dict:
    out: dict = defaultdict(Aggregate)
    for f in facts:
        out[key(f)].add(durations(f))
    return dict(out)


@dataclass(frozen=True)
class Report:
    total: Aggregate
    by_channel: dict[str | None, Aggregate]
    by_assignee: dict[int | None, Aggregate]
    by_week: dict[str | None, Aggregate]


def report(facts: Iterable[TicketFacts], zone: tzinfo) -> Report:
    facts = list(facts)
    total = Aggregate()
    for f in facts:
        total.add(durations(f))
    return Report(
        total,
        group(facts, lambda f: f.channel),
        group(facts, lambda f: f.assignee_id),
        dict(sorted(group(facts, lambda f: iso_week(f.opened_at, zone)).items())),
    )
