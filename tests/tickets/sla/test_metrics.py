"""The team's numbers (SQL aggregates over the stored outcomes) against numbers worked out by hand, on a
fixture with a failed reply, a ticket resolved without reply and a pending span across a breach."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from inbox.auth.users import create_user
from inbox.tickets.reports.csv_export import ticket_rows
from inbox.tickets.reports.metrics import report
from tests.tickets.sla.fixtures import MON, UTC, H, e, history_ticket

NOW = datetime(2026, 12, 31, tzinfo=UTC)
RANGE = (MON - timedelta(days=1), MON + timedelta(days=14))


@pytest.fixture
def tickets(app):
    ada = create_user("ada@example.com", "Ada", "agent", "correct horse battery")[0]
    ben = create_user("ben@example.com", "Ben", "agent", "correct horse battery")[0]
    made = {
        # x (4 h / next 4 h / 24 h, wall clock), Ada. Answered 11:00 (FRT 2 h), customer 12:00, answered 13:30 (NRT 1.5 h),
        # resolved 15:00 (TTR 6 h, 6 business): first response, next response and resolution met.
        "t1": history_ticket("x", [e("created", MON), e("reply_delivered", MON + 2 * H), e("customer_message", MON + 3 * H),
                                   e("reply_delivered", MON + 4.5 * H), e("status", MON + 6 * H, to="resolved")], ada),
        # x, Ada. Opened Mon 16:00, answered Tue 10:00 (FRT 18 h, 2 business h): missed. Resolved Tue 12:00 (TTR 20 h,
        # 4 business h): met.
        "t2": history_ticket("x", [e("created", MON + 7 * H), e("reply_delivered", MON + 25 * H),
                                   e("status", MON + 27 * H, to="resolved")], ada),
        # email (24 h / 72 h), unassigned, opened Mon 23:00, never answered: both still running past due at NOW: missed ×2.
        "t3": history_ticket("email", [e("created", MON + 14 * H)]),
        # sms (2 h / 24 h), Ben, the next Monday: answered after 30 min (met); resolution overdue at NOW (missed).
        "t4": history_ticket("sms", [e("created", MON + 168 * H), e("reply_delivered", MON + 168.5 * H)], ben),
        # x, Ben. A reply was queued and failed, then the ticket was resolved at 15:00 without any reply the customer
        # got: first response "missed: resolved without reply" (no FRT); resolution met (TTR 5 h, 5 business).
        "t5": history_ticket("x", [e("created", MON + H), e("reply_queued", MON + 1.5 * H, message_id=1),
                                   e("reply_failed", MON + 1.6 * H, message_id=1), e("status", MON + 6 * H, to="resolved")], ben),
        # x, Ben. Answered after 1 h (met). The resolution target (Tue 09:00) passed; set pending Tue 10:00, the customer
        # wrote Wed 10:00, resolved Wed 11:00: the missed deadline did not move with the pause → missed.
        # TTR 50 h wall, 18 business h (Mon 8 + Tue 8 + Wed 2).
        "t6": history_ticket("x", [e("created", MON), e("reply_delivered", MON + H), e("status", MON + 25 * H, to="pending"),
                                   e("status", MON + 49 * H, **{"from": "pending", "to": "open", "by": "customer"}),
                                   e("customer_message", MON + 49 * H), e("reply_delivered", MON + 49.5 * H),
                                   e("status", MON + 50 * H, to="resolved")], ben),
    }
    return made, ada, ben


def test_report_matches_hand_computed_numbers(tickets):
    made, ada, ben = tickets
    r = report(*RANGE, NOW)
    total = r.total
    assert (total.tickets, total.resolved, total.answered) == (6, 4, 4)
    # FRT over the four answered tickets: (2 + 18 + 0.5 + 1) / 4 wall; (2 + 2 + 0.5 + 1) / 4 business. t5 has none.
    assert total.frt_mean() == 21.5 * H / 4 and total.frt_mean(business=True) == 5.5 * H / 4
    # next responses answered: t1 1.5 h and t6 0.5 h
    assert total.nrt_mean() == H
    # TTR = (6 + 20 + 5 + 50) / 4 resolved; business (6 + 4 + 5 + 18) / 4
    assert total.ttr_mean() == 81 * H / 4 and total.ttr_mean(business=True) == 33 * H / 4
    # met: t1 3, t2 1, t4 1, t5 1, t6 2 (first and next response) = 8; missed: t2 1, t3 2, t4 1, t5 1, t6 1 = 6
    assert (total.met, total.missed) == (8, 6)
    assert round(total.compliance, 1) == 57.1

    x = r.by_channel["x"]
    assert (x.tickets, x.met, x.missed) == (4, 7, 3)
    assert r.by_channel["email"].frt_mean() is None and r.by_channel["email"].compliance == 0.0
    assert r.by_assignee[ada.id].compliance == 80.0
    assert (r.by_assignee[ben.id].met, r.by_assignee[ben.id].missed) == (4, 3)
    assert list(r.by_week) == ["2026-W47", "2026-W48"]
    assert r.by_week["2026-W47"].tickets == 5 and r.by_week["2026-W48"].tickets == 1
    assert sorted(r.by_day) == [MON.date(), (MON + 168 * H).date()]


def test_the_csv_row_tells_the_same_story(tickets):
    made, _, _ = tickets
    rows = list(ticket_rows(*RANGE, UTC, NOW))
    body = {row[0]: dict(zip(rows[0], row)) for row in rows[1:]}
    t5, t6, t3 = body[made["t5"].id], body[made["t6"].id], body[made["t3"].id]
    assert (t5["first_response_outcome"], t5["frt_minutes"], t5["resolution_outcome"]) == ("missed: resolved without reply", "", "met")
    assert (t6["first_response_outcome"], t6["resolution_outcome"], t6["ttr_minutes"]) == ("met", "missed", "3000.0")
    assert t6["resolution_due_at"] == (MON + 24 * H).isoformat()  # the deadline it missed, not moved by the pause
    assert (t3["first_response_outcome"], t3["resolution_outcome"]) == ("breached", "breached")


def test_a_running_clock_within_its_target_does_not_count_yet(app):
    history_ticket("x", [e("created", MON), e("reply_delivered", MON + H), e("customer_message", MON + 2 * H)])
    total = report(*RANGE, MON + 3 * H).total
    assert (total.met, total.missed, total.compliance) == (1, 0, 100.0)  # next response and resolution still running
