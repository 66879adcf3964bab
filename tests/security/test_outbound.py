"""Outbound requests (the breach webhook) never reach internal addresses unless an admin allows them;
tried against a real listener on this machine, which must receive nothing when refused."""
from __future__ import annotations

import ipaddress
import json
import threading
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from sqlalchemy import select

from inbox.audit.models import AuditEntry
from inbox.extensions import db
from inbox.security.outbound import (
    Allowlist, DeliveryFailed, OutboundRefused, check_url, deliver_json, is_public, post_json,
)
from inbox.app_settings import AppSetting


class _Listener(BaseHTTPRequestHandler):
    received: list = []
    answer = (204, {})

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((self.path, self.headers["Host"], json.loads(body)))
        status, headers = self.answer
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def listener():
    _Listener.received, _Listener.answer = [], (204, {})
    server = HTTPServer(("127.0.0.1", 0), _Listener)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _resolver(*answers: list[str]):
    calls = []

    def resolve(host: str, port: int) -> list[str]:
        calls.append(host)
        return answers[min(len(calls), len(answers)) - 1]

    resolve.calls = calls  # type: ignore[attr-defined]
    return resolve


INTERNAL = ["127.0.0.1", "127.8.9.10", "::1", "10.1.2.3", "172.16.0.1", "192.168.0.10", "169.254.169.254", "100.64.0.1",
            "0.0.0.0", "::", "fd00::1", "fe80::1", "::ffff:127.0.0.1", "::ffff:169.254.169.254", "2002:7f00:1::1",
            "64:ff9b::a9fe:a9fe", "224.0.0.1", "240.0.0.1", "255.255.255.255", "198.18.0.1"]


@pytest.mark.parametrize("address", INTERNAL)
def test_internal_addresses_are_not_public(address):
    assert not is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8"])
def test_internet_addresses_are_public(address):
    assert is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/", "http://localhost:8080/hook", "http://LOCALHOST./x", "http://api.localhost/", "http://[::1]/",
    "http://169.254.169.254/latest/meta-data/", "http://10.0.0.5/", "http://[::ffff:127.0.0.1]/", "http://0.0.0.0:22/",
    "https://192.168.1.1/", "http://2130706433/", "http://0x7f000001/", "http://127.1/", "http://017700000001/",
])
def test_urls_to_this_machine_or_private_networks_are_refused(url):
    with pytest.raises(OutboundRefused):
        check_url(url)


@pytest.mark.parametrize("url", ["ftp://example.com/", "file:///etc/passwd", "gopher://x/", "http:///nohost", "http://u:p@example.com/",
                                 "http://example.com:99999/", "javascript:alert(1)"])
def test_other_schemes_and_malformed_urls_are_refused(url):
    with pytest.raises(OutboundRefused):
        check_url(url, resolve=_resolver(["93.184.216.34"]))


def test_a_name_that_resolves_inside_is_refused_and_one_that_resolves_outside_passes():
    with pytest.raises(OutboundRefused, match="10.0.0.7"):
        check_url("https://hooks.example.com/x", resolve=_resolver(["93.184.216.34", "10.0.0.7"][1:]))
    # any one internal address among the answers is enough to refuse
    with pytest.raises(OutboundRefused):
        check_url("https://hooks.example.com/x", resolve=_resolver(["93.184.216.34", "127.0.0.1"]))
    target = check_url("https://hooks.example.com:8443/x?y=1", resolve=_resolver(["93.184.216.34"]))
    assert (target.address, target.port, target.path, target.host) == ("93.184.216.34", 8443, "/x?y=1", "hooks.example.com")


def test_the_allow_list_names_hosts_and_networks():
    allow = Allowlist.parse(["hooks.internal", "10.1.0.0/16", "192.168.5.5"])
    assert check_url("http://hooks.internal/x", allow, resolve=_resolver(["10.9.9.9"])).address == "10.9.9.9"
    assert check_url("http://svc.example/x", allow, resolve=_resolver(["10.1.200.3"])).address == "10.1.200.3"
    assert check_url("http://192.168.5.5/", allow).address == "192.168.5.5"
    with pytest.raises(OutboundRefused):
        check_url("http://other.internal/x", allow, resolve=_resolver(["10.2.0.1"]))
    with pytest.raises(ValueError):
        Allowlist.parse(["not a host!"])


def test_refused_post_never_reaches_the_listener(listener):
    url = f"http://127.0.0.1:{listener.server_port}/hooks/sla"
    with pytest.raises(OutboundRefused):
        post_json(url, {"event": "x"}, allow=Allowlist())
    with pytest.raises(OutboundRefused):
        post_json(f"http://localhost:{listener.server_port}/", {"event": "x"}, allow=Allowlist())
    assert _Listener.received == []


def test_allowed_post_reaches_the_listener(listener):
    url = f"http://127.0.0.1:{listener.server_port}/hooks/sla?k=1"
    response = post_json(url, {"event": "x"}, allow=Allowlist.parse(["127.0.0.1"]), headers={"User-Agent": "t"})
    assert response.status == 204
    assert _Listener.received == [("/hooks/sla?k=1", f"127.0.0.1:{listener.server_port}", {"event": "x"})]


def test_dns_rebinding_cannot_move_the_connection(listener):
    """The name is resolved once; the connection goes to the address that was checked, whatever DNS says later."""
    resolve = _resolver(["127.0.0.1"], ["10.0.0.1"], ["10.0.0.1"])
    allow = Allowlist.parse(["127.0.0.1/32"])
    response = post_json(f"http://rebind.test:{listener.server_port}/h", {"n": 1}, allow=allow, resolve=resolve)
    assert response.status == 204 and resolve.calls == ["rebind.test"]
    assert _Listener.received == [("/h", f"rebind.test:{listener.server_port}", {"n": 1})]
    # asked again, the name now points inside: refused before any connection
    with pytest.raises(OutboundRefused, match="10.0.0.1"):
        post_json(f"http://rebind.test:{listener.server_port}/h", {"n": 2}, allow=allow, resolve=resolve)
    assert len(_Listener.received) == 1


def test_redirects_are_not_followed(app, listener, monkeypatch):
    monkeypatch.setenv("INBOX_OUTBOUND_ALLOW", "127.0.0.1")
    _Listener.answer = (302, {"Location": "http://169.254.169.254/latest/meta-data/"})
    with pytest.raises(DeliveryFailed, match="302"):
        deliver_json(f"http://127.0.0.1:{listener.server_port}/", {"event": "x"})
    assert len(_Listener.received) == 1


def _breach_at(swept_at: datetime) -> None:
    from tests.workspace import open_ticket
    from inbox.tickets.sla.models import SlaBreach

    ticket = open_ticket("late", minutes_ago=600)
    due = swept_at - timedelta(hours=1)
    db.session.add(SlaBreach(ticket_id=ticket.id, target="first_response", due_at=due, breached_at=due, recorded_at=swept_at))
    db.session.commit()


def test_the_breach_webhook_refuses_an_internal_address_and_posts_when_allowed(app, listener, monkeypatch):
    """A breach subscription saved while its address was allowed: refused at delivery once the allow-list no
    longer names it (no retry, nothing posted), posted once it does again."""
    from inbox.jobs.webhooks import deliver_breach_webhook, deliver_webhook
    from inbox.webhooks.models import WebhookDelivery
    from inbox.webhooks.service import create_subscription

    swept = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)
    _breach_at(swept)
    db.session.add(AppSetting(key="outbound_allowlist", value="127.0.0.1"))
    db.session.commit()
    create_subscription("breaches", f"http://127.0.0.1:{listener.server_port}/hooks/sla", ["sla.breached"], None)
    db.session.delete(db.session.get(AppSetting, "outbound_allowlist"))
    db.session.commit()
    assert deliver_breach_webhook(swept.isoformat()) == 1  # a job queued by an earlier release: one breach handed on
    delivery = db.session.scalar(select(WebhookDelivery))
    assert deliver_webhook(delivery.id)["state"] == "failed"
    assert _Listener.received == [] and delivery.error.startswith("refused:")
    db.session.add(AppSetting(key="outbound_allowlist", value="127.0.0.1"))
    db.session.commit()
    deliver_breach_webhook(swept.isoformat())
    again = db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id.desc())).first()
    assert deliver_webhook(again.id)["state"] == "delivered"
    assert _Listener.received[0][2]["type"] == "sla.breached"


def test_admin_cannot_save_an_internal_webhook_but_can_allow_it(client, app):
    from tests.workspace import login, token, user

    admin = user("admin", "Ann Admin")
    login(client, admin.email)
    response = client.post("/admin/sla/webhook", data={"url": "http://169.254.169.254/latest", "csrf_token": token(client)},
                           follow_redirects=True)
    assert b"the webhook URL is refused" in response.data
    from inbox.webhooks.models import WebhookSubscription

    assert db.session.scalar(select(WebhookSubscription)) is None
    page = client.post("/admin/security", data={"allowlist": "hooks.internal\n10.0.0.0/8\nnot valid!",
                                                "csrf_token": token(client)})
    assert page.status_code == 422 and b"not a host name" in page.data
    saved = client.post("/admin/security", data={"allowlist": "hooks.internal, 169.254.169.254", "csrf_token": token(client)})
    assert saved.status_code == 302
    response = client.post("/admin/sla/webhook", data={"url": "http://169.254.169.254/latest", "csrf_token": token(client)},
                           follow_redirects=True)
    assert b"Breach webhook saved" in response.data
    actions = [e.action for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert "outbound_allowlist_changed" in actions and "sla_webhook_changed" in actions
    assert client.get("/admin/security").data.count(b"169.254.169.254") >= 1
