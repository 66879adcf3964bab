"""Automatic assignment: the pure choice, capacity and fairness, away agents, and two real worker
processes handing out concurrent arrivals without double assignment or going over capacity."""
from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from inbox.assignment.choose import Agent, available, ranked, ticket_order
from inbox.assignment.engine import assign_waiting, save_settings, set_away
from inbox.extensions import db
from inbox.tickets.models import Ticket, TicketEvent
from inbox.timeutil import utcnow
from tests.workspace import open_ticket, user

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)
WINDOW = timedelta(minutes=15)


def test_available_means_signed_in_not_away_and_under_capacity():
    seen = NOW - timedelta(minutes=2)
    assert available(Agent(1, 3, 5, None, last_seen_at=seen), NOW, WINDOW)
    assert not available(Agent(1, 5, 5, None, last_seen_at=seen), NOW, WINDOW)  # full
    assert not available(Agent(1, 0, 5, None, away=True, last_seen_at=seen), NOW, WINDOW)
    assert not available(Agent(1, 0, 5, None, last_seen_at=NOW - timedelta(hours=1)), NOW, WINDOW)  # not seen lately
    assert not available(Agent(1, 0, 5, None, last_seen_at=None), NOW, WINDOW)  # signed out
    assert not available(Agent(1, 0, 0, None, last_seen_at=seen), NOW, WINDOW)  # capacity 0: takes no automatic tickets


def test_round_robin_and_least_loaded_order():
    a = Agent(1, 4, 10, NOW - timedelta(minutes=1))
    b = Agent(2, 1, 10, NOW - timedelta(minutes=5))
    c = Agent(3, 0, 2, None)
    assert [x.id for x in ranked([a, b, c], "round_robin")] == [3, 2, 1]  # never assigned first, then longest ago
    assert [x.id for x in ranked([a, b, c], "least_loaded")] == [3, 2, 1]
    d = Agent(4, 1, 2, None)  # half full
    assert [x.id for x in ranked([a, b, d], "least_loaded")] == [2, 1, 4]  # 10 %, 40 %, 50 %


def test_most_urgent_then_oldest_first():
    opened = NOW - timedelta(hours=3)
    tickets = [("normal-old", "normal", NOW + timedelta(hours=1), opened), ("urgent", "urgent", NOW + timedelta(hours=3), NOW),
               ("normal-due-soon", "normal", NOW + timedelta(minutes=5), NOW)]
    assert [t[0] for t in sorted(tickets, key=lambda t: ticket_order(*t[1:]))] == ["urgent", "normal-due-soon", "normal-old"]


def _agents(n: int, capacity: int) -> list:
    people = [user("agent", f"Agent {i}") for i in range(n)]
    for person in people:
        person.capacity, person.last_seen_at = capacity, utcnow()
    db.session.commit()
    return people


def _held() -> Counter:
    return Counter(db.session.scalars(select(Ticket.assignee_id).where(Ticket.assignee_id.is_not(None),
                                                                         Ticket.status.in_(("new", "open", "pending")))))


def test_round_robin_is_fair_and_respects_capacity(app):
    people = _agents(3, 4)
    for i in range(14):
        open_ticket(f"c{i}", minutes_ago=100 - i)
    save_settings("round_robin", False)
    made = assign_waiting()
    assert len(made) == 12  # 3 agents × capacity 4; two tickets wait
    assert sorted(_held().values()) == [4, 4, 4]
    assert [p.id for p in people] == [made[i][1] for i in range(3)]  # one each in turn
    waiting = list(db.session.scalars(select(Ticket.id).where(Ticket.assignee_id.is_(None))))
    assert len(waiting) == 2
    events = list(db.session.scalars(select(TicketEvent).where(TicketEvent.type == "assignment")))
    assert len(events) == 12 and all(e.data["how"] == "auto" and e.actor_id is None for e in events)


def test_off_assigns_nothing_and_away_agents_get_nothing(app):
    bea, cai = _agents(2, 5)
    open_ticket("c1")
    assert assign_waiting() == []  # off by default
    save_settings("least_loaded", True)
    set_away(bea, True)
    made = assign_waiting()
    assert [agent for _, agent in made] == [cai.id]


def test_going_away_releases_open_tickets_when_configured(app):
    bea, cai = _agents(2, 5)
    save_settings("round_robin", True)
    for i in range(4):
        open_ticket(f"c{i}")
    assign_waiting()
    held_by_bea = _held()[bea.id]
    assert held_by_bea == 2
    released = set_away(bea, True)
    assert len(released) == 2
    assign_waiting()
    assert _held() == Counter({cai.id: 4})
    reasons = [e.data.get("how") for e in db.session.scalars(select(TicketEvent).where(TicketEvent.type == "assignment"))]
    assert reasons.count("away") == 2


def test_two_workers_never_double_assign_or_exceed_capacity(app, tmp_path):
    """Concurrent arrivals handed out by two real worker processes racing on the same tickets."""
    from inbox.jobqueue import DEFAULT_QUEUE, enqueue, get_queue
    from inbox.redis_client import redis_url
    from rq.registry import StartedJobRegistry

    from tests.chaos.conftest import Processes, wait_for

    people = _agents(3, 6)
    save_settings("round_robin", False)
    url = app.config["SQLALCHEMY_DATABASE_URI"].replace("postgresql+psycopg://", "postgresql://")
    procs = Processes(tmp_path, url, redis_url(app))
    try:
        # both workers listening before the first arrival: with jobs already queued, the worker that started
        # first could drain them all before the other one was up, and nothing would race
        workers = [procs.worker(f"w{i}", "--no-scheduler", "--queue", DEFAULT_QUEUE, model="vader") for i in range(2)]
        for w in workers:
            w.wait_log("Listening on", 120)
        for i in range(24):  # each arrival queues its own run (rules + assignment)
            open_ticket(f"c{i}", minutes_ago=200 - i)
        for _ in range(8):  # and the minute's sweep, several times over: they all race for the same tickets
            enqueue("auto_assign")
        queue = get_queue(DEFAULT_QUEUE)
        wait_for(lambda: queue.count == 0 and StartedJobRegistry(queue=queue).count == 0, 240,
                 what="both workers to drain the queue")
        for w in workers:
            w.stop()
        logs = [w.text() for w in workers]
        assert all(w.popen.returncode == 0 for w in workers), logs
        assert all("run_rules" in text or "auto_assign" in text for text in logs)  # both took work
    finally:
        procs.stop_all()
    db.session.expire_all()
    assert sorted(_held().values()) == [6, 6, 6]  # full, never over
    assigned = db.session.scalar(select(func.count()).select_from(Ticket).where(Ticket.assignee_id.is_not(None)))
    assert assigned == 18
    per_ticket = Counter(db.session.scalars(select(TicketEvent.ticket_id).where(TicketEvent.type == "assignment")))
    assert set(per_ticket.values()) == {1}  # no ticket was handed out twice
    assert {p.id for p in people} == set(_held())
