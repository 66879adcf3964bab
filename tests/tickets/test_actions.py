"""Agent actions on a ticket: who may do what, what changes, and the one event each leaves (who and when)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from inbox.extensions import db
from inbox.tickets.workspace.actions import ActionError, NotAllowed, reopen_ticket, resolve_ticket, set_pending, set_priority
from inbox.tickets.workspace.assignment import assign_ticket, take_ticket, unassign_ticket
from inbox.tickets.models import SlaPolicy, Tag, TicketEvent, TicketNote
from inbox.tickets.workspace.notes import MAX_NOTE_CHARS, add_note
from inbox.tickets.workspace.tags import MAX_TAG_CHARS, add_tags, normalize_tag, parse_tags, remove_tag
from tests.workspace import open_ticket, user


def _events(ticket, type_: str) -> list[TicketEvent]:
    return list(db.session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id, TicketEvent.type == type_)
                                   .order_by(TicketEvent.id)))


def _recent(at: datetime) -> bool:
    return at.tzinfo is not None and abs((datetime.now(timezone.utc) - at).total_seconds()) < 60


@pytest.fixture
def people(app):
    return {"ada": user("agent", "Ada Agent"), "bea": user("agent", "Bea Agent"), "lee": user("lead", "Lee Lead")}


def test_take_assigns_to_me_and_records_who_and_when(people):
    ticket = open_ticket("t1")
    take_ticket(ticket, people["ada"])
    assert ticket.assignee_id == people["ada"].id
    [event] = _events(ticket, "assignment")
    assert event.actor_id == people["ada"].id and _recent(event.at)
    assert event.data == {"from": None, "to": people["ada"].id, "how": "take"}


def test_agents_cannot_take_or_unassign_someone_elses_ticket_but_leads_can(people):
    ada, bea, lee = people["ada"], people["bea"], people["lee"]
    ticket = open_ticket("t1")
    take_ticket(ticket, bea)
    with pytest.raises(NotAllowed, match="ask a lead"):
        take_ticket(ticket, ada)
    with pytest.raises(NotAllowed):
        unassign_ticket(ticket, ada)
    assert ticket.assignee_id == bea.id and len(_events(ticket, "assignment")) == 1
    take_ticket(ticket, lee)
    assert ticket.assignee_id == lee.id
    assert _events(ticket, "assignment")[-1].data == {"from": bea.id, "to": lee.id, "how": "take"}


def test_agents_unassign_themselves(people):
    ticket = open_ticket("t1")
    take_ticket(ticket, people["ada"])
    unassign_ticket(ticket, people["ada"])
    assert ticket.assignee_id is None
    assert _events(ticket, "assignment")[-1].data == {"from": people["ada"].id, "to": None, "how": "unassign"}
    with pytest.raises(ActionError, match="not assigned"):
        unassign_ticket(ticket, people["ada"])


def test_only_leads_assign_to_someone_else(people):
    ada, bea, lee = people["ada"], people["bea"], people["lee"]
    ticket = open_ticket("t1")
    with pytest.raises(NotAllowed, match="only leads"):
        assign_ticket(ticket, bea, ada)
    assert ticket.assignee_id is None and _events(ticket, "assignment") == []
    assign_ticket(ticket, bea, lee)
    assign_ticket(ticket, ada, lee)
    event = _events(ticket, "assignment")[-1]
    assert (ticket.assignee_id, event.actor_id, event.data) == (ada.id, lee.id, {"from": bea.id, "to": ada.id, "how": "assign"})
    with pytest.raises(ActionError, match="already assigned to Ada Agent"):
        assign_ticket(ticket, ada, lee)


def test_deactivated_users_get_no_tickets(people):
    from inbox.auth.users import set_active

    admin = user("admin")
    set_active(people["bea"], False, admin)
    ticket = open_ticket("t1")
    with pytest.raises(ActionError, match="deactivated"):
        assign_ticket(ticket, people["bea"], people["lee"])


def test_priority_change_is_recorded_and_checked(people):
    ticket = open_ticket("t1")
    before = ticket.priority
    set_priority(ticket, "urgent", people["ada"])
    [event] = _events(ticket, "priority")
    assert ticket.priority == "urgent" and event.data == {"from": before, "to": "urgent"}
    assert event.actor_id == people["ada"].id and _recent(event.at)
    for bad in ("critical", "", "URGENT", "urgent'; DROP TABLE tickets; --"):
        with pytest.raises(ActionError, match="priority must be one of"):
            set_priority(ticket, bad, people["ada"])
    with pytest.raises(ActionError, match="already has priority urgent"):
        set_priority(ticket, "urgent", people["ada"])
    assert len(_events(ticket, "priority")) == 1


def test_a_policy_for_the_new_priority_takes_over_the_clocks(people):
    ticket = open_ticket("t1", minutes_ago=10)
    assert ticket.first_response_due_at == ticket.opened_at + timedelta(hours=4)
    default = ticket.sla_policy
    urgent = SlaPolicy(channel="x", priority="urgent", first_response_minutes=30, next_response_minutes=30,
                       resolution_minutes=240, calendar_id=default.calendar_id)
    db.session.add(urgent)
    db.session.commit()
    set_priority(ticket, "urgent", people["lee"])
    assert ticket.sla_policy_id == urgent.id
    assert ticket.first_response_due_at == ticket.opened_at + timedelta(minutes=30)
    change = _events(ticket, "sla_policy")[-1].data
    assert (change["from"], change["to"], change["priority"]) == (default.id, urgent.id, "urgent")
    set_priority(ticket, "low", people["lee"])  # no low policy: the channel's default applies again
    assert ticket.sla_policy_id == default.id and ticket.first_response_due_at == ticket.opened_at + timedelta(hours=4)


def test_pending_then_back_to_open_and_resolve_then_reopen(people):
    ada = people["ada"]
    ticket = open_ticket("t1")
    set_pending(ticket, ada)
    reopen_ticket(ticket, ada)
    assert ticket.status == "open"
    resolve_ticket(ticket, ada)
    with pytest.raises(ActionError, match="already resolved"):
        resolve_ticket(ticket, ada)
    reopen_ticket(ticket, ada)
    with pytest.raises(ActionError, match="only resolved or pending"):
        reopen_ticket(ticket, ada)
    statuses = [(e.type, (e.data or {}).get("to"), e.actor_id) for e in ticket.events if e.type in ("status", "reopened")]
    assert statuses == [("status", "pending", ada.id), ("status", "open", ada.id), ("status", "resolved", ada.id),
                        ("reopened", None, ada.id)]


@pytest.mark.parametrize("raw, name", [
    ("  Refund ", "refund"),
    ("ＲＥＦＵＮＤ", "refund"),  # full-width, as a Japanese keyboard types it
    ("Billing   Issue", "billing issue"),
    ("返品", "返品"),
    ("配送 遅延", "配送 遅延"),
    ("👩‍💻", "👩‍💻"),  # an emoji sequence joined by U+200D
    ("x" * MAX_TAG_CHARS, "x" * MAX_TAG_CHARS),
])
def test_tag_names_are_normalised(raw, name):
    assert normalize_tag(raw) == name


@pytest.mark.parametrize("raw, error", [
    ("", "empty"), ("   ", "empty"), ("\u3000", "empty"),  # an ideographic space is still nothing
    ("x" * (MAX_TAG_CHARS + 1), "at most 64"), ("x" * 10_000, "at most 64"),
    ("bad\x00tag", "control character"), ("bell\x07", "control character"),
    ("evil\u202etxt.exe", "control character"),  # a bidi override would make the tag lie about itself
    ("zero\u200bwidth", "control character"),
])
def test_bad_tag_names_are_refused(raw, error):
    with pytest.raises(ActionError, match=error):
        normalize_tag(raw)


def test_several_tags_in_one_field():
    assert parse_tags("Refund, outage、返品，refund") == ["refund", "outage", "返品"]
    with pytest.raises(ActionError, match="empty"):
        parse_tags(" , 、")
    with pytest.raises(ActionError, match="at most 20"):
        parse_tags(",".join(f"t{i}" for i in range(21)))


def test_tags_are_shared_rows_and_each_change_is_an_event(people):
    ada = people["ada"]
    first, second = open_ticket("t1"), open_ticket("t2")
    assert add_tags(first, "Refund, 返品", ada) == ["refund", "返品"]
    assert add_tags(second, "REFUND", ada) == ["refund"]
    assert db.session.scalar(select(func.count()).select_from(Tag)) == 2
    assert [t.name for t in first.tags] == sorted(["refund", "返品"])
    with pytest.raises(ActionError, match="already tagged refund"):
        add_tags(first, "refund", ada)
    assert add_tags(first, "refund, outage", ada) == ["outage"]
    remove_tag(first, " Refund", ada)
    assert [t.name for t in first.tags] == ["outage", "返品"]
    with pytest.raises(ActionError, match="has no tag refund"):
        remove_tag(first, "refund", ada)
    events = [(e.type, e.data["tags"], e.actor_id) for e in first.events if e.type.startswith("tags_")]
    assert events == [("tags_added", ["refund", "返品"], ada.id), ("tags_added", ["outage"], ada.id),
                      ("tags_removed", ["refund"], ada.id)]
    assert all(_recent(e.at) for e in first.events if e.type.startswith("tags_"))


def test_internal_notes(people):
    ada = people["ada"]
    ticket = open_ticket("t1")
    note = add_note(ticket, "  Called the courier\r\nthey will redeliver tomorrow  ", ada)
    assert note.body == "Called the courier\nthey will redeliver tomorrow"
    assert (note.author_id, note.ticket_id) == (ada.id, ticket.id) and _recent(note.created_at)
    [event] = _events(ticket, "note")
    assert event.data == {"note_id": note.id} and event.actor_id == ada.id
    for bad, error in (("", "empty"), (" \n\t ", "empty"), ("x" * (MAX_NOTE_CHARS + 1), "longer than"), ("a\x00b", "NUL")):
        with pytest.raises(ActionError, match=error):
            add_note(ticket, bad, ada)
    assert db.session.scalar(select(func.count()).select_from(TicketNote)) == 1
    add_note(ticket, "返品の手続きを案内済み", ada)
    assert [n.body for n in ticket.notes][-1] == "返品の手続きを案内済み"
