"""Metrics against numbers worked out by hand."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from inbox.tickets.calendar import office_hours
from inbox.tickets.metrics import TicketFacts, iso_week, report, week_start
from inbox.tickets.sla import SlaTargets
from inbox.tickets.sla_clock import ClockEvent, replay

UTC = timezone.utc
H = timedelta(hours=1)
CAL = office_hours("UTC")  # Mon–Fri 09–17
SOCIAL = SlaTargets(first_response=4 * H, resolution=24 * H, next_response=4 * H)
NOW = datetime(2026, 12, 31, tzinfo=UTC)


def facts(ticket_id, channel, assignee, events):
    opened = events[0].at
    return TicketFacts(ticket_id, channel, assignee, opened, replay(events, SOCIAL, CAL, NOW), CAL)


def e(kind, at, **data):
    return ClockEvent(kind, at, data or None)


MON = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)  # week 2026-W47

# 1: x, agent 7. Opened Mon 09:00, answered 11:00 (FRT 2 h wall, 2 h business), customer 12:00, answered 13:30
#    (NRT 1.5 h), resolved 15:00 (TTR 6 h / 6 h). Clocks: FR met, NR met, resolution met → 3 met.
T1 = [e("created", MON), e("first_response", MON + 2 * H), e("customer_message", MON + 3 * H), e("reply", MON + 4.5 * H),
      e("status", MON + 6 * H, to="resolved")]
# 2: x, agent 7. Opened Mon 16:00, answered Tue 10:00 (FRT 18 h wall, 2 h business: 16–17 + 09–10): FR missed
#    (due Mon 20:00). Resolved Tue 12:00 (TTR 20 h wall, 4 h business). Resolution met → 1 met, 1 missed.
T2 = [e("created", MON + 7 * H), e("reply", MON + 25 * H), e("status", MON + 27 * H, to="resolved")]
# 3: email, unassigned. Opened Mon 23:00 (week 47) never answered: FR clock breached (missed), resolution breached.
T3 = [e("created", MON + 14 * H)]
# 4: sms, agent 8, opened the next Monday (week 48) 09:00, answered 09:30, still open within targets at NOW? no:
#    resolution 24 h is long past NOW → breached (missed); FR met.
T4 = [e("created", MON + 168 * H), e("reply", MON + 168.5 * H)]


def test_report_matches_hand_computed_numbers():
    r = report([facts(1, "x", 7, T1), facts(2, "x", 7, T2), facts(3, "email", None, T3), facts(4, "sms", 8, T4)], UTC)
    total = r.total
    assert (total.tickets, total.resolved) == (4, 2)
    # FRT over the three answered tickets: (2 h + 18 h + 0.5 h) / 3 wall; (2 + 2 + 0.5) / 3 business
    assert total.frt_mean() == (2 * H + 18 * H + 0.5 * H) / 3
    assert total.frt_mean(business=True) == (4.5 * H) / 3
    assert total.nrt_mean() == 1.5 * H and total.nrt_mean(business=True) == 1.5 * H
    # TTR = (6 h + 20 h) / 2 resolved tickets; business (6 h + 4 h) / 2
    assert total.ttr_mean() == 13 * H and total.ttr_mean(business=True) == 5 * H
    # met: T1 3, T2 1, T4 1 = 5; missed: T2 1, T3 2, T4 1 = 4 → 55.6 %
    assert (total.met, total.missed) == (5, 4)
    assert round(total.compliance, 1) == 55.6

    x = r.by_channel["x"]
    assert (x.tickets, x.met, x.missed, x.ttr_mean()) == (2, 4, 1, 13 * H)
    assert r.by_channel["email"].frt_mean() is None and r.by_channel["email"].compliance == 0.0
    assert r.by_assignee[7].compliance == 80.0 and r.by_assignee[8].compliance == 50.0
    assert list(r.by_week) == ["2026-W47", "2026-W48"]
    assert r.by_week["2026-W47"].tickets == 3 and r.by_week["2026-W48"].tickets == 1


def test_paused_next_response_is_measured_as_elapsed_time_and_running_clock_within_target_is_not_counted():
    events = [e("created", MON), e("reply", MON + H), e("customer_message", MON + 2 * H)]
    r = replay(events, SOCIAL, CAL, MON + 3 * H)
    result = report([TicketFacts(9, "x", None, MON, r, CAL)], UTC).total
    assert (result.met, result.missed) == (1, 0)  # FR met; NR and resolution still running within their targets
    assert result.compliance == 100.0


def test_iso_week_uses_the_workspace_zone():
    from zoneinfo import ZoneInfo

    sunday_late_utc = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)  # already Monday in Berlin
    assert iso_week(sunday_late_utc, UTC) == "2026-W47"
    assert iso_week(sunday_late_utc, ZoneInfo("Europe/Berlin")) == "2026-W48"
    assert week_start("2026-W48").isoformat() == "2026-11-23"
