"""Bulk actions: hostile ids refused whole, a result per ticket, one event per changed ticket."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from inbox.extensions import db
from inbox.tickets.workspace.actions import ActionError, NotAllowed, resolve_ticket
from inbox.tickets.workspace.assignment import take_ticket
from inbox.tickets.workspace.bulk import MAX_BULK_TICKETS, BulkResult, bulk_apply, parse_ticket_ids
from inbox.tickets.models import Ticket, TicketEvent
from inbox.tickets.workspace.tags import add_tags
from tests.workspace import open_ticket, user


@pytest.mark.parametrize("raw", [
    ["1 OR 1=1"], ["-1"], ["0"], ["1e3"], ["1.0"], ["0x10"], [""], ["٣"], ["１"], ["²"], ["9" * 19],
    ["1", "two"], ["1; DROP TABLE tickets"], ["<script>"], ["' or ''='"], ["\x00"],
])
def test_malformed_ids_are_refused_whole(raw):
    with pytest.raises(ActionError, match="positive whole numbers"):
        parse_ticket_ids(raw)


def test_ids_are_capped_and_deduplicated():
    assert parse_ticket_ids([" 3", "1", "3", "2 "]) == [3, 1, 2]
    assert len(parse_ticket_ids([str(i) for i in range(1, MAX_BULK_TICKETS + 1)])) == MAX_BULK_TICKETS
    with pytest.raises(ActionError, match="at most 500"):
        parse_ticket_ids([str(i) for i in range(1, MAX_BULK_TICKETS + 2)])
    with pytest.raises(ActionError, match="no tickets"):
        parse_ticket_ids([])


def test_bulk_resolve_reports_each_ticket(app):
    ada = user("agent", "Ada Agent")
    tickets = [open_ticket(f"c{i}") for i in range(4)]
    resolve_ticket(tickets[0], ada)
    missing = max(t.id for t in tickets) + 100
    result = bulk_apply("resolve", [t.id for t in tickets] + [missing], ada)
    assert result.done == [t.id for t in tickets[1:]]
    assert result.skipped == {"already resolved": [tickets[0].id], "not found": [missing]}
    assert result.summary() == f"3 resolved, 2 skipped: 1 already resolved (#{tickets[0].id}); 1 not found (#{missing})"
    db.session.expire_all()
    assert {t.status for t in db.session.scalars(select(Ticket))} == {"resolved"}
    events = db.session.scalars(select(TicketEvent).where(TicketEvent.type == "status")).all()
    assert sorted(e.ticket_id for e in events) == sorted(t.id for t in tickets)
    assert {e.actor_id for e in events} == {ada.id} and all(e.at is not None for e in events)


def test_summary_wording():
    result = BulkResult("resolve", done=[1] * 7, skipped={"already resolved": [3, 9]})
    assert result.summary() == "7 resolved, 2 skipped: already resolved (#3, #9)"
    many = BulkResult("tag", done=[], skipped={"already tagged": list(range(1, 9))})
    assert many.summary() == "0 tagged, 8 skipped: already tagged (#1, #2, #3, #4, #5, …)"


def test_bulk_assign_follows_the_role_rules(app):
    ada, bea, lee = user("agent", "Ada Agent"), user("agent", "Bea Agent"), user("lead", "Lee Lead")
    mine, free, hers = open_ticket("c1"), open_ticket("c2"), open_ticket("c3")
    take_ticket(mine, ada)
    take_ticket(hers, bea)
    with pytest.raises(NotAllowed):
        bulk_apply("assign", [free.id], ada, assignee_id=str(bea.id))
    result = bulk_apply("assign", [mine.id, free.id, hers.id], ada, assignee_id="me")
    assert result.done == [free.id]
    assert result.skipped == {"already assigned to Ada Agent": [mine.id], "assigned to someone else": [hers.id]}
    result = bulk_apply("assign", [mine.id, free.id, hers.id], lee, assignee_id=str(bea.id))
    assert result.done == [mine.id, free.id]
    assert {t.assignee_id for t in (mine, free, hers)} == {bea.id}
    result = bulk_apply("assign", [mine.id, free.id], lee, assignee_id="none")
    assert result.done == [mine.id, free.id] and mine.assignee_id is None
    for bad in ("", "nobody", "99999", "1 OR 1=1", None):
        with pytest.raises(ActionError):
            bulk_apply("assign", [mine.id], lee, assignee_id=bad)


def test_bulk_tag(app):
    ada = user("agent", "Ada Agent")
    first, second = open_ticket("c1"), open_ticket("c2")
    add_tags(first, "outage", ada)
    result = bulk_apply("tag", [first.id, second.id], ada, tag="Outage")
    assert (result.done, result.skipped) == ([second.id], {"already tagged": [first.id]})
    assert [t.name for t in second.tags] == ["outage"]
    for bad in ("", "   ", "x" * 65, "a\x00"):
        with pytest.raises(ActionError):
            bulk_apply("tag", [first.id], ada, tag=bad)


def test_unknown_actions_are_refused(app):
    ada = user("agent")
    with pytest.raises(ActionError, match="must be one of"):
        bulk_apply("delete", [1], ada)
