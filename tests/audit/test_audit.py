"""The audit log: sensitive actions recorded with who, when and from where; the admins' page filters them."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from inbox.audit import record
from inbox.audit.models import AuditEntry
from inbox.extensions import db
from tests.workspace import login, open_ticket, token, user

AGENT_BROWSER = "Mozilla/5.0 (audit test)"


def _entries(action: str | None = None) -> list[AuditEntry]:
    db.session.expire_all()
    query = select(AuditEntry).order_by(AuditEntry.id)
    if action:
        query = query.where(AuditEntry.action == action)
    return list(db.session.scalars(query))


def _post(client, path: str, **data: str):
    return client.post(path, data={**data, "csrf_token": token(client)}, environ_overrides={"REMOTE_ADDR": "192.0.2.44"},
                       headers={"User-Agent": AGENT_BROWSER})


def test_admin_actions_are_recorded_with_who_when_and_from_where(app, client, tmp_path, monkeypatch):
    admin, agent = user("admin", "Ann Admin"), user("agent", "Ada Agent")
    login(client, admin.email)
    _post(client, f"/admin/users/{agent.id}/role", role="lead")
    _post(client, f"/admin/users/{agent.id}/active", active="0")
    _post(client, "/admin/users", email="new@example.com", name="New Person", role="agent")
    _post(client, "/admin/sla/policies/1", first_response_minutes="90", warning_percent="80")
    _post(client, "/admin/sla/webhook", url="https://hooks.example.com/secret-token-123")
    form = {"name": "Brand X", "bearer_token": "bearer-secret-value-0001", "poll_interval": "120"}
    assert _post(client, "/admin/channels/x/new", **form).status_code == 302
    account_id = db.session.scalar(select(AuditEntry.target_id).where(AuditEntry.action == "channel_credentials_changed"))
    _post(client, f"/admin/channels/{account_id}/edit", bearer_token="rotated-secret-value-0002")
    from inbox.voice.files import store_files

    (tmp_path / "inbox-2026-W47-messages.csv").write_text("\ufeffmessage_id\n")
    store_files([tmp_path / "inbox-2026-W47-messages.csv"], app.config["INBOX_EXPORT_MAX_BYTES"])
    assert client.get("/voice/exports/inbox-2026-W47-messages.csv", environ_overrides={"REMOTE_ADDR": "192.0.2.44"}).status_code == 200
    assert client.get("/dashboard/export.csv?from=2026-01-01&to=2026-01-31").status_code == 200

    by_action = {e.action: e for e in _entries()}
    role = by_action["role_changed"]
    assert (role.actor_id, role.target_type, role.target_id) == (admin.id, "users", str(agent.id))
    assert role.details == {"from": "agent", "to": "lead"} and role.address == "192.0.2.44"
    assert role.user_agent == AGENT_BROWSER and "Ann Admin" in role.actor_label and "Ada Agent" in role.target_label
    assert role.at.tzinfo is not None
    assert by_action["user_deactivated"].target_id == str(agent.id)
    assert by_action["user_created"].details == {"role": "agent"}
    assert by_action["sla_policy_changed"].details["changes"]["first_response_minutes"][1] == 90
    webhook = by_action["sla_webhook_changed"]
    assert webhook.details == {"from_host": None, "to_host": "hooks.example.com"}
    credentials = [e for e in _entries("channel_credentials_changed")]
    assert [sorted(e.details["changed"]) for e in credentials] == [["bearer_token", "dms", "start_from_now"], ["bearer_token"]]
    downloads = _entries("export_downloaded")
    assert [e.target_id for e in downloads] == ["inbox-2026-W47-messages.csv", "sla-tickets-2026-01-01-2026-01-31.csv"]
    # secrets never reach the audit log
    everything = repr([(e.actor_label, e.target_label, e.details) for e in _entries()])
    for secret in ("bearer-secret-value-0001", "rotated-secret-value-0002", "secret-token-123", "correct horse"):
        assert secret not in everything


def test_sign_ins_are_recorded_successful_or_not(app, client):
    agent = user("agent", "Ada Agent")
    from tests.helpers import csrf_token

    page = client.get("/login")
    client.post("/login", data={"email": "Ada.Agent@Example.com ", "password": "nope-nope", "csrf_token": csrf_token(page)},
                environ_overrides={"REMOTE_ADDR": "198.51.100.3"})
    login(client, agent.email)
    failed, = _entries("sign_in_failed")
    assert failed.actor_id == agent.id and failed.address == "198.51.100.3"
    page = client.get("/notifications")
    client.post("/logout", data={"csrf_token": csrf_token(page)})
    page = client.get("/login")
    client.post("/login", data={"email": "nobody@example.com", "password": "whatever1", "csrf_token": csrf_token(page)})
    unknown = _entries("sign_in_failed")[-1]
    assert unknown.actor_id is None and unknown.actor_label == "nobody@example.com"
    assert [e.action for e in _entries()][-4:] == ["sign_in_failed", "sign_in", "sign_out", "sign_in_failed"][-4:]


def test_record_is_one_call_for_features_to_come(app):
    admin = user("admin", "Ann Admin")
    entry = record("api_token_created", admin, ("api_tokens", 7, "CI deploy token"), {"scopes": ["tickets:read"]})
    db.session.commit()
    stored = db.session.get(AuditEntry, entry.id)
    assert (stored.action, stored.target_type, stored.target_id, stored.target_label) == (
        "api_token_created", "api_tokens", "7", "CI deploy token")
    assert stored.address is None  # no request: a CLI or a job
    record("contacts_merged", admin, ("contacts", 3, "customer #3"), {"into": 4})
    db.session.rollback()  # rolled back with the change it describes
    assert [e.action for e in _entries()] == ["user_created", "api_token_created"]


def test_customers_are_named_by_id_only(app):
    ticket = open_ticket("c1", author="hana-77", name="Hana Sato")
    entry = record("contact_exported", None, ticket.contact)
    assert entry.target_label == f"customer #{ticket.contact_id}" and "Hana" not in entry.target_label


def test_the_audit_page_is_for_admins_and_filters(app, client):
    admin, lead = user("admin", "Ann Admin"), user("lead", "Lee Lead")
    login(client, lead.email)
    assert client.get("/admin/audit").status_code == 403
    client.post("/logout", data={"csrf_token": token(client)})
    login(client, admin.email)
    _post(client, f"/admin/users/{lead.id}/role", role="agent")
    old = record("api_token_revoked", admin, ("api_tokens", 1, "old token"))
    old.at = datetime(2025, 1, 15, 12, 0, tzinfo=timezone.utc)
    db.session.commit()
    html = client.get("/admin/audit").data.decode()
    assert "role changed" in html and "Lee Lead" in html and "192.0.2.44" in html and "signed in" in html
    only_roles = client.get("/admin/audit?action=role_changed").data.decode()
    assert "role changed" in only_roles and "signed in</td>" not in only_roles
    assert "old token" in client.get("/admin/audit?from=2025-01-01&to=2025-01-31").data.decode()
    assert "old token" not in client.get("/admin/audit?from=2025-02-01").data.decode()
    assert "Lee Lead" in client.get(f"/admin/audit?actor={admin.id}&q=lee").data.decode()
    assert "Nothing recorded that matches" in client.get("/admin/audit?q=no-such-thing").data.decode()
    for hostile in ("action=%00", "actor=" + "9" * 40, "q=" + "%" * 300, "from=x", "before=-1", "q=_%25\\"):
        assert client.get("/admin/audit?" + hostile).status_code in (200, 400), hostile


def test_the_audit_page_pages_newest_first(app, client, monkeypatch):
    from inbox.audit import queries

    monkeypatch.setattr(queries, "PAGE_SIZE", 3)
    admin = user("admin", "Ann Admin")
    for i in range(7):
        record("api_token_created", admin, ("api_tokens", i, f"token {i}"))
    db.session.commit()
    login(client, admin.email)
    url, seen = "/admin/audit?action=api_token_created", []
    for _ in range(5):
        html = client.get(url).data.decode()
        seen += [int(n) for n in re.findall(r"<td[^>]*>token (\d+)</td>", html)]
        found = re.search(r'<a rel="next" href="([^"]+)"', html)
        if not found:
            break
        url = found.group(1).replace("&amp;", "&")
        assert "action=api_token_created" in url
    assert seen == [6, 5, 4, 3, 2, 1, 0]
    assert timedelta(0) <= datetime.now(timezone.utc) - _entries()[-1].at < timedelta(minutes=5)
