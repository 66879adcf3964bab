"""ISO weeks in the workspace's time zone: what "last week" and "Monday 06:00" mean for a team."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from flask_babel import gettext

_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


@dataclass(frozen=True, order=True)
class IsoWeek:
    year: int
    week: int

    @classmethod
    def parse(cls, text: str) -> "IsoWeek":
        """'2026-W47' -> IsoWeek(2026, 47); ValueError for anything else, including W53 of a 52-week year."""
        match = _WEEK.match(text.strip())
        if not match:
            raise ValueError(gettext("not an ISO week like 2026-W47: %(text)s", text=repr(text)))
        year, week = int(match.group(1)), int(match.group(2))
        try:
            date.fromisocalendar(year, week, 1)
        except ValueError:
            raise ValueError(gettext("%(year)s has no ISO week %(week)s", year=year, week=week)) from None
        return cls(year, week)

    @classmethod
    def of(cls, day: date) -> "IsoWeek":
        iso = day.isocalendar()
        return cls(iso.year, iso.week)

    def __str__(self) -> str:
        return f"{self.year}-W{self.week:02d}"

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.week, 1)

    def days(self) -> list[date]:
        return [self.monday + timedelta(days=i) for i in range(7)]

    def shifted(self, weeks: int) -> "IsoWeek":
        return IsoWeek.of(self.monday + timedelta(weeks=weeks))


def local_midnight_utc(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(timezone.utc)


def week_bounds(week: IsoWeek, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) in UTC: Monday 00:00 to the next Monday 00:00, local time (168 h ± a DST hour)."""
    return local_midnight_utc(week.monday, zone), local_midnight_utc(week.monday + timedelta(days=7), zone)


def week_containing(moment: datetime, zone: ZoneInfo) -> IsoWeek:
    return IsoWeek.of(moment.astimezone(zone).date())


def previous_week(now: datetime, zone: ZoneInfo) -> IsoWeek:
    return week_containing(now, zone).shifted(-1)


def next_weekly_run(now: datetime, zone: ZoneInfo, weekday: int = 0, at: time = time(6)) -> datetime:
    """The next `weekday` (0 = Monday) at `at` local time strictly after `now`, in UTC."""
    local = now.astimezone(zone)
    day = local.date() + timedelta(days=(weekday - local.weekday()) % 7)
    while True:
        candidate = datetime.combine(day, at, tzinfo=zone).astimezone(timezone.utc)
        if candidate > now:
            return candidate
        day += timedelta(days=7)
