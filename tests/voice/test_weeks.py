"""ISO weeks in the workspace's zone: boundaries, DST, and when the Monday job runs."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from inbox.voice.weeks import IsoWeek, next_weekly_run, previous_week, week_bounds, week_containing

TOKYO = ZoneInfo("Asia/Tokyo")
NEW_YORK = ZoneInfo("America/New_York")
UTC = timezone.utc


def test_parse_and_format():
    assert IsoWeek.parse("2026-W47") == IsoWeek(2026, 47)
    assert str(IsoWeek(2026, 3)) == "2026-W03"
    assert IsoWeek(2026, 47).monday == date(2026, 11, 16)
    assert IsoWeek.parse("2026-W53") == IsoWeek(2026, 53)  # 2026 has 53 ISO weeks
    assert IsoWeek(2026, 53).shifted(1) == IsoWeek(2027, 1)
    for bad in ("2025-W53", "2026-47", "2026-W7", "W47", "2026-W00", "../etc"):
        with pytest.raises(ValueError):
            IsoWeek.parse(bad)


def test_tokyo_week_starts_at_local_midnight():
    start, end = week_bounds(IsoWeek(2026, 47), TOKYO)
    assert start == datetime(2026, 11, 15, 15, 0, tzinfo=UTC)
    assert end == datetime(2026, 11, 22, 15, 0, tzinfo=UTC)
    sunday_late = datetime(2026, 11, 22, 23, 30, tzinfo=TOKYO)
    assert start <= sunday_late < end
    assert week_containing(sunday_late, TOKYO) == IsoWeek(2026, 47)
    # the same instant is Sunday 14:30 in UTC, and Monday 00:00 Tokyo is already the next week
    assert week_containing(datetime(2026, 11, 23, 0, 0, tzinfo=TOKYO), TOKYO) == IsoWeek(2026, 48)


def test_new_york_week_with_the_dst_change_lasts_169_hours():
    start, end = week_bounds(IsoWeek(2026, 44), NEW_YORK)  # DST ends Sunday 1 November 2026
    assert start == datetime(2026, 10, 26, 4, 0, tzinfo=UTC)
    assert end == datetime(2026, 11, 2, 5, 0, tzinfo=UTC)
    assert end - start == timedelta(hours=169)
    sunday_late = datetime(2026, 11, 1, 23, 30, tzinfo=NEW_YORK)  # Monday 04:30 UTC
    assert sunday_late.astimezone(UTC).weekday() == 0
    assert start <= sunday_late < end and week_containing(sunday_late, NEW_YORK) == IsoWeek(2026, 44)


def test_previous_week_is_local():
    # Monday 01:00 in Tokyo is still Sunday in UTC: the previous week is the one that just ended locally
    now = datetime(2026, 11, 23, 1, 0, tzinfo=TOKYO)
    assert previous_week(now, TOKYO) == IsoWeek(2026, 47)
    assert previous_week(now, UTC) == IsoWeek(2026, 46)


def test_next_run_is_monday_six_local():
    assert next_weekly_run(datetime(2026, 11, 23, 5, 59, tzinfo=TOKYO), TOKYO) == datetime(2026, 11, 22, 21, 0, tzinfo=UTC)
    assert next_weekly_run(datetime(2026, 11, 23, 6, 0, tzinfo=TOKYO), TOKYO) == datetime(2026, 11, 29, 21, 0, tzinfo=UTC)
    # New York: 06:00 EST after the change is 11:00 UTC, 06:00 EDT before it 10:00 UTC
    assert next_weekly_run(datetime(2026, 10, 28, tzinfo=UTC), NEW_YORK) == datetime(2026, 11, 2, 11, 0, tzinfo=UTC)
    assert next_weekly_run(datetime(2026, 10, 20, tzinfo=UTC), NEW_YORK) == datetime(2026, 10, 26, 10, 0, tzinfo=UTC)
