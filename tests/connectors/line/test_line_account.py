"""Connecting a LINE account: the CLI, the admin form (secrets never shown back, the webhook URL to
paste), the Test that checks the token, LINE's default SLA, and the ticket page of a LINE ticket."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from inbox.auth.users import create_user
from inbox.channels.models import ChannelAccount
from inbox.cli import main
from inbox.connectors.line.fixtures import delivery, events_of
from inbox.extensions import db
from inbox.jobs.pushed import ingest_line_webhook
from inbox.tickets.models import Ticket
from inbox.tickets.sla.targets import DEFAULT_POLICIES
from tests.helpers import csrf_token

from .conftest import SECRET


def _admin(client):
    create_user("admin@example.com", "Ada Admin", "admin", "correct horse battery")
    page = client.get("/login")
    client.post("/login", data={"email": "admin@example.com", "password": "correct horse battery", "csrf_token": csrf_token(page)})
    return client


def test_cli_adds_a_line_account_and_prints_the_webhook_url_not_the_secrets(app, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", app.config["SQLALCHEMY_DATABASE_URI"])
    monkeypatch.setenv("REDIS_URL", app.config["REDIS_URL"])
    result = CliRunner().invoke(main, ["channel", "add", "line", "--name", "LINE 公式", "--channel-secret", SECRET,
                                       "--channel-access-token", "long-lived-token-98765"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert SECRET not in result.output and "long-lived-token-98765" not in result.output and "••••8765" in result.output
    account = db.session.scalar(select(ChannelAccount).where(ChannelAccount.name == "LINE 公式"))
    assert account.channel == "line" and account.config["channel_secret"] == SECRET
    assert f"https://inbox.test.example/hooks/line/{account.id}" in result.output


def test_the_admin_form_adds_shows_the_webhook_url_and_never_the_secrets(app, client, line_platform):
    admin = _admin(client)
    page = admin.get("/admin/channels/line/new")
    assert page.status_code == 200 and "チャネルシークレット" in admin.get("/admin/channels/line/new", headers={"Accept-Language": "ja"}).get_data(as_text=True)
    response = admin.post("/admin/channels/line/new", data={"name": "Acme LINE", "channel_secret": SECRET,
                                                            "channel_access_token": line_platform.token, "csrf_token": csrf_token(page)},
                          follow_redirects=True)
    html = response.get_data(as_text=True)
    account = db.session.scalar(select(ChannelAccount).where(ChannelAccount.name == "Acme LINE"))
    assert f"https://inbox.test.example/hooks/line/{account.id}" in html
    assert SECRET not in html and line_platform.token not in html


def test_the_test_button_checks_the_token_with_line(app, client, line_account, line_platform):
    admin = _admin(client)
    page = admin.get("/admin/channels")
    response = admin.post(f"/admin/channels/{line_account.id}/test", data={"csrf_token": csrf_token(page)}, follow_redirects=True)
    assert "connected" in response.get_data(as_text=True)
    assert line_platform.calls("/v2/bot/info")
    line_platform.token = "revoked"  # LINE now refuses the stored token
    response = admin.post(f"/admin/channels/{line_account.id}/test", data={"csrf_token": csrf_token(page)}, follow_redirects=True)
    assert "rejected the channel access token" in response.get_data(as_text=True)


def test_line_is_not_polled(app, line_account):
    from inbox.channels.poller import due_accounts

    assert line_account.id not in {a.id for a in due_accounts(force=True)}


def test_line_has_its_own_default_sla_first_response_one_business_hour():
    [line] = [p for p in DEFAULT_POLICIES if p.channel == "line"]
    assert line.targets.first_response.total_seconds() == 3600 and line.targets.business_hours


def test_a_line_ticket_reads_in_japanese(app, logged_in, line_account):
    body = events_of(delivery(), "message", "unsend")
    for event in body["events"]:
        if event["type"] == "message" and event["message"]["type"] == "text":
            event["message"]["text"] = "注文した商品がまだ届きません😢"
    ingest_line_webhook(line_account.id, json.dumps(body))
    ticket = db.session.scalar(select(Ticket).where(Ticket.channel == "line").order_by(Ticket.id))
    html = logged_in.get(f"/tickets/{ticket.id}", headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert "LINE" in html and "5,000" in html
    assert "送信を取り消しました" in html  # the unsend of the recorded body, on its message


def test_a_line_api_host_inside_is_refused_unless_allow_listed(app, line_account, monkeypatch):
    from inbox.connectors.base import ConnectorError, connector_for
    from inbox.security.outbound import ALLOWLIST_ENV, current_allowlist

    monkeypatch.delenv(ALLOWLIST_ENV)
    connector = connector_for(line_account, allowlist=current_allowlist())
    with pytest.raises(ConnectorError, match="LINE API host"):
        connector.bot_info()
