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


def _fill(rule: str, ids: dict[str, int | str]) -> str:
    """A concrete URL for a rule; an unknown placeholder fails so new routes get walked too."""
    def value(match: re.Match) -> str:
        assert match.group(2) in ids, f"no test id for {match.group(0)} in {rule}"
        return str(ids[match.group(2)])

    return re.sub(r"<(?:(\w+):)?(\w+)>", value, rule)


def _ids(ticket) -> dict[str, int | str]:
    return {"ticket_id": ticket.id, "message_id": ticket.messages[0].id, "filename": "0", "account_id": ticket.account_id,
            "token": "0", "policy_id": 1, "calendar_id": 1, "canned_id": 1, "user_id": 1, "job_id": "no-such-job",
            "kind": "x", "attachment_id": 1, "contact_id": ticket.contact_id, "merge_id": 1,
            "token_id": 1, "subscription_id": 1, "delivery_id": 1, "rule_id": 1}


# Every route × method, and what each kind of visitor gets. (least role, status for that role and above,
# form data for a POST). Anonymous visitors get the login page; roles below the least get 403.
# A route missing here fails test_route_table_covers_every_route: add it with its expected outcome.
ME = "{me}"
ROUTES: dict[tuple[str, str], tuple[str, int, dict[str, str]]] = {
    ("auth.login", "GET"): ("public", 200, {}),
    ("auth.login", "POST"): ("public", 401, {}),
    ("auth.logout", "POST"): ("agent", 302, {}),
    ("auth.preferences", "GET"): ("agent", 200, {}),
    ("auth.preferences", "POST"): ("agent", 302, {"locale": "", "timezone": ""}),
    ("auth.reset_password", "GET"): ("public", 404, {}),  # token "0": not a valid link
    ("auth.reset_password", "POST"): ("public", 404, {}),
    ("auth.account", "GET"): ("agent", 200, {}),
    ("auth.change_password", "POST"): ("agent", 422, {}),  # no current password: the page again, with the reason
    ("auth.change_alerts", "POST"): ("agent", 302, {}),
    ("web.favicon", "GET"): ("public", 301, {}),
    ("static", "GET"): ("public", 200, {}),
    ("web.healthz", "GET"): ("public", 200, {}),
    ("voice.survey", "GET"): ("public", 404, {}),
    ("voice.survey_answer", "POST"): ("public", 404, {}),
    # agents: the workspace
    ("web.inbox", "GET"): ("agent", 200, {}),
    ("web.ticket", "GET"): ("agent", 200, {}),
    ("web.notifications", "GET"): ("agent", 200, {}),
    ("web.notifications_read", "POST"): ("agent", 302, {}),
    ("web.reply", "POST"): ("agent", 422, {}),  # empty reply: the page again, with the reason
    ("web.add_ticket_note", "POST"): ("agent", 422, {}),
    ("web.resolve", "POST"): ("agent", 302, {"confirm": "1"}),
    ("web.resolve_reloaded", "GET"): ("agent", 302, {}),  # reloading the confirmation leads to the ticket
    ("web.reopen", "POST"): ("agent", 302, {}),
    ("web.pending", "POST"): ("agent", 302, {}),
    ("web.take", "POST"): ("agent", 302, {}),
    ("web.unassign", "POST"): ("agent", 302, {}),
    ("web.assign", "POST"): ("agent", 302, {"assignee_id": ME}),  # to themselves; to others: test_agent_cannot_assign_to_others
    ("web.change_priority", "POST"): ("agent", 302, {"priority": "high"}),
    ("web.change_engagement", "POST"): ("agent", 302, {"kind": "question"}),
    ("web.add_ticket_tags", "POST"): ("agent", 302, {"tags": "walker"}),
    ("web.remove_ticket_tag", "POST"): ("agent", 302, {"tag": "walker"}),
    ("web.correct_sentiment", "POST"): ("agent", 302, {"label": "neutral"}),
    ("web.bulk", "POST"): ("agent", 302, {}),
    ("web.attachment", "GET"): ("agent", 404, {}),
    ("web.merge_contact", "POST"): ("agent", 302, {}),  # no other contact chosen: back with the reason
    ("web.undo_contact_merge", "POST"): ("agent", 302, {}),  # no such merge: back with the reason
    # live updates (helper C): the event stream, and presence, which takes JSON only (a form post is refused)
    ("live.events", "GET"): ("agent", 200, {}),
    ("live.presence", "GET"): ("agent", 200, {}),
    ("live.update_presence", "POST"): ("agent", 400, {}),
    # leads: dashboards and the customer voice
    ("web.dashboard", "GET"): ("lead", 200, {}),
    ("web.dashboard_export", "GET"): ("lead", 200, {}),
    ("voice.trend", "GET"): ("lead", 200, {}),
    ("voice.exports", "GET"): ("lead", 200, {}),
    ("voice.export_now", "POST"): ("lead", 302, {}),
    ("voice.download", "GET"): ("lead", 404, {}),
    # admins: channels, SLA policies, surveys, canned responses, users
    ("web.channels", "GET"): ("admin", 200, {}),
    ("web.new_channel", "GET"): ("admin", 200, {}),
    ("web.new_channel", "POST"): ("admin", 422, {}),
    ("web.edit_channel", "GET"): ("admin", 404, {}),  # the walked account is a JSONL one: it has no settings form
    ("web.edit_channel", "POST"): ("admin", 404, {}),
    ("web.test_channel", "POST"): ("admin", 302, {}),
    ("web.pause_channel", "POST"): ("admin", 302, {"resume": "1"}),
    ("web.remove_channel", "POST"): ("admin", 302, {}),
    ("web.sla_admin", "GET"): ("lead", 200, {}),  # leads read it; the forms are disabled
    ("web.sla_policy_change", "POST"): ("admin", 302, {}),  # empty form: a valid policy without targets
    ("web.sla_calendar_change", "POST"): ("admin", 422, {}),  # no open window: the form again, with the reason
    ("web.sla_webhook", "POST"): ("admin", 302, {}),
    ("web.sla_policy_delete", "POST"): ("admin", 302, {}),
    ("voice.survey_settings_page", "GET"): ("admin", 200, {}),
    ("voice.survey_settings_page", "POST"): ("admin", 302, {}),
    ("web.admin_canned", "GET"): ("admin", 200, {}),
    ("web.admin_canned_new", "GET"): ("admin", 200, {}),
    ("web.admin_canned_new", "POST"): ("admin", 422, {}),
    ("web.admin_canned_edit", "GET"): ("admin", 200, {}),
    ("web.admin_canned_edit", "POST"): ("admin", 422, {}),
    ("web.admin_canned_active", "POST"): ("admin", 400, {}),  # says neither activate nor deactivate
    ("web.admin_users", "GET"): ("admin", 200, {}),
    ("web.admin_user_create", "POST"): ("admin", 422, {}),
    ("web.admin_user_role", "POST"): ("admin", 302, {}),
    ("web.admin_user_active", "POST"): ("admin", 400, {}),
    ("web.admin_user_reset_link", "POST"): ("admin", 200, {}),  # no mail server: the link shown once
    ("web.admin_user_one_time_password", "POST"): ("admin", 200, {}),  # the password shown once
    ("web.pipeline", "GET"): ("admin", 200, {}),
    ("web.retry_job", "POST"): ("admin", 302, {}),  # "no longer in the failed list"
    ("web.retry_message", "POST"): ("agent", 302, {}),  # the walked message is the customer's: "only a reply that failed"
    ("web.answered_outside", "POST"): ("agent", 302, {}),  # no time given: says so
    # admins: audit log, customers' personal data, security settings
    ("web.audit_log", "GET"): ("admin", 200, {}),
    ("web.privacy_search", "GET"): ("admin", 200, {}),
    ("web.contact_privacy", "GET"): ("admin", 200, {}),
    ("web.contact_export", "GET"): ("admin", 200, {}),
    ("web.contact_erase", "POST"): ("admin", 302, {}),  # not confirmed: back to the page, nothing erased
    ("web.security_settings", "GET"): ("admin", 200, {}),
    ("web.security_settings", "POST"): ("admin", 302, {}),
    # everyone: their own API tokens (an empty name is refused with the page again)
    ("web.api_tokens", "GET"): ("agent", 200, {}),
    ("web.api_token_create", "POST"): ("agent", 422, {}),
    ("web.api_token_revoke", "POST"): ("agent", 302, {}),  # no such token of theirs: back with the reason
    # admins: webhook subscriptions (none exists in the walk: a 404 for the one named)
    ("web.admin_webhooks", "GET"): ("admin", 200, {}),
    ("web.admin_webhook_create", "POST"): ("admin", 422, {}),
    ("web.admin_webhook", "GET"): ("admin", 404, {}),
    ("web.admin_webhook_update", "POST"): ("admin", 404, {}),
    ("web.admin_webhook_secret", "POST"): ("admin", 404, {}),
    ("web.admin_webhook_delete", "POST"): ("admin", 404, {}),
    ("web.admin_webhook_redeliver", "POST"): ("admin", 404, {}),
    # admins: automation rules (none exists in the walk) and automatic assignment; everyone: their away switch
    ("web.admin_rules", "GET"): ("admin", 200, {}),
    ("web.admin_rule_new", "GET"): ("admin", 200, {}),
    ("web.admin_rule_edit", "GET"): ("admin", 404, {}),
    ("web.admin_rule_save", "POST"): ("admin", 422, {}),
    ("web.admin_rule_move", "POST"): ("admin", 404, {}),
    ("web.admin_rule_delete", "POST"): ("admin", 404, {}),
    ("web.admin_assignment", "GET"): ("admin", 200, {}),
    ("web.admin_assignment_save", "POST"): ("admin", 302, {}),
    ("web.toggle_away", "POST"): ("agent", 302, {}),
}
ROLE_ORDER = ("agent", "lead", "admin")


def _pages(app):
    """The browser's routes; the JSON API (tokens, problem+json, its own CSRF rule) is walked per operation
    and role in tests/api, and the networks' webhooks (signed by the network, no session) in tests/connectors."""
    return [r for r in app.url_map.iter_rules() if not r.endpoint.startswith(("api.", "hooks."))]


def _registered(app) -> set[tuple[str, str]]:
    return {(r.endpoint, m) for r in _pages(app) for m in r.methods - {"HEAD", "OPTIONS"}}


def test_route_table_covers_every_route(app):
    registered = _registered(app)
    assert sorted(registered - ROUTES.keys()) == [], "routes without an expected outcome in ROUTES"
    assert sorted(ROUTES.keys() - registered) == [], "ROUTES lists routes that no longer exist"


def _walk(app, ticket) -> list[tuple[str, str, str]]:
    """(endpoint, method, url) for every route, logout last so the walk stays signed in."""
    ids = _ids(ticket)
    ids["filename"] = "app.css"
    walk = []
    for rule in _pages(app):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            url = _fill(rule.rule, ids) if rule.endpoint != "static" else "/static/app.css"
            walk.append((rule.endpoint, method, url))
    return sorted(walk, key=lambda w: (w[0] == "auth.logout", w[0], w[1]))


@pytest.fixture
def walk_setup(app, ticket):
    from inbox.auth.users import create_user
    from inbox.tickets.workspace.canned import create_canned

    users = {role: create_user(f"{role}@walk.example", f"{role.title()} Walker", role, "correct horse battery")[0] for role in ROLE_ORDER}
    canned = create_canned("Walk", "Hi {customer_name}", users["admin"])
    return users, canned


def _expected(role: str, least: str, ok: int) -> int:
    if least == "public" or ROLE_ORDER.index(role) >= ROLE_ORDER.index(least):
        return ok
    return 403


@pytest.mark.parametrize("role", ("anonymous",) + ROLE_ORDER)
def test_every_route_as_every_role(app, client, ticket, walk_setup, role):
    """Each role walks every registered route (fresh data per role) and gets exactly what the table says."""
    users, canned = walk_setup
    ids = _ids(ticket)
    if role != "anonymous":
        page = client.get("/login")
        assert client.post("/login", data={"email": users[role].email, "password": "correct horse battery",
                                            "csrf_token": csrf_token(page)}).status_code == 302
    token = csrf_token(client.get("/login" if role == "anonymous" else "/notifications"))
    ids.update(canned_id=canned.id, user_id=users["agent"].id)
    seen = []
    for endpoint, method, _ in _walk(app, ticket):
        least, ok, data = ROUTES[(endpoint, method)]
        rule = next(r for r in app.url_map.iter_rules(endpoint=endpoint) if method in r.methods)
        url = "/static/app.css" if endpoint == "static" else _fill(rule.rule, ids)
        if method == "GET":
            response = client.get(url)
        else:
            me = str(users[role].id) if role != "anonymous" else ""
            form = {k: (me if v == ME else v) for k, v in data.items()}
            response = client.post(url, data={**form, "csrf_token": token})
        if role == "anonymous" and least != "public":
            assert response.status_code == 302 and "/login" in response.headers["Location"], (method, url)
        elif role != "anonymous" and endpoint == "auth.login":
            assert response.status_code == 302, (method, url)  # signed in already: on to the inbox
        else:
            assert response.status_code == _expected(role, least, ok), (role, method, url, response.status_code)
        seen.append((endpoint, method))
    assert set(seen) == _registered(app)


def test_every_post_needs_a_csrf_token(app, client, ticket):
    ids = _ids(ticket)
    for rule in _pages(app):
        if "POST" in rule.methods:
            url = _fill(rule.rule, ids)
            assert client.post(url).status_code == 400, url


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
    # nobody answered this customer: resolving asks first, and says what it will record
    ask = logged_in.post(f"/tickets/{ticket.id}/resolve", data={"csrf_token": csrf_token(page)})
    assert ask.status_code == 200 and b"missed: resolved without reply" in ask.data and b'id="resolve-confirm"' in ask.data
    db.session.refresh(ticket)
    assert ticket.status != "resolved"
    response = logged_in.post(f"/tickets/{ticket.id}/resolve", data={"csrf_token": csrf_token(page), "confirm": "1"})
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
    body = response.get_json()
    assert (body["status"], body["database"], body["redis"]) == ("ok", "ok", "ok")
    # what an operator needs at a glance: workers, failures, set-aside input, whether Redis keeps its data
    assert {"failed_jobs", "rejected_messages", "workers", "queued", "redis_aof"} <= body.keys()
    assert body["failed_jobs"] == 0 and body["checks"]["failed jobs"]["state"] == "ok"


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
