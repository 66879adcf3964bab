"""Business hours as pure functions: no database, no clock.

A calendar has a time zone, open windows per weekday (a window whose end is not after its start
runs past midnight) and holidays. Windows belong to the local date on which they open, so a
holiday closes the windows that open on it.

Across DST changes a window opens at the first instant the local clock shows its start and closes at
the last instant it shows its end: a start inside the skipped hour opens when the clock jumps, and
a night shift across the repeated hour lasts an hour longer. Overlapping windows count once.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Iterable, Iterator, Mapping, Sequence
from zoneinfo import ZoneInfo

# by ISO weekday - 1, as the calendars' windows are keyed (Monday = "0")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

Window = tuple[time, time]
_SEARCH_DAYS = 3 * 366


@dataclass(frozen=True)
class Calendar:
    timezone: str = "UTC"
    windows: Mapping[int, Sequence[Window]] = field(default_factory=dict)
    holidays: frozenset[date] = frozenset()

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @classmethod
    def from_config(cls, tz: str, windows: Mapping[str, Sequence[Sequence[str]]], holidays: Iterable[str] = ()) -> "Calendar":
        parsed = {
            int(day): tuple((time.fromisoformat(a), time.fromisoformat(b)) for a, b in spans)
            for day, spans in windows.items()
        }
        return cls(tz, parsed, frozenset(date.fromisoformat(h) for h in holidays))


def office_hours(tz: str = "UTC", start: str = "09:00", end: str = "17:00") -> Calendar:
    """Monday to Friday, one window a day."""
    window = ((time.fromisoformat(start), time.fromisoformat(end)),)
    return Calendar(tz, {day: window for day in range(5)})


def _wall(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment.astimezone(zone).replace(tzinfo=None, fold=0)


def _local(d: date, t: time, zone: ZoneInfo, last: bool = False) -> datetime:
    """The UTC instant the local clock shows `t` on `d`: first (or `last`) occurrence; in a gap, the jump."""
    naive = datetime.combine(d, t)
    early = naive.replace(tzinfo=zone, fold=0).astimezone(timezone.utc)
    late = naive.replace(tzinfo=zone, fold=1).astimezone(timezone.utc)
    if _wall(early, zone) == naive:  # the time exists (once, or twice in the repeated hour)
        return late if last and _wall(late, zone) == naive else early
    # skipped by a spring-forward change: the first instant whose wall time is past `naive`
    lo, hi = min(early, late), max(early, late)
    while hi - lo > timedelta(microseconds=1):
        mid = lo + (hi - lo) / 2
        if _wall(mid, zone) >= naive:
            hi = mid
        else:
            lo = mid
    return hi


def _windows_on(d: date, cal: Calendar) -> list[tuple[datetime, datetime]]:
    if d in cal.holidays:
        return []
    zone = cal.zone
    spans = []
    for start, end in sorted(cal.windows.get(d.weekday(), ())):
        end_day = d if end > start else d + timedelta(days=1)
        a, b = _local(d, start, zone), _local(end_day, end, zone, last=True)
        if b > a:
            spans.append((a, b))
    return spans


def open_intervals(since: datetime, cal: Calendar) -> Iterator[tuple[datetime, datetime]]:
    """Open intervals (UTC) that end after `since`, in order, clipped to start no earlier than it."""
    if not any(cal.windows.get(day) for day in range(7)):
        raise ValueError("calendar has no open hours")
    day = since.astimezone(cal.zone).date() - timedelta(days=1)
    current: tuple[datetime, datetime] | None = None
    closed_days = 0
    while closed_days < _SEARCH_DAYS:  # only a long run of closed days (all holidays) is an error
        spans = _windows_on(day, cal)
        closed_days = 0 if spans else closed_days + 1
        # a day's windows start no earlier than the previous day's, so sorting per day and
        # merging with the interval in hand keeps the stream ordered and free of overlaps
        for a, b in spans:
            if b <= since:
                continue
            a = max(a, since)
            if current is not None and a <= current[1]:
                current = (current[0], max(current[1], b))
                continue
            if current is not None:
                yield current
            current = (a, b)
        day += timedelta(days=1)
    if current is not None:
        yield current
    raise ValueError("calendar has no open hours within three years")


def add_business_time(start: datetime, duration: timedelta, cal: Calendar) -> datetime:
    """The moment when `duration` of open time has passed since `start`."""
    remaining = duration
    if remaining <= timedelta(0):
        return start
    for a, b in open_intervals(start, cal):
        span = b - a
        if span >= remaining:
            return a + remaining
        remaining -= span
    raise AssertionError("unreachable")


def _subtract(a: datetime, b: datetime, pauses: Sequence[tuple[datetime, datetime]]) -> timedelta:
    total = b - a
    for p, q in pauses:
        lo, hi = max(a, p), min(b, q)
        if hi > lo:
            total -= hi - lo
    return total


def _merge(pauses: Iterable[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    merged: list[tuple[datetime, datetime]] = []
    for p, q in sorted(pauses):
        if merged and p <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], q))
        elif q > p:
            merged.append((p, q))
    return merged


def business_time_between(
    a: datetime, b: datetime, cal: Calendar | None, pauses: Iterable[tuple[datetime, datetime]] = ()
) -> timedelta:
    """Open time between `a` and `b`, minus paused spans; around the clock when `cal` is None."""
    if b <= a:
        return timedelta(0)
    merged = _merge(pauses)
    if cal is None:
        return _subtract(a, b, merged)
    total = timedelta(0)
    for lo, hi in open_intervals(a, cal):
        if lo >= b:
            break
        total += _subtract(lo, min(hi, b), merged)
    return total


def end_of_business_day(moment: datetime, cal: Calendar) -> datetime:
    """Close of the business day `moment` falls in, or of the next one when it is after hours."""
    zone = cal.zone
    day = moment.astimezone(zone).date() - timedelta(days=1)
    for _ in range(_SEARCH_DAYS):
        spans = _windows_on(day, cal)
        if spans and max(b for _, b in spans) > moment:
            return max(b for _, b in spans)
        day += timedelta(days=1)
    raise ValueError("calendar has no open hours within three years")
