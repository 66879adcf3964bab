"""Tickets, messages and notes through the API, per role and token scope."""
from __future__ import annotations

from sqlalchemy import select

from inbox.extensions import db
from inbox.tickets.models import Message, Ticket, TicketEvent
from tests.workspace import open_ticket

PROBLEM = "application/problem+json"


def test_list_filters_and_keyset_pages(make_api):
    api = make_api("agent")
    for i in range(5):
        open_ticket(f"c{i}", minutes_ago=60 - i, channel="x" if i % 2 else "email")
    first = api.get("/tickets?limit=2")
    assert first.status_code == 200, first.data
    body = first.get_json()
    assert len(body["items"]) == 2 and body["next"]
    seen = [t["id"] for t in body["items"]]
    cursor = body["next"]
    while cursor:
        page = api.get(f"/tickets?limit=2&after={cursor}").get_json()
        seen += [t["id"] for t in page["items"]]
        cursor = page["next"]
    assert sorted(seen) == sorted(db.session.scalars(select(Ticket.id)))
    assert len(seen) == len(set(seen)) == 5
    emails = api.get("/tickets?channel=email").get_json()["items"]
    assert {t["channel"] for t in emails} == {"email"} and len(emails) == 3
    assert api.get("/tickets?view=mine").get_json()["items"] == []


def test_bad_query_values_are_problems_not_500s(make_api):
    api = make_api("agent")
    for query in ("limit=0", "limit=abc", "view=nope", "channel=fax", "after=garbage", "week=2026-W99", "assignee=bob",
                  "limit=99999999999999999999"):
        response = api.get(f"/tickets?{query}")
        assert response.status_code == 422, (query, response.data)
        assert response.mimetype == PROBLEM
        assert response.get_json()["status"] == 422
    assert api.get("/tickets?q=%00").status_code == 400
    assert api.get("/tickets/0").status_code == 404
    assert api.get("/tickets/99999999999").status_code == 404
    assert api.get("/tickets/abc").mimetype == PROBLEM
    assert api.get("/nothing-here").status_code == 404


def test_get_update_and_history(make_api):
    ticket = open_ticket("c1")
    agent = make_api("agent")
    response = agent.patch(f"/tickets/{ticket.id}", json={"priority": "urgent", "tags": {"add": ["ＲＥＦＵＮＤ", "late"]},
                                                          "assignee_id": agent.user.id})
    assert response.status_code == 200, response.data
    body = response.get_json()
    assert body["priority"] == "urgent" and body["tags"] == ["late", "refund"] and body["assignee_id"] == agent.user.id
    types = [e.type for e in db.session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id))]
    assert {"priority", "tags_added", "assignment"} <= set(types)
    # pending, then reopen, then remove a tag
    assert agent.patch(f"/tickets/{ticket.id}", json={"status": "pending"}).get_json()["status"] == "pending"
    assert agent.patch(f"/tickets/{ticket.id}", json={"status": "open", "tags": {"remove": ["late"]}}).get_json()["tags"] == ["refund"]


def test_update_is_all_or_nothing(make_api):
    ticket = open_ticket("c1")
    api = make_api("agent")
    # the tag change is valid but the ticket cannot be reopened (it is new): nothing changes
    response = api.patch(f"/tickets/{ticket.id}", json={"priority": "low", "status": "open"})
    assert response.status_code == 409 and response.mimetype == PROBLEM
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).priority != "low"


def test_resolving_an_unanswered_ticket_needs_confirmation(make_api):
    ticket = open_ticket("c1")
    api = make_api("agent")
    refused = api.patch(f"/tickets/{ticket.id}", json={"status": "resolved"})
    assert refused.status_code == 409 and "confirm_unanswered" in refused.get_json()["detail"]
    done = api.patch(f"/tickets/{ticket.id}", json={"status": "resolved", "confirm_unanswered": True})
    assert done.status_code == 200 and done.get_json()["status"] == "resolved"


def test_bad_bodies(make_api):
    ticket = open_ticket("c1")
    api = make_api("agent")
    path = f"/tickets/{ticket.id}"
    assert api.patch(path, json={}).status_code == 422
    assert api.patch(path, json={"priority": "extreme"}).status_code == 422
    assert api.patch(path, json={"unknown": 1}).status_code == 422
    assert api.patch(path, json=[1, 2]).status_code == 422
    assert api.patch(path, json={"tags": {"add": ["a\u0007b"]}}).status_code == 422
    assert api.patch(path, json={"assignee_id": 999999}).status_code == 404
    raw = api.client.patch("/api/v1" + path, data=b"{not json", headers={**api._headers(), "Content-Type": "application/json"})
    assert raw.status_code == 400 and raw.mimetype == PROBLEM
    form = api.client.patch("/api/v1" + path, data={"priority": "high"}, headers=api._headers())
    assert form.status_code == 415


def test_agent_token_cannot_do_what_an_agent_cannot(make_api):
    ticket = open_ticket("c1")
    agent, other, lead = make_api("agent"), make_api("agent", name="Other Agent"), make_api("lead")
    # assigning to someone else is a lead's call
    assert agent.patch(f"/tickets/{ticket.id}", json={"assignee_id": other.user.id}).status_code == 403
    assert lead.patch(f"/tickets/{ticket.id}", json={"assignee_id": other.user.id}).status_code == 200
    # taking a ticket assigned to someone else, or unassigning it, too
    assert agent.patch(f"/tickets/{ticket.id}", json={"assignee_id": agent.user.id}).status_code == 403
    assert agent.patch(f"/tickets/{ticket.id}", json={"assignee_id": 0}).status_code == 403
    assert other.patch(f"/tickets/{ticket.id}", json={"assignee_id": 0}).status_code == 200
    # lead-only reports
    for path in ("/reports/sla", "/reports/dashboard", "/exports", "/reports/tickets.csv"):
        assert agent.get(path).status_code == 403, path
        assert lead.get(path).status_code == 200, path


def test_read_token_reads_only(make_api):
    ticket = open_ticket("c1")
    reader = make_api("admin", scope="read")
    assert reader.get(f"/tickets/{ticket.id}").status_code == 200
    refused = reader.post(f"/tickets/{ticket.id}/notes", json={"body": "hello"})
    assert refused.status_code == 403 and "read-only" in refused.get_json()["detail"]


def test_reply_is_queued_like_the_ui(make_api, run_jobs):
    ticket = open_ticket("c1")
    api = make_api("agent")
    response = api.post(f"/tickets/{ticket.id}/messages", json={"text": "Sorry about that, we are on it."})
    assert response.status_code == 202, response.data
    assert response.get_json()["delivery_state"] == "sending"
    message = db.session.get(Message, response.get_json()["id"])
    assert message.sent_by_id == api.user.id and message.direction == "outbound"
    assert db.session.scalar(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id, TicketEvent.type == "reply_queued"))
    run_jobs()
    listed = api.get(f"/tickets/{ticket.id}/messages").get_json()["items"]
    assert [m["direction"] for m in listed] == ["inbound", "outbound"]
    assert listed[1]["delivery_state"] in ("sent", "failed")
    assert api.post(f"/tickets/{ticket.id}/messages", json={"text": "   "}).status_code == 422


def test_notes(make_api):
    ticket = open_ticket("c1")
    api = make_api("agent")
    created = api.post(f"/tickets/{ticket.id}/notes", json={"body": "called the courier"})
    assert created.status_code == 201
    assert api.get(f"/tickets/{ticket.id}/notes").get_json()["items"][0]["body"] == "called the courier"
    assert api.post(f"/tickets/{ticket.id}/notes", json={"body": "x\u0000y"}).status_code == 422


def test_tokens_are_checked(app, make_api):
    ticket = open_ticket("c1")
    client = app.test_client()
    assert client.get("/api/v1/tickets").status_code == 401
    wrong = client.get("/api/v1/tickets", headers={"Authorization": "Bearer inbox_not-a-token"})
    assert wrong.status_code == 401 and wrong.mimetype == PROBLEM and "Bearer" in wrong.headers["WWW-Authenticate"]
    assert client.get("/api/v1/tickets", headers={"Authorization": "Basic abc"}).status_code == 401
    api = make_api("agent")
    from inbox.api.models import ApiToken
    from inbox.api.tokens import revoke_token

    token = db.session.scalar(select(ApiToken).where(ApiToken.user_id == api.user.id))
    assert token.token_hash != api.token and api.token not in token.token_hash
    assert api.get(f"/tickets/{ticket.id}").status_code == 200
    revoke_token(token.id, api.user)
    assert api.get(f"/tickets/{ticket.id}").status_code == 401
