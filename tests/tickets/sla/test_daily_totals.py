"""The dashboard's per-day totals (sla.daily) against the outcome rows themselves, on random histories.

Tickets are written through the SLA writer as ingest and agents would (random channels, assignees,
replies, pending spans, resolutions), then changed again (late replies, reassignment, resolution, a
rolled-back change), partly under another workspace time zone, so some days' totals are cut by the
range. For random ranges — whole days and arbitrary instants — and random moments `now`, the report
added up from the totals must equal the report read row by row, and the stored totals must equal a
recount from the rows."""
from __future__ import annotations

import math
import random
from dataclasses import fields
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from inbox.auth.users import create_user
from inbox.extensions import db
from inbox.tickets.models import Ticket, TicketEvent
from inbox.tickets.reports.metrics import Aggregate, Report, report, report_direct
from inbox.tickets.sla import daily
from inbox.tickets.sla.models import SlaDailyTotal
from tests.tickets.sla.fixtures import MON, H, e, history_ticket

SPAN_DAYS = 12
ZONES = ("UTC", "Asia/Tokyo", "America/Los_Angeles")


def _random_history(rng: random.Random) -> tuple[str, list]:
    channel = rng.choice(("x", "email", "sms", "mastodon"))
    opened = MON + timedelta(minutes=rng.randrange(SPAN_DAYS * 24 * 60))
    events = [e("created", opened)]
    at = opened
    for _ in range(rng.randrange(4)):
        at += timedelta(minutes=rng.randrange(5, 60 * 30))
        step = rng.random()
        if step < 0.45:
            events.append(e("reply_delivered", at))
        elif step < 0.7:
            events.append(e("customer_message", at))
        elif step < 0.85:
            events.append(e("status", at, to="pending"))
            at += timedelta(minutes=rng.randrange(5, 60 * 20))
            events.append(e("status", at, **{"from": "pending", "to": "open", "by": "customer"}))
            events.append(e("customer_message", at))
        else:
            events.append(e("status", at, to="resolved"))
            break
    return channel, events


def _later_change(rng: random.Random, ticket: Ticket, agents: list) -> None:
    """What happens to a ticket afterwards: a (late) reply, a reassignment, or its resolution."""
    last = max(ev.at for ev in ticket.events) + timedelta(minutes=rng.randrange(1, 60 * 40))
    step = rng.random()
    if step < 0.4:
        ticket.events.append(TicketEvent(type="reply_delivered", at=last))
        if ticket.status == "new":
            ticket.status = "open"
    elif step < 0.7:
        ticket.assignee_id = rng.choice(agents)
    elif ticket.status not in ("resolved", "closed"):
        ticket.status, ticket.resolved_at = "resolved", last
        ticket.events.append(TicketEvent(type="status", at=last, data={"to": "resolved"}))


def _same(a: Aggregate, b: Aggregate) -> bool:
    for f in fields(Aggregate):
        x, y = getattr(a, f.name), getattr(b, f.name)
        # counts exactly; summed seconds up to the order of a floating-point sum
        if isinstance(x, int) and isinstance(y, int):
            if x != y:
                return False
        elif not math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-6):
            return False
    return True


def _assert_same_report(fast: Report, slow: Report, context: str) -> None:
    assert _same(fast.total, slow.total), (context, fast.total, slow.total)
    for group in ("by_channel", "by_assignee", "by_week", "by_day"):
        left, right = getattr(fast, group), getattr(slow, group)
        assert list(left) == list(right), (context, group, list(left), list(right))
        for key in left:
            assert _same(left[key], right[key]), (context, group, key, left[key], right[key])


def _key(row: tuple) -> tuple:
    return tuple((value is None, value if value is not None else 0) for value in row)


def _stored_totals() -> list[tuple]:
    t = SlaDailyTotal
    columns = [getattr(t, name) for name in (*daily.KEYS, "first_opened_at", "last_opened_at", *daily.MEASURES)]
    return sorted((tuple(row) for row in db.session.execute(select(*columns))), key=_key)


def _recounted_totals() -> list[tuple]:
    """A recount of every day from the rows, in a transaction that is then thrown away."""
    with db.engine.connect() as conn:
        with conn.begin() as transaction:
            daily.rebuild_all(conn)
            t = SlaDailyTotal
            columns = [getattr(t, name) for name in (*daily.KEYS, "first_opened_at", "last_opened_at", *daily.MEASURES)]
            rows = sorted((tuple(row) for row in conn.execute(select(*columns))), key=_key)
            transaction.rollback()
    return rows


def _assert_totals_equal_recount() -> None:
    stored, recounted = _stored_totals(), _recounted_totals()
    assert len(stored) == len(recounted)
    for have, want in zip(stored, recounted):
        assert have[:6] == want[:6] and all(math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6) for a, b in zip(have[6:], want[6:])), (have, want)


@pytest.mark.parametrize("seed", [7, 2026, 31337])
def test_totals_add_up_to_the_rows_on_random_histories(app, seed, monkeypatch):
    rng = random.Random(seed)
    agents = [create_user(f"agent{i}-{seed}@example.com", f"Agent {i}", "agent", "correct horse battery")[0].id for i in range(3)]
    tickets: list[Ticket] = []
    for zone in ZONES:
        monkeypatch.setitem(app.config, "INBOX_TIMEZONE", zone)  # rows written under different zones: their days no longer follow one calendar
        for _ in range(12):
            channel, events = _random_history(rng)
            tickets.append(history_ticket(channel, events, rng.choice([*agents, None])))
        for ticket in rng.sample(tickets, k=len(tickets) // 3):
            _later_change(rng, ticket, [*agents, None])
        db.session.commit()
        # a change that never happened leaves the totals as they were
        doomed = rng.choice(tickets)
        _later_change(rng, doomed, [*agents, None])
        db.session.flush()
        db.session.rollback()
    _assert_totals_equal_recount()
    assert db.session.scalar(select(SlaDailyTotal.id).limit(1)) is not None

    for case in range(25):
        now = MON + timedelta(minutes=rng.randrange(-60, (SPAN_DAYS + 4) * 24 * 60))
        if case % 2:
            zone = rng.choice(ZONES)
            first = (MON + timedelta(days=rng.randrange(-1, SPAN_DAYS))).astimezone(ZoneInfo(zone)).date()
            last = first + timedelta(days=rng.randrange(1, SPAN_DAYS))
            start = datetime.combine(first, datetime.min.time(), tzinfo=ZoneInfo(zone)).astimezone(timezone.utc)
            end = datetime.combine(last, datetime.min.time(), tzinfo=ZoneInfo(zone)).astimezone(timezone.utc)
        else:
            start = MON + timedelta(minutes=rng.randrange(-600, SPAN_DAYS * 24 * 60))
            end = start + timedelta(minutes=rng.randrange(1, SPAN_DAYS * 24 * 60))
        context = f"seed {seed}, case {case}: [{start}, {end}) at {now}"
        _assert_same_report(report(start, end, now), report_direct(start, end, now), context)
    # the whole span at the end of it, where every clock has an outcome
    _assert_same_report(report(MON - 2 * H * 24, MON + timedelta(days=SPAN_DAYS + 2), MON + timedelta(days=40)),
                        report_direct(MON - 2 * H * 24, MON + timedelta(days=SPAN_DAYS + 2), MON + timedelta(days=40)), "whole span")


def test_a_row_moving_to_another_day_leaves_the_old_day(app, monkeypatch):
    """A row rewritten under another time zone changes day: both days are recounted."""
    monkeypatch.setitem(app.config, "INBOX_TIMEZONE", "UTC")
    ticket = history_ticket("x", [e("created", MON + 20 * H)])  # Monday 05:00 next day in Tokyo, Monday in UTC
    assert [(row[0]) for row in _stored_totals()] == [(MON + 20 * H).date()]
    monkeypatch.setitem(app.config, "INBOX_TIMEZONE", "Asia/Tokyo")
    ticket.events.append(TicketEvent(type="reply_delivered", at=MON + 21 * H))
    ticket.status = "open"
    db.session.commit()
    assert [(row[0], row[6]) for row in _stored_totals()] == [((MON + 24 * H).date(), 1)]
    _assert_totals_equal_recount()
