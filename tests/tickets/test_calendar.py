"""Business hours basics (the SLA issue extends these)."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from inbox.tickets.calendar import Calendar, add_business_time, business_time_between, end_of_business_day, office_hours
from inbox.tickets.sla import SlaTargets, due_times, next_deadline, sla_state

BERLIN = office_hours("Europe/Berlin")
UTC = timezone.utc


def test_add_business_time_skips_nights_and_weekends():
    friday_4pm_berlin = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)  # 16:00 CET
    assert add_business_time(friday_4pm_berlin, timedelta(hours=4), BERLIN) == datetime(2026, 11, 23, 11, 0, tzinfo=UTC)  # Mon 12:00 CET


def test_start_outside_hours_counts_from_next_opening():
    sunday = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
    assert add_business_time(sunday, timedelta(minutes=30), BERLIN) == datetime(2026, 11, 23, 8, 30, tzinfo=UTC)


def test_holiday_is_closed():
    cal = Calendar("Europe/Berlin", BERLIN.windows, frozenset({datetime(2026, 12, 24).date(), datetime(2026, 12, 25).date()}))
    start = datetime(2026, 12, 23, 15, 0, tzinfo=UTC)  # Wed 16:00 CET, one hour left that day
    assert add_business_time(start, timedelta(hours=2), cal) == datetime(2026, 12, 28, 9, 0, tzinfo=UTC)


def test_window_past_midnight():
    night = Calendar("UTC", {4: ((time(22, 0), time(2, 0)),)})  # Friday 22:00 → Saturday 02:00
    start = datetime(2026, 11, 20, 23, 0, tzinfo=UTC)
    assert add_business_time(start, timedelta(hours=2), night) == datetime(2026, 11, 21, 1, 0, tzinfo=UTC)


def test_dst_change_keeps_local_opening_hours():
    # Europe/Berlin leaves summer time on 25 Oct 2026: opening moves from 07:00 to 08:00 UTC
    friday = datetime(2026, 10, 23, 14, 0, tzinfo=UTC)  # 16:00 CEST
    assert add_business_time(friday, timedelta(hours=2), BERLIN) == datetime(2026, 10, 26, 9, 0, tzinfo=UTC)


def test_same_business_day_for_phone():
    morning = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # Tue 10:00 CET
    evening = datetime(2026, 11, 24, 18, 0, tzinfo=UTC)  # after hours
    assert end_of_business_day(morning, BERLIN) == datetime(2026, 11, 24, 16, 0, tzinfo=UTC)
    assert end_of_business_day(evening, BERLIN) == datetime(2026, 11, 25, 16, 0, tzinfo=UTC)
    due = due_times(morning, SlaTargets(None, None, first_response_same_business_day=True, business_hours=True), BERLIN)
    assert due.first_response_due_at == datetime(2026, 11, 24, 16, 0, tzinfo=UTC)


def test_pauses_are_not_counted():
    a = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    b = a + timedelta(hours=6)
    assert business_time_between(a, b, None, [(a + timedelta(hours=1), a + timedelta(hours=3))]) == timedelta(hours=4)


def test_sla_state_thresholds():
    start = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    due = start + timedelta(hours=4)
    assert sla_state(start + timedelta(hours=3), start, due, 0.8) == "on_track"
    assert sla_state(start + timedelta(hours=3, minutes=12), start, due, 0.8) == "at_risk"
    assert sla_state(due, start, due, 0.8) == "breached"


def test_next_deadline_prefers_first_response_until_answered():
    t = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    assert next_deadline("new", None, t, None, t + timedelta(days=1)) == t
    assert next_deadline("open", t, t, None, t + timedelta(days=1)) == t + timedelta(days=1)
    assert next_deadline("resolved", None, t, None, t) is None


@settings(max_examples=200, deadline=None)
@given(
    start=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)),
    minutes=st.integers(min_value=0, max_value=60 * 24 * 10),
)
def test_adding_then_measuring_returns_the_same_duration(start, minutes):
    duration = timedelta(minutes=minutes)
    end = add_business_time(start, duration, BERLIN)
    assert business_time_between(start, end, BERLIN) == duration
