"""Rules on real arrivals: the job runs after ingest, actions go through the ticket page's actions, the
history names the rule, and the tester shows what a rule would do without changing anything."""
from __future__ import annotations

from sqlalchemy import func, select

from inbox.automation.models import AutomationRule
from inbox.automation.rules import Rule
from inbox.automation.service import try_rule
from inbox.extensions import db
from inbox.tickets.models import Ticket, TicketEvent
from inbox.tickets.read.thread import describe_event
from tests.helpers import csrf_token
from tests.webhooks.conftest import receiver  # noqa: F401  (a real HTTP receiver on loopback)
from tests.workspace import login, open_ticket, user


def _rule(name, conditions, actions, position=1, stop=False):
    row = AutomationRule(name=name, position=position, active=True, stop_processing=stop, conditions=conditions, actions=actions)
    db.session.add(row)
    db.session.commit()
    return row


def test_a_rule_fires_on_arrival_and_the_history_names_it(app, run_jobs):
    bea = user("agent", "Bea Tanaka")
    _rule("Refunds to billing", {"keywords": ["refund", "返金"]}, {"priority": "urgent", "add_tags": ["billing"],
                                                                 "assign": {"mode": "agent", "user_id": bea.id}})
    _rule("Everything else", {}, {"add_tags": ["seen"]}, position=2)
    ticket = open_ticket("c1", "返金してください、注文番号 123")
    other = open_ticket("c2", "where is my parcel")
    run_jobs()
    db.session.expire_all()
    ticket, other = db.session.get(Ticket, ticket.id), db.session.get(Ticket, other.id)
    assert ticket.priority == "urgent" and ticket.assignee_id == bea.id
    assert [t.name for t in ticket.tags] == ["billing", "seen"]
    assert other.assignee_id is None and [t.name for t in other.tags] == ["seen"]
    events = list(db.session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id)))
    names = {bea.id: bea.name}
    lines = [describe_event(e, names) for e in events]
    assert ("Rule “Refunds to billing”", "assigned the ticket to Bea Tanaka") in lines
    assert any(who == "Rule “Refunds to billing”" and text.startswith("changed the priority high → urgent")
               for who, text in filter(None, lines))
    fired = [e for e in events if e.type == "rule_fired"]
    assert [e.data["rule"] for e in fired] == ["Refunds to billing", "Everything else"]
    # the SLA followed the priority: the urgent policy's clock (if one is written for urgent) or the same policy
    assert ticket.first_response_due_at is not None


def test_stop_processing_ends_the_run(app, run_jobs):
    _rule("Stopper", {"sentiments": ["negative"]}, {"add_tags": ["angry"]}, position=1, stop=True)
    _rule("Never after", {}, {"add_tags": ["late"]}, position=2)
    ticket = open_ticket("c1", "this is terrible", label="negative")
    run_jobs()
    db.session.expire_all()
    assert [t.name for t in db.session.get(Ticket, ticket.id).tags] == ["angry"]


def test_nothing_is_queued_when_no_rule_or_assignment_is_configured(app):
    from inbox.jobqueue import DEFAULT_QUEUE, get_queue

    open_ticket("c1")
    assert not [j for j in get_queue(DEFAULT_QUEUE).get_jobs() if "run_rules" in (j.description or "")]


def test_the_tester_shows_what_would_happen_and_changes_nothing(app, client):
    open_ticket("c1", "I want a refund")
    open_ticket("c2", "refunds are slow")
    open_ticket("c3", "thanks, all good", label="positive")
    draft = Rule(None, "Refunds", {"keywords": ["refund"], "keyword_match": "word"}, {"add_tags": ["billing"]})
    results = {m.text: did for m, did in try_rule(draft, 10)}
    assert results == {"I want a refund": ["tagged billing"], "refunds are slow": [], "thanks, all good": []}
    assert db.session.scalar(select(func.count()).select_from(TicketEvent).where(TicketEvent.type == "tags_added")) == 0
    # the same from the admin page, before saving
    user("admin")
    login(client, "admin@example.com")
    page = client.get("/admin/rules/new")
    tested = client.post("/admin/rules/save", data={"name": "Refunds", "keywords": "refund", "keyword_match": "substring",
                                                    "add_tags": "billing", "test": "1", "test_n": "10", "csrf_token": csrf_token(page)})
    assert tested.status_code == 200 and b"2 / 3" in tested.data
    assert db.session.scalar(select(func.count()).select_from(AutomationRule)) == 0
    saved = client.post("/admin/rules/save", data={"name": "Refunds", "keywords": "refund", "add_tags": "billing", "active": "1",
                                                   "csrf_token": csrf_token(page)})
    assert saved.status_code == 302
    rule = db.session.scalar(select(AutomationRule))
    assert rule.conditions["keywords"] == ["refund"] and rule.actions == {"add_tags": ["billing"]}
    refused = client.post("/admin/rules/save", data={"name": "Nothing", "csrf_token": csrf_token(page)})
    assert refused.status_code == 422 and b"at least one action" in refused.data


def test_sla_state_rules_run_again_when_the_ticket_breaches(app, run_jobs):
    from inbox.jobqueue import enqueue

    ticket = open_ticket("late", "still waiting", minutes_ago=10 * 60)
    run_jobs()
    # the rule exists only after the message arrived: what fires it is the sweep recording the breach
    _rule("Escalate breaches", {"sla_states": ["breached"]}, {"priority": "urgent", "add_tags": ["escalated"]})
    enqueue("sla_sweep")
    run_jobs()
    db.session.expire_all()
    ticket = db.session.get(Ticket, ticket.id)
    assert ticket.priority == "urgent" and "escalated" in [t.name for t in ticket.tags]
    fired = list(db.session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id, TicketEvent.type == "rule_fired")))
    assert [e.data["rule"] for e in fired] == ["Escalate breaches"]


def test_a_rules_assign_respects_the_agents_capacity(app, run_jobs):
    """Automatic assignment never gives an agent more than their capacity; a rule's "assign to" does not either."""
    from inbox.tickets.workspace.assignment import take_ticket

    bea = user("agent", "Bea Tanaka")
    bea.capacity = 2
    db.session.commit()
    for conv in ("held-1", "held-2"):
        take_ticket(open_ticket(conv, "an older question"), bea)
    _rule("Refunds to Bea", {"keywords": ["refund"]}, {"add_tags": ["billing"], "assign": {"mode": "agent", "user_id": bea.id}})
    ticket = open_ticket("c1", "I want a refund")
    run_jobs()
    db.session.expire_all()
    ticket = db.session.get(Ticket, ticket.id)
    assert ticket.assignee_id is None and [t.name for t in ticket.tags] == ["billing"]
    held = db.session.scalar(select(func.count()).select_from(Ticket).where(Ticket.assignee_id == bea.id, Ticket.status.in_(("new", "open"))))
    assert held == 2  # not 3 of 2
    (fired,) = db.session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id, TicketEvent.type == "rule_fired"))
    who, text = describe_event(fired, {bea.id: bea.name})
    assert fired.data["actions"] == ["tagged billing"]
    assert "not assigned to Bea Tanaka, who is at capacity (2 of 2 open tickets)" in text
    # with room again, the same rule assigns
    bea.capacity = 3
    db.session.commit()
    other = open_ticket("c2", "refund please")
    run_jobs()
    db.session.expire_all()
    assert db.session.get(Ticket, other.id).assignee_id == bea.id


def test_the_rule_fired_webhook_carries_the_ticket_after_every_action_and_the_actions_taken(app, run_jobs, receiver):
    import json

    from inbox.webhooks.service import create_subscription

    bea = user("agent", "Bea Tanaka")
    create_subscription("CRM", receiver.url, ["rule.fired"], None)
    rule = _rule("Refunds to billing", {"keywords": ["refund"]},
                 {"priority": "urgent", "add_tags": ["billing"], "assign": {"mode": "agent", "user_id": bea.id}, "webhook": True})
    ticket = open_ticket("c1", "I want a refund")
    run_jobs()
    (payload,) = [json.loads(body) for _, _, body in receiver.received]
    assert payload["type"] == "rule.fired"
    data = payload["data"]
    assert (data["rule"], data["rule_id"]) == ("Refunds to billing", rule.id)
    assert data["ticket"]["id"] == ticket.id
    assert data["ticket"]["assignee_id"] == bea.id and data["ticket"]["priority"] == "urgent" and data["ticket"]["tags"] == ["billing"]
    assert data["actions"] == {"priority": "urgent", "add_tags": ["billing"], "assign": {"mode": "agent", "user_id": bea.id},
                               "webhook": True}
    assert data["skipped"] == []
    events = list(db.session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id)))
    assert events[-1].type == "rule_fired"  # the rule's row closes what it did
