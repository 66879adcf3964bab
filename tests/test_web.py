"""The web UI: login on every page, CSRF on every POST, customer text always escaped."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from inbox.channels import get_or_create_account
from inbox.connectors.jsonl import message_from_record
from inbox.extensions import db
from inbox.sentiment import Sentiment
from inbox.tickets.ingest import ingest_messages
from inbox.tickets.models import Ticket
from tests.helpers import ago, csrf_token, message


@pytest.fixture
def ticket(app):
    account, _ = get_or_create_account("X", "jsonl", "x")
    record = message("1", "c", "<script>alert('pwned')</script> my bill is wrong", ago(minutes=10), author="mallory")
    ingest_messages(account, [message_from_record(record)], [Sentiment("negative", 0.93, "test-fixture")], timedelta(days=7))
    return db.session.query(Ticket).one()


def _fill(rule: str, ids: dict[str, int]) -> str:
    """A concrete URL for a rule; an unknown placeholder fails so new routes get walked too."""
    def value(match: re.Match) -> str:
        assert match.group(2) in ids, f"no test id for {match.group(0)} in {rule}"
        return str(ids[match.group(2)])

    return re.sub(r"<(?:(\w+):)?(\w+)>", value, rule)


def _ids(ticket) -> dict[str, int]:
    return {"ticket_id": ticket.id, "message_id": ticket.messages[0].id, "filename": 0, "account_id": ticket.account_id, "token": 0,
            "policy_id": 1, "calendar_id": 1}


def test_every_page_requires_login(app, client, ticket):
    ids = _ids(ticket)
    gets = [_fill(r.rule, ids) for r in app.url_map.iter_rules()
            # the survey page is public on purpose: its signed token is the key
            if "GET" in r.methods and r.endpoint not in ("static", "auth.login", "web.healthz", "voice.survey")]
    assert "/" in gets and f"/tickets/{ticket.id}" in gets
    for page in gets:
        response = client.get(page)
        assert response.status_code == 302 and "/login" in response.headers["Location"], page
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods and rule.endpoint != "auth.login":
            url = _fill(rule.rule, ids)
            response = client.post(url)
            assert response.status_code in (302, 400), url
            assert response.status_code == 400 or "/login" in response.headers["Location"], url


def test_login_with_wrong_password_fails(client, agent):
    page = client.get("/login")
    response = client.post("/login", data={"email": agent.email, "password": "nope", "csrf_token": csrf_token(page)})
    assert response.status_code == 401
    assert b"Wrong email or password" in response.data


def test_login_rejects_open_redirect(client, agent):
    page = client.get("/login")
    response = client.post("/login?next=https://evil.example/", data={
        "email": agent.email, "password": "correct horse battery", "csrf_token": csrf_token(page)})
    assert response.headers["Location"] == "/"


def test_post_without_csrf_token_is_rejected(logged_in, ticket):
    response = logged_in.post(f"/tickets/{ticket.id}/resolve")
    assert response.status_code == 400
    db.session.refresh(ticket)
    assert ticket.status == "new"


def test_login_without_csrf_token_is_rejected(client, agent):
    response = client.post("/login", data={"email": agent.email, "password": "correct horse battery"})
    assert response.status_code in (400, 401)
    assert client.get("/").status_code == 302


def test_inbox_lists_ticket_with_escaped_text(logged_in, ticket):
    page = logged_in.get("/")
    assert page.status_code == 200
    assert b"<script>alert" not in page.data
    assert b"&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt;" in page.data
    assert b"negative" in page.data and b"left" in page.data


def test_ticket_page_and_resolve(logged_in, ticket):
    page = logged_in.get(f"/tickets/{ticket.id}")
    assert page.status_code == 200
    assert b"<script>alert" not in page.data
    response = logged_in.post(f"/tickets/{ticket.id}/resolve", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 302
    db.session.refresh(ticket)
    assert ticket.status == "resolved" and ticket.resolved_at is not None
    assert [e.type for e in ticket.events] == ["created", "status"]
    assert ticket.events[-1].actor.email == "agent@example.com"
    # it leaves the open view
    assert f"/tickets/{ticket.id}".encode() not in logged_in.get("/").data
    assert f"/tickets/{ticket.id}".encode() in logged_in.get("/?view=resolved").data


def test_hostile_query_strings_are_harmless(logged_in, ticket):
    for query in ("?view=' OR 1=1 --", "?after=abc", "?after=" + "9" * 500, "?after=1e400_1", "?view=resolved&after=-_x"):
        assert logged_in.get("/" + query).status_code == 200, query
    assert logged_in.get("/tickets/999999").status_code == 404


def test_healthz_reports_database_and_redis(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "redis": "ok"}


def test_agent_corrects_sentiment_with_who_and_when(logged_in, ticket, agent):
    from inbox.tickets.models import SentimentCorrection

    page = logged_in.get(f"/tickets/{ticket.id}")
    message = ticket.messages[0]
    response = logged_in.post(f"/messages/{message.id}/sentiment", data={"label": "neutral", "csrf_token": csrf_token(page)})
    assert response.status_code == 302
    correction = db.session.query(SentimentCorrection).one()
    assert (correction.label, correction.corrected_by_id, correction.message_id) == ("neutral", agent.id, message.id)
    assert correction.created_at is not None
    db.session.refresh(ticket)
    assert ticket.first_sentiment == ticket.last_sentiment == "neutral"
    assert ticket.events[-1].type == "sentiment_corrected" and ticket.events[-1].data["from"] == "negative"
    assert b"corrected by Ada Agent" in logged_in.get(f"/tickets/{ticket.id}").data
    bad = logged_in.post(f"/messages/{message.id}/sentiment", data={"label": "furious", "csrf_token": csrf_token(page)})
    assert bad.status_code == 302 and db.session.query(SentimentCorrection).count() == 1
