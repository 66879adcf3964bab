"""Business hours basics (the SLA issue extends these)."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from inbox.tickets.sla.calendar import Calendar, add_business_time, business_time_between, end_of_business_day, office_hours
from inbox.tickets.sla.clock import ClockEvent, PolicyTerms, replay
from inbox.tickets.sla.targets import SlaTargets

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
    phone = PolicyTerms(SlaTargets(None, None, first_response_same_business_day=True, business_hours=True), BERLIN)
    result = replay([ClockEvent("created", morning)], phone, morning)
    assert result.current("first_response").due_at == datetime(2026, 11, 24, 16, 0, tzinfo=UTC)


def test_pauses_are_not_counted():
    a = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    b = a + timedelta(hours=6)
    assert business_time_between(a, b, None, [(a + timedelta(hours=1), a + timedelta(hours=3))]) == timedelta(hours=4)


def test_at_risk_is_the_warning_fraction_of_the_target():
    start = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    terms = PolicyTerms(SlaTargets(timedelta(hours=4), None), None)
    result = replay([ClockEvent("created", start)], terms, start)
    assert result.state_at(start + timedelta(hours=3)) == "on_track"
    assert result.state_at(start + timedelta(hours=3, minutes=12)) == "at_risk"  # 80 % of 4 h
    assert result.state_at(start + timedelta(hours=4)) == "breached"


def test_the_next_deadline_is_first_response_until_answered():
    t = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    terms = PolicyTerms(SlaTargets(timedelta(hours=1), timedelta(days=1)), None)
    events = [ClockEvent("created", t)]
    assert replay(events, terms, t).next_deadline().target == "first_response"
    answered = replay(events + [ClockEvent("reply_delivered", t + timedelta(minutes=5))], terms, t)
    assert (answered.next_deadline().target, answered.due_at) == ("resolution", t + timedelta(days=1))
    resolved = replay(events + [ClockEvent("status", t + timedelta(minutes=9), {"to": "resolved"})], terms, t)
    assert resolved.next_deadline() is None


@settings(max_examples=200, deadline=None)
@given(
    start=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)),
    minutes=st.integers(min_value=0, max_value=60 * 24 * 10),
)
def test_adding_then_measuring_returns_the_same_duration(start, minutes):
    duration = timedelta(minutes=minutes)
    end = add_business_time(start, duration, BERLIN)
    assert business_time_between(start, end, BERLIN) == duration


# --- DST, split shifts, nights, holidays (issue 6) ---------------------------------------------

NEW_YORK = office_hours("America/New_York")
ALL_DAYS_NIGHT = Calendar("Europe/Berlin", {d: ((time(22, 0), time(6, 0)),) for d in range(7)})
SPLIT = Calendar("Europe/Berlin", {d: ((time(8, 0), time(12, 0)), (time(13, 0), time(17, 0))) for d in range(5)})


def test_spring_forward_in_new_york_shifts_the_utc_opening():
    # 8 Mar 2026: EST (UTC-5) → EDT (UTC-4); Friday 16:00 EST + 2 h business → Monday 10:00 EDT
    friday = datetime(2026, 3, 6, 21, 0, tzinfo=UTC)
    assert add_business_time(friday, timedelta(hours=2), NEW_YORK) == datetime(2026, 3, 9, 14, 0, tzinfo=UTC)
    assert business_time_between(friday, datetime(2026, 3, 9, 14, 0, tzinfo=UTC), NEW_YORK) == timedelta(hours=2)


def test_fall_back_in_new_york():
    # 1 Nov 2026: EDT → EST; Friday 16:00 EDT + 2 h → Monday 10:00 EST = 15:00 UTC
    friday = datetime(2026, 10, 30, 20, 0, tzinfo=UTC)
    assert add_business_time(friday, timedelta(hours=2), NEW_YORK) == datetime(2026, 11, 2, 15, 0, tzinfo=UTC)


def test_spring_forward_in_berlin():
    # 29 Mar 2026: CET → CEST; Friday 16:00 CET + 2 h → Monday 10:00 CEST = 08:00 UTC
    friday = datetime(2026, 3, 27, 15, 0, tzinfo=UTC)
    assert add_business_time(friday, timedelta(hours=2), BERLIN) == datetime(2026, 3, 30, 8, 0, tzinfo=UTC)


def test_night_shift_across_the_skipped_hour_is_an_hour_shorter():
    # Saturday 28 Mar 22:00 CET → Sunday 29 Mar 06:00 CEST: 7 real hours
    start = datetime(2026, 3, 28, 21, 0, tzinfo=UTC)
    end = datetime(2026, 3, 29, 4, 0, tzinfo=UTC)
    assert business_time_between(start, end, ALL_DAYS_NIGHT) == timedelta(hours=7)
    assert add_business_time(start, timedelta(hours=7), ALL_DAYS_NIGHT) == end
    assert add_business_time(start, timedelta(hours=8), ALL_DAYS_NIGHT) == datetime(2026, 3, 29, 21, 0, tzinfo=UTC)


def test_night_shift_across_the_repeated_hour_is_an_hour_longer():
    # Saturday 24 Oct 22:00 CEST (20:00 UTC) → Sunday 25 Oct 06:00 CET (05:00 UTC): 9 real hours
    start = datetime(2026, 10, 24, 20, 0, tzinfo=UTC)
    assert business_time_between(start, datetime(2026, 10, 25, 5, 0, tzinfo=UTC), ALL_DAYS_NIGHT) == timedelta(hours=9)
    assert add_business_time(start, timedelta(hours=9), ALL_DAYS_NIGHT) == datetime(2026, 10, 25, 5, 0, tzinfo=UTC)


def test_window_opening_inside_the_skipped_hour_opens_when_the_clock_jumps():
    cal = Calendar("Europe/Berlin", {6: ((time(2, 30), time(4, 0)),)})  # Sundays 02:30–04:00
    # on 29 Mar 2026 the clock jumps from 02:00 CET to 03:00 CEST at 01:00 UTC; 04:00 CEST is 02:00 UTC
    saturday = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)
    assert add_business_time(saturday, timedelta(minutes=1), cal) == datetime(2026, 3, 29, 1, 1, tzinfo=UTC)
    assert business_time_between(saturday, datetime(2026, 3, 29, 12, 0, tzinfo=UTC), cal) == timedelta(hours=1)


def test_window_inside_the_repeated_hour_spans_both_passes():
    cal = Calendar("Europe/Berlin", {6: ((time(2, 0), time(3, 0)),)})  # Sundays 02:00–03:00 local
    # 25 Oct 2026: 02:00 CEST = 00:00 UTC, the last 03:00 (CET) = 02:00 UTC → two real hours
    saturday = datetime(2026, 10, 24, 12, 0, tzinfo=UTC)
    assert business_time_between(saturday, datetime(2026, 10, 25, 12, 0, tzinfo=UTC), cal) == timedelta(hours=2)
    assert add_business_time(saturday, timedelta(minutes=90), cal) == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)


def test_split_shift_skips_the_lunch_break():
    monday_11 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # 11:00 CET
    assert add_business_time(monday_11, timedelta(hours=2), SPLIT) == datetime(2026, 11, 23, 13, 0, tzinfo=UTC)  # 14:00 CET
    assert business_time_between(monday_11, datetime(2026, 11, 23, 13, 0, tzinfo=UTC), SPLIT) == timedelta(hours=2)


def test_overlapping_windows_count_once():
    cal = Calendar("UTC", {0: ((time(9, 0), time(12, 0)), (time(11, 0), time(13, 0)))})
    monday = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)
    assert business_time_between(monday, monday + timedelta(days=1), cal) == timedelta(hours=4)
    assert add_business_time(monday, timedelta(hours=4), cal) == monday + timedelta(hours=13)


def test_night_window_overlapping_next_morning_counts_once():
    cal = Calendar("UTC", {0: ((time(22, 0), time(8, 0)),), 1: ((time(6, 0), time(10, 0)),)})
    monday = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)
    assert business_time_between(monday, monday + timedelta(days=2), cal) == timedelta(hours=12)


def test_holiday_closes_a_night_window_opening_on_it_but_not_the_one_running_into_it():
    night = Calendar("UTC", {d: ((time(22, 0), time(2, 0)),) for d in range(7)}, frozenset({datetime(2026, 12, 25).date()}))
    start = datetime(2026, 12, 24, 23, 0, tzinfo=UTC)
    # 3 h left in the window that opened on the 24th; none opens on the 25th; 1 h more from the 26th 22:00
    assert add_business_time(start, timedelta(hours=4), night) == datetime(2026, 12, 26, 23, 0, tzinfo=UTC)


def test_start_outside_hours_in_new_york_evening():
    evening = datetime(2026, 11, 24, 23, 30, tzinfo=UTC)  # 18:30 EST
    assert add_business_time(evening, timedelta(minutes=15), NEW_YORK) == datetime(2026, 11, 25, 14, 15, tzinfo=UTC)
    assert business_time_between(evening, datetime(2026, 11, 25, 14, 0, tzinfo=UTC), NEW_YORK) == timedelta(0)


def test_calendar_without_hours_is_rejected():
    import pytest

    with pytest.raises(ValueError):
        add_business_time(datetime(2026, 11, 24, tzinfo=UTC), timedelta(hours=1), Calendar("UTC", {}))


def test_business_time_with_pauses_inside_a_calendar():
    monday_9 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # 09:00 CET
    pauses = [(monday_9 + timedelta(hours=1), monday_9 + timedelta(hours=2)), (monday_9 + timedelta(hours=1, minutes=30), monday_9 + timedelta(hours=3))]
    assert business_time_between(monday_9, monday_9 + timedelta(days=1), BERLIN, pauses) == timedelta(hours=6)


def test_zero_and_negative_spans():
    t = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    assert add_business_time(t, timedelta(0), BERLIN) == t
    assert business_time_between(t, t - timedelta(hours=1), BERLIN) == timedelta(0)


CALENDARS = st.sampled_from([BERLIN, NEW_YORK, ALL_DAYS_NIGHT, SPLIT,
                             Calendar("Europe/Berlin", {6: ((time(2, 30), time(4, 0)),), 2: ((time(1, 0), time(3, 30)),)}),
                             Calendar("America/New_York", BERLIN.windows, frozenset({datetime(2026, 3, 9).date(), datetime(2026, 11, 2).date()}))])
# around both 2026 DST changes in Europe and America
MOMENTS = st.one_of(
    st.datetimes(min_value=datetime(2026, 3, 5), max_value=datetime(2026, 4, 2), timezones=st.just(UTC)),
    st.datetimes(min_value=datetime(2026, 10, 22), max_value=datetime(2026, 11, 5), timezones=st.just(UTC)),
    st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)),
)
DURATIONS = st.integers(min_value=0, max_value=60 * 24 * 14).map(lambda m: timedelta(minutes=m))


@settings(max_examples=300, deadline=None)
@given(cal=CALENDARS, start=MOMENTS, duration=DURATIONS)
def test_property_add_then_measure(cal, start, duration):
    end = add_business_time(start, duration, cal)
    assert end >= start
    assert business_time_between(start, end, cal) == duration


@settings(max_examples=200, deadline=None)
@given(cal=CALENDARS, start=MOMENTS, a=DURATIONS, b=DURATIONS)
def test_property_additivity(cal, start, a, b):
    assert add_business_time(add_business_time(start, a, cal), b, cal) == add_business_time(start, a + b, cal)


@settings(max_examples=200, deadline=None)
@given(cal=CALENDARS, s1=MOMENTS, s2=MOMENTS, a=DURATIONS, b=DURATIONS)
def test_property_monotonic(cal, s1, s2, a, b):
    s1, s2 = min(s1, s2), max(s1, s2)
    a, b = min(a, b), max(a, b)
    assert add_business_time(s1, a, cal) <= add_business_time(s2, a, cal)
    assert add_business_time(s1, a, cal) <= add_business_time(s1, b, cal)
    assert business_time_between(s1, s2, cal) <= business_time_between(s1, s2 + timedelta(hours=1), cal)


@settings(max_examples=200, deadline=None)
@given(cal=CALENDARS, a=MOMENTS, b=MOMENTS, c=MOMENTS)
def test_property_measure_is_additive_over_a_split(cal, a, b, c):
    a, b, c = sorted((a, b, c))
    assert business_time_between(a, c, cal) == business_time_between(a, b, cal) + business_time_between(b, c, cal)
