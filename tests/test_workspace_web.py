"""The ticket page and the action routes as a browser uses them: hooks, escaping, roles, bulk, admin pages."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from inbox.auth.models import User
from inbox.extensions import db
from inbox.tickets.workspace.actions import resolve_ticket, set_pending
from inbox.tickets.workspace.assignment import take_ticket
from inbox.tickets.workspace.canned import create_canned
from inbox.tickets.models import CannedResponse, Ticket, TicketEvent, TicketNote
from inbox.tickets.workspace.notes import add_note
from inbox.tickets.workspace.tags import add_tags
from tests.helpers import ago, message
from tests.workspace import PASSWORD, login, open_ticket, sending_account, token, user

SCRIPT = "<script>alert('pwned')</script>"


@pytest.fixture
def ada(app):
    return user("agent", "Ada Agent")


@pytest.fixture
def lee(app):
    return user("lead", "Lee Lead")


@pytest.fixture
def boss(app):
    return user("admin", "Ann Admin")


def _page(client, ticket) -> str:
    response = client.get(f"/tickets/{ticket.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _post(client, url: str, **data):
    return client.post(url, data={**data, "csrf_token": token(client)})


def test_ticket_page_has_the_contract_hooks(client, ada, tmp_path):
    sending_account(tmp_path)
    ticket = open_ticket("c1")
    html = _page(login(client, ada.email), ticket)
    assert f'<article id="ticket" class="ticket-page" data-ticket-id="{ticket.id}">' in html
    assert '<div id="presence" aria-live="polite"></div>' in html
    for hook in ('<ol id="thread">', 'id="reply-form"', 'id="reply-text" name="text"', 'id="reply-send"', 'id="note-form"',
                 'id="note-text" name="body"', 'id="note-add"', 'id="resolve-form"', 'id="resolve-btn"', 'id="take-btn"',
                 'id="pending-btn"', 'class="thread-item thread-message"'):
        assert hook in html, hook
    assert "reopen-btn" not in html
    assert 'src="/static/ticket.js"' in html and "https://" not in html.split("<main")[1].split("open original")[0]
    _post(client, f"/tickets/{ticket.id}/resolve", confirm="1")
    html = _page(client, ticket)
    assert 'id="reopen-btn"' in html and "resolve-form" not in html and "pending-btn" not in html


def test_one_thread_in_time_order_with_notes_replies_and_events(client, ada, lee):
    from inbox.channels import get_or_create_account
    from inbox.connectors.jsonl import message_from_record
    from inbox.sentiment import Sentiment
    from inbox.tickets.ingest import ingest_messages

    ticket = open_ticket("c1", "first message", minutes_ago=60)
    account, _ = get_or_create_account("X", "jsonl", "x")
    ingest_messages(account, [message_from_record(message("m-2", "c1", "second message", ago(minutes=5), author="a-c1"))],
                    [Sentiment("neutral", 0.8, "test-fixture")], timedelta(days=7))
    take_ticket(ticket, ada)
    add_note(ticket, "checked the courier", ada)
    add_tags(ticket, "courier", lee)
    html = _page(login(client, ada.email), ticket)
    thread = html.split('<ol id="thread">')[1].split("</ol>")[0]
    order = [re.search(r"thread-(message|reply|note|event)", item).group(1)
             for item in re.findall(r'<li class="thread-item [^"]+"', thread)]
    assert order == ["message", "event", "message", "event", "note", "event"]
    assert thread.index("first message") < thread.index("Ticket opened") < thread.index("second message") \
        < thread.index("took the ticket") < thread.index("checked the courier") < thread.index("added tag courier")
    assert "<strong>Ada Agent</strong> took the ticket" in thread and "<strong>Lee Lead</strong> added tag courier" in thread
    assert "Ticket opened with priority" in thread


def test_customer_text_note_text_and_names_are_escaped(client, ada, tmp_path):
    sending_account(tmp_path)
    ticket = open_ticket("c1", SCRIPT + " my bill is wrong", name=f'Mal "lory" {SCRIPT}')
    create_canned("Hello", "Hi {customer_name}, I'm {agent_name}", ada)
    add_note(ticket, SCRIPT + " note", ada)
    add_tags(ticket, "<b>bold</b>", ada)
    html = _page(login(client, ada.email), ticket)
    assert "<script>alert" not in html and "<b>bold</b>" not in html
    assert "&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt; my bill is wrong" in html
    assert "&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt; note" in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html
    # the canned option's data-body carries the customer's name, escaped for the attribute
    option = re.search(r'<option value="\d+" data-body="([^"]*)">Hello</option>', html)
    assert option is not None
    assert option.group(1) == ("Hi Mal &#34;lory&#34; &lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt;, "
                               "I&#39;m Ada Agent")


def test_notes_from_the_page(client, ada):
    ticket = open_ticket("c1")
    login(client, ada.email)
    response = _post(client, f"/tickets/{ticket.id}/notes", body="  ")
    assert response.status_code == 422 and "Note not added: the note is empty" in response.get_data(as_text=True)
    long = "x" * 10_001
    response = _post(client, f"/tickets/{ticket.id}/notes", body=long)
    assert response.status_code == 422 and long in response.get_data(as_text=True)  # the draft is kept
    response = _post(client, f"/tickets/{ticket.id}/notes", body="Refund approved 返金済み")
    note = db.session.scalars(select(TicketNote)).one()
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/tickets/{ticket.id}#n{note.id}")
    assert f'<li class="thread-item thread-note" id="n{note.id}">' in _page(client, ticket)


def test_agents_cannot_assign_to_others_even_by_crafting_the_form(client, ada, lee):
    bea = user("agent", "Bea Agent")
    ticket = open_ticket("c1")
    login(client, ada.email)
    assert 'id="assignee"' not in _page(client, ticket)  # no reassign control for agents
    assert _post(client, f"/tickets/{ticket.id}/assign", assignee_id=str(bea.id)).status_code == 403
    assert _post(client, f"/tickets/{ticket.id}/assign", assignee_id="99999").status_code == 404
    assert _post(client, f"/tickets/{ticket.id}/assign", assignee_id="1 OR 1=1").status_code == 400
    db.session.refresh(ticket)
    assert ticket.assignee_id is None
    assert _post(client, f"/tickets/{ticket.id}/take").status_code == 302
    db.session.refresh(ticket)
    assert ticket.assignee_id == ada.id
    # Bea cannot take it away from Ada, and the page offers her no Take button
    client.post("/logout", data={"csrf_token": token(client)})
    login(client, bea.email)
    assert 'id="take-btn"' not in _page(client, ticket)
    response = _post(client, f"/tickets/{ticket.id}/take")
    assert response.status_code == 302
    db.session.refresh(ticket)
    assert ticket.assignee_id == ada.id
    assert _post(client, f"/tickets/{ticket.id}/unassign").status_code == 302
    db.session.refresh(ticket)
    assert ticket.assignee_id == ada.id
    assert "ask a lead to reassign it" in _page(client, ticket)


def test_leads_reassign_from_the_page(client, ada, lee):
    ticket = open_ticket("c1")
    take_ticket(ticket, ada)
    login(client, lee.email)
    html = _page(client, ticket)
    assert 'id="assignee" name="assignee_id"' in html and "Ada Agent (agent)" in html
    assert _post(client, f"/tickets/{ticket.id}/assign", assignee_id=str(lee.id)).status_code == 302
    db.session.refresh(ticket)
    assert ticket.assignee_id == lee.id
    assert "<strong>Lee Lead</strong> took the ticket from Ada Agent" in _page(client, ticket)
    assert _post(client, f"/tickets/{ticket.id}/assign", assignee_id="none").status_code == 302
    db.session.refresh(ticket)
    assert ticket.assignee_id is None


def test_priority_and_tags_from_the_page(client, ada):
    ticket = open_ticket("c1")
    login(client, ada.email)
    assert _post(client, f"/tickets/{ticket.id}/priority", priority="urgent").status_code == 302
    assert _post(client, f"/tickets/{ticket.id}/priority", priority="<script>").status_code == 302
    db.session.refresh(ticket)
    assert ticket.priority == "urgent"
    assert _post(client, f"/tickets/{ticket.id}/tags", tags="返品, Refund").status_code == 302
    html = _page(client, ticket)
    assert "Tagged 返品, refund." in html and 'aria-label="Remove tag 返品"' in html
    assert "changed the priority" in html and "urgent" in html
    assert _post(client, f"/tickets/{ticket.id}/tags/remove", tag="返品").status_code == 302
    assert _post(client, f"/tickets/{ticket.id}/tags", tags="x" * 100_000).status_code == 302
    db.session.refresh(ticket)
    assert [t.name for t in ticket.tags] == ["refund"]


def test_actions_go_back_to_a_safe_next_only(client, ada):
    ticket = open_ticket("c1")
    login(client, ada.email)
    response = _post(client, f"/tickets/{ticket.id}/take", next="/?view=mine")
    assert response.headers["Location"] == "/?view=mine"
    for hostile in ("https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)", "/\r\nSet-Cookie: x=1"):
        response = _post(client, f"/tickets/{ticket.id}/unassign", next=hostile)
        assert response.headers["Location"] == f"/tickets/{ticket.id}", hostile


def test_bulk_from_the_list(client, ada):
    tickets = [open_ticket(f"c{i}") for i in range(3)]
    resolve_ticket(tickets[0], ada)
    login(client, ada.email)
    selection = {"ticket_ids": [str(t.id) for t in tickets], "action": "resolve", "next": "/?view=open"}
    # two of the three have no reply the customer got: the list says so before resolving anything
    ask = client.post("/tickets/bulk", data={**selection, "csrf_token": token(client)})
    page = ask.get_data(as_text=True)
    assert ask.status_code == 200 and "2 of the 3" in page and 'id="bulk-resolve-confirm"' in page
    db.session.expire_all()
    assert db.session.get(Ticket, tickets[1].id).status != "resolved"
    response = client.post("/tickets/bulk", data={**selection, "confirm": "1", "csrf_token": token(client)})
    assert response.status_code == 302 and response.headers["Location"] == "/?view=open"
    page = client.get("/?view=open").get_data(as_text=True)
    assert f"2 resolved, 1 skipped: already resolved (#{tickets[0].id})" in page
    db.session.expire_all()
    assert {t.status for t in db.session.scalars(select(Ticket))} == {"resolved"}


@pytest.mark.parametrize("ids", [["1 OR 1=1"], ["-5"], [""], ["9" * 40], ["１"], [str(i) for i in range(1, 502)], []])
def test_bulk_with_hostile_ids_changes_nothing(client, ada, ids):
    ticket = open_ticket("c1")
    login(client, ada.email)
    response = client.post("/tickets/bulk", data={"ticket_ids": ids + [str(ticket.id)] if ids else [], "action": "resolve",
                                                  "next": "https://evil.example/", "csrf_token": token(client)})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "Nothing changed" in client.get("/").get_data(as_text=True)
    db.session.refresh(ticket)
    assert ticket.status == "new"


def test_bulk_assign_to_someone_else_is_for_leads(client, ada, lee):
    ticket = open_ticket("c1")
    login(client, ada.email)
    data = {"ticket_ids": [str(ticket.id)], "action": "assign", "assignee_id": str(lee.id), "csrf_token": token(client)}
    assert client.post("/tickets/bulk", data=data).status_code == 403
    assert client.post("/tickets/bulk", data={**data, "assignee_id": "me"}).status_code == 302
    db.session.refresh(ticket)
    assert ticket.assignee_id == ada.id
    for action in ("delete", "", "resolve'--"):
        assert client.post("/tickets/bulk", data={**data, "action": action}).status_code == 302
    assert "bulk action must be one of" in client.get("/").get_data(as_text=True)


def test_sla_timers_run_and_pause(client, ada):
    ticket = open_ticket("c1", minutes_ago=30)
    login(client, ada.email)
    timers = _page(client, ticket).split('<dl class="timers">')[1].split("</dl>")[0]
    assert "First response" in timers and "Resolution" in timers
    assert re.search(r'class="due-on_track">3h 2\dm left', timers)
    set_pending(ticket, ada)
    timers = _page(client, ticket).split('<dl class="timers">')[1].split("</dl>")[0]
    assert timers.count('class="due-paused">paused') == 2  # waiting on the customer pauses both clocks
    assert not re.search(r'class="due-on_track">', timers)


def test_customer_panel_shows_every_channel_and_earlier_outcomes(client, ada):
    earlier = open_ticket("c1", "first time", author="kenji")
    resolve_ticket(earlier, ada)
    other = open_ticket("c2", "still waiting", author="kenji")
    current = open_ticket("c3", "third time", author="kenji")
    html = _page(login(client, ada.email), current)
    panel = html.split('aria-labelledby="h-customer"')[1].split("</section>")[0]
    assert f'href="/tickets/{earlier.id}"' in panel and f'href="/tickets/{other.id}"' in panel
    assert 'status-resolved">resolved' in panel and 'status-new">new' in panel
    assert f'href="/tickets/{current.id}"' not in panel
    assert "@kenji" in panel


def test_canned_responses_fill_the_picker_only_when_active(client, ada, boss, tmp_path):
    sending_account(tmp_path)
    ticket = open_ticket("c1", name="Kenji Tanaka")
    harmless = create_canned("Odd", "{__class__} {0} {customer_name.__class__} {customer_name}", boss)
    login(client, ada.email)
    html = _page(client, ticket)
    assert 'data-body="{__class__} {0} {customer_name.__class__} Kenji Tanaka">Odd</option>' in html
    client.post("/logout", data={"csrf_token": token(client)})
    login(client, boss.email)
    assert _post(client, f"/admin/canned/{harmless.id}/active", active="0").status_code == 302
    assert ">Odd</option>" not in _page(client, ticket)


def test_admin_manages_canned_responses(client, boss):
    login(client, boss.email)
    response = _post(client, "/admin/canned/new", title="Sorry", body="Hi {customer_name}, sorry. {agent_name} {order}")
    assert response.status_code == 302
    listing = client.get("/admin/canned").get_data(as_text=True)
    assert "Left as typed (not a placeholder): {order}" in listing
    assert "Hi Hana Sato, sorry. Ada {order}" in listing  # the preview fills an example
    canned = db.session.scalars(select(CannedResponse)).one()
    assert _post(client, "/admin/canned/new", title="sorry", body="dup").status_code == 422
    response = _post(client, f"/admin/canned/{canned.id}/edit", title="Sorry", body=SCRIPT)
    assert response.status_code == 302
    assert "<script>alert" not in client.get("/admin/canned").get_data(as_text=True)
    assert client.get("/admin/canned/999/edit").status_code == 404
    assert _post(client, f"/admin/canned/{canned.id}/active", active="maybe").status_code == 400


def test_admin_adds_a_user_who_can_then_sign_in(client, boss):
    login(client, boss.email)
    response = _post(client, "/admin/users", email="New.Agent@Example.com", name="Nao Agent", role="agent")
    assert response.status_code == 200
    password = re.search(r'class="copy-link" readonly value="([^"]+)"', response.get_data(as_text=True)).group(1)
    assert "Their password is shown only now" in response.get_data(as_text=True)
    assert password not in client.get("/admin/users").get_data(as_text=True)  # once
    for email, role in (("new.agent@example.com", "agent"), ("x", "agent"), ("ok@example.com", "root")):
        assert _post(client, "/admin/users", email=email, name="n", role=role).status_code == 422
    client.post("/logout", data={"csrf_token": token(client)})
    page = client.get("/login")
    from tests.helpers import csrf_token

    assert client.post("/login", data={"email": "new.agent@example.com", "password": password,
                                       "csrf_token": csrf_token(page)}).status_code == 302


def test_roles_change_and_the_last_admin_stays(client, boss, ada):
    login(client, boss.email)
    assert _post(client, f"/admin/users/{boss.id}/role", role="lead").status_code == 302
    db.session.refresh(boss)
    assert boss.role == "admin"
    assert "only active admin" in client.get("/admin/users").get_data(as_text=True)
    assert _post(client, f"/admin/users/{boss.id}/active", active="0").status_code == 302
    db.session.refresh(boss)
    assert boss.active
    assert _post(client, f"/admin/users/{ada.id}/role", role="admin").status_code == 302
    db.session.refresh(ada)
    assert ada.role == "admin"
    # with a second admin, the first may step down; then the second is the last and stays
    assert _post(client, f"/admin/users/{boss.id}/role", role="lead").status_code == 302
    db.session.refresh(boss)
    assert boss.role == "lead"
    assert client.get("/admin/users").status_code == 403  # the demotion applies at once


def test_deactivated_users_are_signed_out_and_cannot_sign_in(app, boss, ada):
    from tests.helpers import csrf_token

    agent_client, admin_client = app.test_client(), app.test_client()

    def as_(client, action, *args):
        # each request in its own app context, so the signed-in user is not carried between the two browsers
        with app.app_context():
            return action(client, *args)

    as_(agent_client, login, ada.email)
    as_(admin_client, login, boss.email)
    assert as_(admin_client, lambda c: _post(c, f"/admin/users/{ada.id}/active", active="0")).status_code == 302
    response = as_(agent_client, lambda c: c.get("/"))
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    refused = as_(agent_client, lambda c: c.post("/login", data={"email": ada.email, "password": PASSWORD,
                                                                 "csrf_token": csrf_token(c.get("/login"))}))
    assert refused.status_code == 401
    assert as_(admin_client, lambda c: _post(c, f"/admin/users/{ada.id}/active", active="1")).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, ada.id).active


def test_every_action_is_an_event_with_who_and_when(client, ada):
    ticket = open_ticket("c1")
    login(client, ada.email)
    for url, data in ((f"/tickets/{ticket.id}/take", {}), (f"/tickets/{ticket.id}/priority", {"priority": "low"}),
                      (f"/tickets/{ticket.id}/tags", {"tags": "vip"}), (f"/tickets/{ticket.id}/tags/remove", {"tag": "vip"}),
                      (f"/tickets/{ticket.id}/notes", {"body": "n"}), (f"/tickets/{ticket.id}/pending", {}),
                      (f"/tickets/{ticket.id}/reopen", {}), (f"/tickets/{ticket.id}/resolve", {"confirm": "1"}),
                      (f"/tickets/{ticket.id}/reopen", {}), (f"/tickets/{ticket.id}/unassign", {})):
        assert _post(client, url, **data).status_code == 302, url
    events = db.session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id, TicketEvent.actor_id.is_not(None))
                                .order_by(TicketEvent.id)).all()
    assert [e.type for e in events] == ["assignment", "priority", "tags_added", "tags_removed", "note", "status", "status",
                                        "status", "reopened", "assignment"]
    assert {e.actor_id for e in events} == {ada.id} and all(e.at.tzinfo is not None for e in events)


def test_nul_bytes_and_huge_fields_get_a_clear_error_not_a_500(client, ada, boss):
    """PostgreSQL refuses NUL even in a query parameter; every field that reaches the database checks first."""
    from tests.helpers import csrf_token

    page = client.get("/login")
    assert client.post("/login", data={"email": "a\x00@x", "password": "x\x00", "csrf_token": csrf_token(page)}).status_code == 401
    ticket = open_ticket("c1")
    login(client, ada.email)
    assert _post(client, f"/tickets/{ticket.id}/reply", text="a\x00b").status_code == 422
    assert _post(client, f"/tickets/{ticket.id}/notes", body="a\x00b").status_code == 422
    for url, data in ((f"/tickets/{ticket.id}/tags", {"tags": "a\x00b"}), (f"/tickets/{ticket.id}/tags/remove", {"tag": "a\x00b"}),
                      (f"/tickets/{ticket.id}/priority", {"priority": "\x00"}), (f"/tickets/{ticket.id}/assign", {"assignee_id": "\x00"}),
                      (f"/tickets/{ticket.id}/take", {"next": "/\x00"}), ("/tickets/bulk", {"ticket_ids": "\x00", "action": "resolve"}),
                      ("/tickets/bulk", {"ticket_ids": str(ticket.id), "action": "tag", "tag": "\x00"}),
                      ("/tickets/bulk", {"ticket_ids": str(ticket.id), "action": "a\x00"})):
        assert _post(client, url, **data).status_code in (302, 400), url
    client.post("/logout", data={"csrf_token": token(client)})
    login(client, boss.email)
    assert _post(client, "/admin/users", email="a\x00@example.com", name="n", role="agent").status_code == 422
    assert _post(client, "/admin/users", email="ok@example.com", name="n\x00", role="agent").status_code == 422
    assert _post(client, "/admin/users", email="ok@example.com", name="n" * 300, role="agent").status_code == 422
    assert _post(client, f"/admin/users/{ada.id}/role", role="\x00").status_code == 302
    assert _post(client, "/admin/canned/new", title="t\x00", body="b").status_code == 422
    assert _post(client, "/admin/canned/new", title="t", body="b\x00").status_code == 422
    assert _post(client, "/admin/canned/new", title="t", body="b" * 20_000).status_code == 422
    db.session.refresh(ticket)
    assert ticket.status == "new" and ticket.tags == []
