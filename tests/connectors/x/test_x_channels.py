"""Configuring X accounts from the CLI and the admin pages: secrets stay masked, fixes resume polling."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from inbox.auth.users import create_user
from inbox.channels import account_by_name
from inbox.cli import main
from inbox.extensions import db
from inbox.channels.poller import poll_once
from inbox.connectors.x.fixtures import BRAND_ID
from tests.connectors.x.replay import CREDENTIALS, replay
from tests.helpers import csrf_token

SECRET_OPTIONS = [f"--{key.replace('_', '-')}={value}" for key, value in CREDENTIALS.items()]


@pytest.fixture
def cli(app, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", app.config["SQLALCHEMY_DATABASE_URI"])
    monkeypatch.setenv("REDIS_URL", app.config["REDIS_URL"])
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(main, list(args), catch_exceptions=False)

    return invoke


def test_cli_adds_an_x_account_and_never_prints_secrets(cli):
    result = cli("channel", "add", "x", "--name", "Brand on X", *SECRET_OPTIONS, f"--user-id={BRAND_ID}", "--username=@Twitter",
                 "--poll-interval=300")
    assert result.exit_code == 0, result.output
    listing = cli("channel", "list") .output + cli("channel", "list", "--json").output
    for output in (result.output, listing):
        for secret in CREDENTIALS.values():
            assert secret not in output
    assert "••••0001" in listing and "••••0005" in listing
    [row] = [json.loads(line) for line in cli("channel", "list", "--json").output.splitlines()]
    assert row["config"]["username"] == "Twitter" and row["config"]["user_id"] == BRAND_ID
    assert row["poll_interval_seconds"] == 300 and row["status"] == "ok"
    db.session.expire_all()
    assert account_by_name("Brand on X").config["access_token_secret"] == CREDENTIALS["access_token_secret"]


def test_cli_refuses_incomplete_credentials(cli):
    result = cli("channel", "add", "x", "--name", "Half", "--consumer-key=abc")
    assert result.exit_code == 1 and "incomplete user-context credentials" in result.output
    assert account_by_name("Half") is None


def test_needs_attention_is_listed_and_cleared_by_new_credentials(cli):
    cli("channel", "add", "x", "--name", "Brand on X", *SECRET_OPTIONS, f"--user-id={BRAND_ID}", "--no-dms")
    with replay("mentions_401.yaml"):
        poll_once()
    assert "needs_attention (X rejected the credentials (401" in cli("channel", "list").output
    assert poll_once() == []  # polling stops until someone fixes it

    result = cli("channel", "update", "Brand on X", "--access-token=fresh-access-token-9999")
    assert "access_token" in result.output and "status ok" in result.output
    with replay("mentions_malformed.yaml"):
        [outcome] = poll_once()
    assert outcome.error is None


@pytest.fixture
def admin_client(client, app):
    create_user("admin@example.com", "Ada Admin", "admin", "correct horse battery")
    page = client.get("/login")
    client.post("/login", data={"email": "admin@example.com", "password": "correct horse battery", "csrf_token": csrf_token(page)})
    return client


def test_admin_connects_x_and_sees_only_masked_secrets(admin_client):
    form = admin_client.get("/admin/channels/x/new")
    response = admin_client.post("/admin/channels/x/new", data={
        "name": "Brand on X", **CREDENTIALS, "user_id": BRAND_ID, "username": "Twitter", "poll_interval": "180", "dms": "on",
        "csrf_token": csrf_token(form),
    })
    assert response.status_code == 302
    account = account_by_name("Brand on X")
    assert account.config["bearer_token"] == CREDENTIALS["bearer_token"] and account.poll_interval_seconds == 180
    for url in ("/admin/channels", f"/admin/channels/{account.id}/edit"):
        page = admin_client.get(url).get_data(as_text=True)
        assert "••••0004" in page
        assert all(secret not in page for secret in CREDENTIALS.values())


def test_admin_fix_clears_needs_attention_and_keeps_untouched_secrets(admin_client):
    form = admin_client.get("/admin/channels/x/new")
    admin_client.post("/admin/channels/x/new", data={"name": "Brand on X", **CREDENTIALS, "user_id": BRAND_ID, "csrf_token": csrf_token(form)})
    account = account_by_name("Brand on X")
    account.status, account.status_detail = "needs_attention", "X rejected the credentials (401 Unauthorized)"
    db.session.commit()
    assert "Needs new credentials" in admin_client.get("/admin/channels").get_data(as_text=True)

    edit = admin_client.get(f"/admin/channels/{account.id}/edit")
    admin_client.post(f"/admin/channels/{account.id}/edit", data={"access_token": "fresh-access-token-9999", "user_id": BRAND_ID,
                                                                 "csrf_token": csrf_token(edit)})
    db.session.expire_all()
    account = account_by_name("Brand on X")
    assert account.status == "ok"
    assert account.config["access_token"] == "fresh-access-token-9999"
    assert account.config["consumer_secret"] == CREDENTIALS["consumer_secret"]


def test_channel_admin_pages_are_for_admins_only(logged_in):
    assert logged_in.get("/admin/channels").status_code == 403
    assert logged_in.get("/admin/channels/x/new").status_code == 403
