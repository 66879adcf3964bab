"""Contacts, users, SLA and reports through the API; tokens in the browser; CSRF and rate limits."""
from __future__ import annotations

import re

from sqlalchemy import select

from inbox.api.models import ApiToken
from inbox.api.tokens import hash_token
from inbox.extensions import db
from tests.helpers import csrf_token
from tests.workspace import login, open_ticket, user

PROBLEM = "application/problem+json"


def test_contact_get_and_merge(make_api):
    first, second = open_ticket("c1", author="ann"), open_ticket("c2", author="ann-other")
    api = make_api("agent")
    contact = api.get(f"/contacts/{first.contact_id}").get_json()
    assert contact["ticket_ids"] == [first.id] and contact["identities"][0]["handle"] == "@ann"
    merged = api.post(f"/contacts/{first.contact_id}/merge", json={"source_id": second.contact_id, "reason": "same person"})
    assert merged.status_code == 200, merged.data
    body = merged.get_json()
    assert sorted(body["contact"]["ticket_ids"]) == sorted([first.id, second.id])
    assert body["moved_ticket_ids"] == [second.id]
    again = api.post(f"/contacts/{first.contact_id}/merge", json={"source_id": second.contact_id})
    assert again.status_code == 409 and again.mimetype == PROBLEM
    assert api.post(f"/contacts/{first.contact_id}/merge", json={"source_id": first.contact_id}).status_code == 409
    assert api.post(f"/contacts/{first.contact_id}/merge", json={"source_id": 123456}).status_code == 404
    assert api.get("/contacts/123456").status_code == 404


def test_users_show_email_to_admins_and_self(make_api):
    agent, admin = make_api("agent"), make_api("admin")
    listed = agent.get("/users").get_json()["items"]
    by_id = {u["id"]: u for u in listed}
    assert by_id[admin.user.id]["email"] is None and by_id[agent.user.id]["email"] == agent.user.email
    assert admin.get(f"/users/{agent.user.id}").get_json()["email"] == agent.user.email
    assert agent.get("/users/me").get_json()["id"] == agent.user.id
    assert agent.get("/users/777777").status_code == 404


def test_sla_outcome_and_reports(make_api):
    ticket = open_ticket("c1", minutes_ago=10)
    lead = make_api("lead")
    sla = lead.get(f"/tickets/{ticket.id}/sla").get_json()
    assert sla["first_response_state"] == "running" and sla["first_response_due_at"] and sla["history"]
    report = lead.get("/reports/sla").get_json()
    assert report["total"]["tickets"] == 1 and report["by_channel"][0]["key"] == "x"
    assert lead.get("/reports/sla?from=2026-02-01&to=2026-01-01").get_json()["end"] == "2026-02-01"
    assert lead.get("/reports/sla?from=0001-01-01").status_code == 422
    assert lead.get("/reports/sla?from=yesterday").status_code == 422
    dash = lead.get("/reports/dashboard").get_json()
    assert dash["unassigned"] == 1 and dash["oldest_unassigned_ticket_ids"] == [ticket.id]
    csv = lead.get("/reports/tickets.csv")
    assert csv.status_code == 200 and csv.mimetype == "text/csv" and str(ticket.id) in csv.get_data(as_text=True)


def test_exports_listed_and_downloaded(app, make_api, tmp_path):
    from inbox.voice.files import store_files

    written = tmp_path / "inbox-2026-W40-summary.csv"
    written.write_text("day,channel\n")
    store_files([written], 1_000_000)  # where a worker puts what it wrote: the database
    lead = make_api("lead")
    weeks = lead.get("/exports").get_json()["items"]
    week = next(w for w in weeks if w["week"] == "2026-W40")
    url = week["files"][0]["url"]
    assert url == "/api/v1/exports/inbox-2026-W40-summary.csv"
    assert lead.client.get(url, headers=lead._headers()).get_data(as_text=True) == "day,channel\n"
    assert lead.get("/exports/..%2Fsecret_key").status_code == 404
    assert lead.get("/exports/inbox-2026-W41-summary.csv").status_code == 404


def test_tokens_created_in_the_browser_are_shown_once_and_stored_hashed(client):
    user("agent", "Bea Tanaka")
    login(client, "bea.tanaka@example.com")
    page = client.get("/settings/api-tokens")
    assert page.status_code == 200
    created = client.post("/settings/api-tokens", data={"name": "CRM sync", "scope": "write", "csrf_token": csrf_token(page)})
    assert created.status_code == 201 and created.headers["Cache-Control"] == "no-store"
    plaintext = re.search(rb'id="new-token">(inbox_[^<]+)<', created.data).group(1).decode()
    row = db.session.scalar(select(ApiToken))
    assert row.token_hash == hash_token(plaintext) and plaintext not in row.prefix + row.token_hash
    again = client.get("/settings/api-tokens")
    assert plaintext.encode() not in again.data and row.prefix.encode() in again.data
    api = client.application.test_client()
    assert api.get("/api/v1/users/me", headers={"Authorization": f"Bearer {plaintext}"}).get_json()["name"] == "Bea Tanaka"
    revoked = client.post(f"/settings/api-tokens/{row.id}/revoke", data={"csrf_token": csrf_token(again)})
    assert revoked.status_code == 302
    assert api.get("/api/v1/users/me", headers={"Authorization": f"Bearer {plaintext}"}).status_code == 401
    refused = client.post("/settings/api-tokens", data={"name": " ", "scope": "write", "csrf_token": csrf_token(again)})
    assert refused.status_code == 422


def test_session_requests_keep_csrf_token_requests_need_none(client, make_api):
    ticket = open_ticket("c1")
    user("agent", "Bea Tanaka")
    login(client, "bea.tanaka@example.com")
    assert client.get(f"/api/v1/tickets/{ticket.id}").status_code == 200
    no_csrf = client.post(f"/api/v1/tickets/{ticket.id}/notes", json={"body": "hi"})
    assert no_csrf.status_code == 400 and "CSRF" in no_csrf.get_json()["detail"]
    token = csrf_token(client.get("/settings/api-tokens"))
    ok = client.post(f"/api/v1/tickets/{ticket.id}/notes", json={"body": "hi"}, headers={"X-CSRFToken": token})
    assert ok.status_code == 201
    api = make_api("agent")
    assert api.post(f"/tickets/{ticket.id}/notes", json={"body": "from a tool"}).status_code == 201


def test_rate_limit_per_token(app, make_api):
    from inbox.api.auth import _EXTENSION

    app.extensions.pop(_EXTENSION, None)
    app.config["API_RATE_LIMITS"] = "3/minute"
    try:
        first, second = make_api("agent"), make_api("agent", name="Other Agent")
        codes = [first.get("/users/me").status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        limited = first.get("/users/me")
        assert limited.mimetype == PROBLEM and int(limited.headers["Retry-After"]) >= 1
        assert second.get("/users/me").status_code == 200  # its own budget
    finally:
        app.extensions.pop(_EXTENSION, None)
        app.config["API_RATE_LIMITS"] = "120/minute;5000/hour"


def test_invalid_tokens_are_limited_per_address(app, make_api, monkeypatch):
    """Guessing tokens from one address: past INBOX_API_INVALID_TOKEN_LIMITS every token it sends is
    refused unchecked, a valid one included; other addresses are not affected (issue 24 item 12)."""
    from inbox.api.auth import _INVALID_EXTENSION

    monkeypatch.setitem(app.config, "API_INVALID_TOKEN_LIMITS", "5/minute")
    app.extensions.pop(_INVALID_EXTENSION, None)
    try:
        good = make_api("agent")
        guesser = {"REMOTE_ADDR": "203.0.113.50"}
        codes = [good.client.get("/api/v1/users/me", headers={"Authorization": f"Bearer inbox_guess{i}"},
                                 environ_overrides=guesser).status_code for i in range(5)]
        codes.append(good.client.get("/api/v1/users/me", headers={"Authorization": "Basic abc"},
                                     environ_overrides=guesser).status_code)
        assert codes == [401] * 5 + [429]
        refused = good.client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {good.token}"}, environ_overrides=guesser)
        assert refused.status_code == 429 and refused.mimetype == PROBLEM and int(refused.headers["Retry-After"]) >= 1
        assert "invalid tokens" in refused.get_json()["detail"]
        assert good.client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {good.token}"},
                               environ_overrides={"REMOTE_ADDR": "198.51.100.20"}).status_code == 200
        # valid tokens are not counted
        for _ in range(8):
            assert good.get("/users/me").status_code == 200
    finally:
        app.extensions.pop(_INVALID_EXTENSION, None)


def test_openapi_document(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"] == "3.1.0"
    patch = doc["paths"]["/tickets/{ticket_id}"]["patch"]
    assert patch["requestBody"]["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/TicketUpdate"
    assert "409" in patch["responses"] and "application/problem+json" in patch["responses"]["422"]["content"]
    assert set(doc["components"]["schemas"]["TicketUpdate"]["properties"]) >= {"status", "priority", "assignee_id", "tags"}


def test_every_422_the_reports_and_tickets_give_is_in_the_document(app, make_api):
    """Values the document allowed were refused with 422 it never mentioned, and `to=0` read as 1970-01-01
    (issue 24 item 12): the document now refuses them too, and says what else answers 422."""
    lead = make_api("lead")
    doc = lead.client.get("/api/v1/openapi.json").get_json()
    for path in ("/reports/sla", "/reports/tickets.csv"):
        operation = doc["paths"][path]["get"]
        patterns = {p["name"]: p["schema"]["pattern"] for p in operation["parameters"]}
        for value in ("0", "1700000000", "1969-12-31", "3000-01-01", "２０２６-01-01", "2026-1-1", "2026-02-30"):
            for name in ("from", "to"):
                answer = lead.get(path, query_string={name: value})
                assert answer.status_code == 422 and answer.mimetype == PROBLEM, (path, name, value)
                # refused by the schema's pattern, or (a day that does not exist) by its date format
                assert not re.fullmatch(patterns[name], value) or value == "2026-02-30", (path, name, value)
        assert "1970-01-01" in operation["responses"]["422"]["description"]
        assert lead.get(path, query_string={"from": "1970-01-01", "to": "2999-12-31"}).status_code == 422  # too long a range
        assert lead.get(path, query_string={"from": "2026-01-01", "to": "2026-01-31"}).status_code == 200

    agent = make_api("agent")
    ticket = open_ticket("doc-422")
    update = doc["paths"]["/tickets/{ticket_id}"]["patch"]
    assignee = doc["components"]["schemas"]["TicketUpdate"]["properties"]["assignee_id"]
    assert assignee["type"] == "integer" and "anyOf" not in assignee and "null" in update["responses"]["422"]["description"]
    assert agent.patch(f"/tickets/{ticket.id}", json={"assignee_id": None}).status_code == 422
    listing = doc["paths"]["/tickets"]["get"]
    assert "“after”" in listing["responses"]["422"]["description"]
    after = next(p for p in listing["parameters"] if p["name"] == "after")
    cursor = "1_9999999999"  # matches the pattern, but no ticket id of ours
    assert re.fullmatch(after["schema"]["pattern"], cursor) and "422" in after["description"]
    assert agent.get("/tickets", query_string={"after": cursor}).status_code == 422
    reply = doc["paths"]["/tickets/{ticket_id}/messages"]["post"]
    assert "X: 280" in reply["responses"]["422"]["description"]
