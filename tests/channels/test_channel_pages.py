"""The admin channel pages: connect, test, pause, edit and remove accounts of every network, with
secrets never shown back and states in plain words."""
from __future__ import annotations

import socket
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from inbox.auth.users import create_user
from inbox.channels.models import ChannelAccount, account_by_name
from inbox.channels.poller import poll_once
from inbox.extensions import db
from inbox.security.outbound import ALLOWLIST_ENV
from tests.connectors.email.servers import PASSWORD, free_port
from tests.connectors.email.test_email_connector import customer_mail
from tests.helpers import csrf_token


@pytest.fixture
def admin(client, app):
    create_user("admin@example.com", "Ada Admin", "admin", "correct horse battery")
    page = client.get("/login")
    client.post("/login", data={"email": "admin@example.com", "password": "correct horse battery", "csrf_token": csrf_token(page)})
    return client


def post(admin, url: str, data: dict | None = None, form_url: str = "/admin/channels"):
    return admin.post(url, data={**(data or {}), "csrf_token": csrf_token(admin.get(form_url))})


def plain_page(admin) -> str:
    page = admin.get("/admin/channels").get_data(as_text=True)
    for leak in ("Traceback", "Errno", "Exception", "Error:"):
        assert leak not in page
    return page


def test_every_network_can_be_connected(admin):
    page = admin.get("/admin/channels").get_data(as_text=True)
    for kind in ("x", "email", "mastodon", "bluesky"):
        assert f'href="/admin/channels/{kind}/new"' in page
        assert admin.get(f"/admin/channels/{kind}/new").status_code == 200
    response = post(admin, "/admin/channels/mastodon/new", {"name": "Acme on Mastodon", "api_base_url": "https://mastodon.social",
                                                             "access_token": "secret-mastodon-token-7777", "dms": "on"},
                    "/admin/channels/mastodon/new")
    assert response.status_code == 302
    post(admin, "/admin/channels/bluesky/new", {"name": "Acme on Bluesky", "handle": "acme.bsky.social",
                                                 "app_password": "abcd-efgh-ijkl-mnop"}, "/admin/channels/bluesky/new")
    page = plain_page(admin)
    assert "secret-mastodon-token-7777" not in page and "••••7777" in page
    assert "abcd-efgh-ijkl-mnop" not in page
    account = account_by_name("Acme on Mastodon")
    edit = admin.get(f"/admin/channels/{account.id}/edit").get_data(as_text=True)
    assert "secret-mastodon-token-7777" not in edit and "stored: ••••7777" in edit
    assert account_by_name("Acme on Bluesky").channel == "bluesky"


def test_a_form_missing_what_the_network_needs_says_so(admin):
    response = post(admin, "/admin/channels/email/new", {"name": "Mail", "address": "support@example.com"}, "/admin/channels/email/new")
    assert response.status_code == 422
    assert "IMAP server is missing" in response.get_data(as_text=True)


def test_email_account_connect_test_pause_fix_remove(admin, mailbox, run_jobs):
    mailbox.deliver(customer_mail("Hello"))
    settings = mailbox.config()
    form = {"name": "Support mailbox", **{k: str(v) for k, v in settings.items()}}
    assert post(admin, "/admin/channels/email/new", form, "/admin/channels/email/new").status_code == 302
    account = account_by_name("Support mailbox")
    assert PASSWORD not in plain_page(admin)

    response = post(admin, f"/admin/channels/{account.id}/test")
    page = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "connected — 1 new message waiting; it arrives with the next poll" in page
    db.session.refresh(account)
    assert account.cursor is None  # the test moved nothing

    post(admin, f"/admin/channels/{account.id}/pause")
    assert "Paused" in plain_page(admin)
    assert poll_once() == []
    post(admin, f"/admin/channels/{account.id}/pause", {"resume": "1"})

    # the password changes on the server: the page asks for a new one, and saving it fixes the account
    account.config = {**account.config, "password": "old-password"}
    db.session.commit()
    poll_once()
    assert "Needs a new password" in plain_page(admin)
    post(admin, f"/admin/channels/{account.id}/edit", {**{k: str(v) for k, v in settings.items() if k != "password"},
                                                        "password": PASSWORD}, f"/admin/channels/{account.id}/edit")
    [outcome] = poll_once()
    assert outcome.error is None and outcome.fetched == 1
    run_jobs()

    post(admin, f"/admin/channels/{account.id}/remove")
    db.session.expire_all()
    account = account_by_name("Support mailbox")
    assert account.status == "removed" and not account.enabled and "password" not in account.config
    assert "Removed (its tickets stay)" in plain_page(admin)


def test_unreachable_server_and_rate_limits_in_words(admin, app):
    post(admin, "/admin/channels/email/new", {"name": "Nowhere", "address": "s@example.com", "imap_host": "127.0.0.1",
                                              "imap_port": str(free_port()), "imap_security": "none", "username": "u",
                                              "password": "p"}, "/admin/channels/email/new")
    account = account_by_name("Nowhere")
    response = post(admin, f"/admin/channels/{account.id}/test")
    page = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "could not reach the IMAP server 127.0.0.1:" in page and "connection refused" in page
    account.status, account.backoff_until = "rate_limited", datetime(2100, 1, 1, 14, 5, tzinfo=timezone.utc)
    db.session.commit()
    assert "Rate-limited until 14:05" in plain_page(admin)


def test_an_unused_account_is_deleted(admin):
    post(admin, "/admin/channels/bluesky/new", {"name": "Tmp", "handle": "a.bsky.social", "app_password": "x"},
         "/admin/channels/bluesky/new")
    account = account_by_name("Tmp")
    post(admin, f"/admin/channels/{account.id}/remove")
    assert db.session.scalar(select(ChannelAccount).where(ChannelAccount.name == "Tmp")) is None


def test_agents_cannot_manage_channels(logged_in):
    assert logged_in.get("/admin/channels/email/new").status_code == 403
    assert logged_in.post("/admin/channels/1/remove").status_code in (400, 403)


class Listener:
    """A loopback TCP port that only records whether anyone connected to it."""

    def __init__(self) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.socket.setblocking(False)
        self.port = self.socket.getsockname()[1]

    def connections(self) -> int:
        """Connections made so far (the kernel completes a handshake before anyone accepts it)."""
        count = 0
        while True:
            try:
                conn, _ = self.socket.accept()
            except BlockingIOError:
                return count
            conn.close()
            count += 1

    def close(self) -> None:
        self.socket.close()


@pytest.fixture
def listener():
    port = Listener()
    yield port
    port.close()


@pytest.mark.parametrize("kind, form, why", [
    ("mastodon", {"api_base_url": "http://127.0.0.1:3000", "access_token": "t"}, "127.0.0.1"),
    ("mastodon", {"api_base_url": "http://localhost:3000", "access_token": "t"}, "localhost is this machine"),
    ("bluesky", {"handle": "acme.bsky.social", "app_password": "p", "service": "http://169.254.169.254"}, "169.254.169.254"),
    ("email", {"address": "s@example.com", "imap_host": "10.0.0.5", "username": "u", "password": "p"}, "10.0.0.5"),
    ("email", {"address": "s@example.com", "imap_host": "imap.example.com", "smtp_host": "[::1]", "username": "u",
               "password": "p"}, "::1"),
])
def test_an_inside_server_address_is_refused_when_saved(admin, monkeypatch, kind, form, why):
    monkeypatch.delenv(ALLOWLIST_ENV)  # no allow-list at all here
    response = post(admin, f"/admin/channels/{kind}/new", {"name": "Inside", **form}, f"/admin/channels/{kind}/new")
    assert response.status_code == 422
    assert "is refused" in response.get_data(as_text=True) and why in response.get_data(as_text=True)
    assert account_by_name("Inside") is None
    monkeypatch.setenv(ALLOWLIST_ENV, "127.0.0.1 localhost 169.254.169.254 10.0.0.0/8 ::1")  # the admin allows it
    assert post(admin, f"/admin/channels/{kind}/new", {"name": "Inside", **form}, f"/admin/channels/{kind}/new").status_code == 302


def test_ports_are_range_checked(admin):
    base = {"name": "Mail", "address": "s@example.com", "imap_host": "imap.example.com", "username": "u", "password": "p"}
    for port in ("9223372036854775808", "0", "65536", "²"):
        response = post(admin, "/admin/channels/email/new", {**base, "imap_port": port}, "/admin/channels/email/new")
        assert response.status_code == 422, port
        assert ("IMAP port must be a whole number" in response.get_data(as_text=True)), port
    assert account_by_name("Mail") is None
    assert post(admin, "/admin/channels/email/new", {**base, "imap_port": "993"}, "/admin/channels/email/new").status_code == 302
    assert account_by_name("Mail").config["imap_port"] == 993


def _test_page(admin, account) -> str:
    response = post(admin, f"/admin/channels/{account.id}/test")
    return admin.get(response.headers["Location"]).get_data(as_text=True)


def test_the_test_button_never_reaches_an_inside_address_taken_off_the_allow_list(admin, listener, monkeypatch):
    monkeypatch.setenv(ALLOWLIST_ENV, "127.0.0.1")
    servers = {
        "email": {"address": "s@example.com", "imap_host": "127.0.0.1", "imap_port": str(listener.port),
                  "imap_security": "none", "username": "u", "password": "p"},
        "mastodon": {"api_base_url": f"http://127.0.0.1:{listener.port}", "access_token": "t"},
        "bluesky": {"handle": "acme.bsky.social", "app_password": "p", "service": f"http://127.0.0.1:{listener.port}"},
    }
    for kind, form in servers.items():
        assert post(admin, f"/admin/channels/{kind}/new", {"name": kind, **form}, f"/admin/channels/{kind}/new").status_code == 302
    monkeypatch.delenv(ALLOWLIST_ENV)  # the admin took 127.0.0.1 off the list
    for kind, what in (("email", "IMAP server"), ("mastodon", "Mastodon server"), ("bluesky", "Bluesky server")):
        page = _test_page(admin, account_by_name(kind))
        assert f"{kind}: the {what} address is refused: 127.0.0.1 resolves to 127.0.0.1" in page, page
    assert listener.connections() == 0
    assert account_by_name("bluesky").config.get("session_token") is None  # no login happened
