"""One configuration for many hosts: what must be shared is required, links use the public address,
and the proxy's headers are trusted only when configured."""
from __future__ import annotations

import pytest

from inbox.app import create_app
from inbox.config import ConfigError, deployment_problems

SERVER_DB = "postgresql+psycopg://inbox@db.internal/inbox"
KEY = "s" * 64


@pytest.fixture
def bare_env(monkeypatch, tmp_path):
    """The environment of a host nobody configured yet (no key, no public address)."""
    for name in ("SECRET_KEY", "INBOX_PUBLIC_URL", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("INBOX_INSTANCE_PATH", str(tmp_path / "instance"))
    return tmp_path / "instance"


def test_embedded_sqlite_needs_nothing_and_keeps_its_generated_key(bare_env):
    first = create_app({"REDIS_URL": "redis://127.0.0.1:1/0"})
    again = create_app({"REDIS_URL": "redis://127.0.0.1:1/0"})
    assert first.config["SECRET_KEY"] == again.config["SECRET_KEY"] == (bare_env / "secret_key").read_text()
    assert first.config["INBOX_PUBLIC_URL"] is None


def test_a_server_database_without_shared_settings_refuses_to_start(bare_env, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://inbox@db.internal/inbox")
    with pytest.raises(ConfigError) as refused:
        create_app()
    message = str(refused.value)
    assert "SECRET_KEY must be set" in message and "token_hex(32)" in message
    assert "INBOX_PUBLIC_URL must be set" in message
    # no key was invented into this host's folder: it would differ on the next host
    assert not (bare_env / "secret_key").exists()
    monkeypatch.setenv("SECRET_KEY", KEY)
    monkeypatch.setenv("INBOX_PUBLIC_URL", "https://inbox.example.com/")
    app = create_app()
    assert app.config["SECRET_KEY"] == KEY and app.config["INBOX_PUBLIC_URL"] == "https://inbox.example.com"


def test_the_cli_says_what_is_missing_instead_of_a_traceback(bare_env, monkeypatch):
    from click.testing import CliRunner

    from inbox.cli import main

    monkeypatch.setenv("DATABASE_URL", "postgresql://inbox@db.internal/inbox")
    result = CliRunner().invoke(main, ["migrate"])
    assert result.exit_code == 1 and "SECRET_KEY must be set" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("config, expected", [
    ({"SQLALCHEMY_DATABASE_URI": "sqlite:///x.db", "SECRET_KEY": "gen", "INBOX_SECRET_KEY_SOURCE": "instance"}, []),
    ({"SQLALCHEMY_DATABASE_URI": SERVER_DB, "SECRET_KEY": KEY, "INBOX_SECRET_KEY_SOURCE": "environment",
      "INBOX_PUBLIC_URL": "https://inbox.example.com/support"}, []),
    ({"SQLALCHEMY_DATABASE_URI": SERVER_DB, "SECRET_KEY": "gen" * 20, "INBOX_SECRET_KEY_SOURCE": "instance",
      "INBOX_PUBLIC_URL": "https://inbox.example.com"}, ["SECRET_KEY must be set"]),
    ({"SQLALCHEMY_DATABASE_URI": SERVER_DB, "SECRET_KEY": "short", "INBOX_SECRET_KEY_SOURCE": "environment",
      "INBOX_PUBLIC_URL": "https://inbox.example.com"}, ["SECRET_KEY is too short"]),
    ({"SQLALCHEMY_DATABASE_URI": "sqlite:///x.db", "INBOX_PUBLIC_URL": "inbox.example.com"}, ["absolute http(s)"]),
    ({"SQLALCHEMY_DATABASE_URI": "sqlite:///x.db", "INBOX_PUBLIC_URL": "javascript:alert(1)"}, ["absolute http(s)"]),
    ({"SQLALCHEMY_DATABASE_URI": "sqlite:///x.db", "INBOX_PUBLIC_URL": "https://x.example/?a=1"}, ["absolute http(s)"]),
])
def test_deployment_problems(config, expected):
    problems = deployment_problems(config)
    assert len(problems) == len(expected)
    for problem, start in zip(problems, expected, strict=True):
        assert start in problem


def test_links_for_outside_use_the_public_url_in_every_process(app, monkeypatch):
    from inbox.links import external_url

    monkeypatch.setitem(app.config, "INBOX_PUBLIC_URL", "https://care.example.com/inbox")
    # a worker: no request at all
    assert external_url("voice.survey", token="abc") == "https://care.example.com/inbox/voice/survey/abc"
    # a web request that reached us through a proxy on an internal address
    with app.test_request_context("/", base_url="http://10.0.0.7:8000"):
        assert external_url("web.ticket", ticket_id=7) == "https://care.example.com/inbox/tickets/7"
    monkeypatch.setitem(app.config, "INBOX_PUBLIC_URL", None)
    assert external_url("voice.survey", token="abc") is None
    with app.test_request_context("/", base_url="http://127.0.0.1:8000"):
        assert external_url("voice.survey", token="abc") == "http://127.0.0.1:8000/voice/survey/abc"


# Webhook payloads carry ticket_url on INBOX_PUBLIC_URL: tests/webhooks/test_webhooks.py (the SLA events test).


def test_proxy_fix_trusts_only_the_configured_headers(monkeypatch, bare_env):
    headers = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "care.example.com"}

    def seen(app):
        @app.get("/_probe")
        def probe():
            from flask import request

            return f"{request.remote_addr} {request.scheme} {request.host}"

        return app.test_client().get("/_probe", headers=headers, environ_base={"REMOTE_ADDR": "10.0.0.2"}).data.decode()

    assert seen(create_app({"REDIS_URL": "redis://127.0.0.1:1/0"})) == "10.0.0.2 http localhost"
    monkeypatch.setenv("INBOX_PROXY_FIX_X_FOR", "1")
    monkeypatch.setenv("INBOX_PROXY_FIX_X_PROTO", "1")
    assert seen(create_app({"REDIS_URL": "redis://127.0.0.1:1/0"})) == "203.0.113.9 https localhost"
    monkeypatch.setenv("INBOX_PROXY_FIX_X_HOST", "1")
    assert seen(create_app({"REDIS_URL": "redis://127.0.0.1:1/0"})) == "203.0.113.9 https care.example.com"
    monkeypatch.setenv("INBOX_PROXY_FIX_X_FOR", "many")
    with pytest.raises(ValueError, match="INBOX_PROXY_FIX_X_FOR must be an integer"):
        create_app({"REDIS_URL": "redis://127.0.0.1:1/0"})
