"""Presence on the ticket page: who else is there, who is replying. Advisory, short-lived, JSON only."""
from __future__ import annotations

import re
import time

import pytest

from inbox.app import create_app
from inbox.auth.users import create_user
from tests.helpers import csrf_token


def _meta_token(page) -> str:
    match = re.search(rb'<meta name="csrf-token" content="([^"]+)">', page.data)
    assert match, "no csrf-token meta tag"
    return match.group(1).decode()


class Browser:
    """One signed-in person. Each request runs in its own app context: the test's shared one would
    carry the first user's Flask-Login `g` into the other's requests."""

    def __init__(self, app, email: str) -> None:
        self.app, self.client = app, app.test_client()
        self.token = _sign_in(self, email)

    def get(self, *args, **kwargs):
        with self.app.app_context():
            return self.client.get(*args, **kwargs)

    def post(self, *args, **kwargs):
        with self.app.app_context():
            return self.client.post(*args, **kwargs)


def _sign_in(client, email: str) -> str:
    page = client.get("/login")
    assert client.post("/login", data={"email": email, "password": "correct horse battery",
                                       "csrf_token": csrf_token(page)}).status_code == 302
    return _meta_token(client.get("/"))


@pytest.fixture
def two_agents(app, ticket):
    """Ada and Bea, each signed in on their own client: ((ada, token), (bea, token))."""
    create_user("ada@example.com", "Ada Lovelace", "agent", "correct horse battery")
    create_user("bea@example.com", "Bea Tanaka <img src=x onerror=alert(1)> 田中", "agent", "correct horse battery")
    ada, bea = Browser(app, "ada@example.com"), Browser(app, "bea@example.com")
    return (ada, ada.token), (bea, bea.token)


def _post(client, token: str, ticket_id: int, body, **kwargs):
    headers = {"X-CSRFToken": token}
    if isinstance(body, (dict, list)):
        return client.post(f"/tickets/{ticket_id}/presence", json=body, headers=headers, **kwargs)
    return client.post(f"/tickets/{ticket_id}/presence", data=body, headers=headers,
                       content_type=kwargs.pop("content_type", "application/json"), **kwargs)


def test_presence_needs_a_login_and_a_csrf_token(client, two_agents, ticket):
    assert client.get(f"/tickets/{ticket.id}/presence").status_code == 302
    assert client.post(f"/tickets/{ticket.id}/presence", json={"state": "viewing"}).status_code == 400
    (ada, _), _ = two_agents
    assert ada.post(f"/tickets/{ticket.id}/presence", json={"state": "viewing"}).status_code == 400  # no token


def test_others_see_who_is_viewing_and_replying(two_agents, ticket):
    (ada, ada_token), (bea, bea_token) = two_agents
    response = _post(bea, bea_token, ticket.id, {"state": "replying"})
    assert response.status_code == 200 and response.get_json() == {"others": []}
    response = _post(ada, ada_token, ticket.id, {"state": "viewing"})
    others = response.get_json()["others"]
    assert [(p["name"], p["state"]) for p in others] == [("Bea Tanaka <img src=x onerror=alert(1)> 田中", "replying")]
    # served as JSON that a browser never sniffs into HTML; live.js puts names in with textContent
    assert response.mimetype == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    # Bea sees Ada, never herself
    assert [(p["name"], p["state"]) for p in bea.get(f"/tickets/{ticket.id}/presence").get_json()["others"]] == [
        ("Ada Lovelace", "viewing")]
    # Bea sent her reply and left the page
    assert _post(bea, bea_token, ticket.id, {"state": "left"}).status_code == 200
    assert ada.get(f"/tickets/{ticket.id}/presence").get_json() == {"others": []}


def test_presence_expires_without_a_heartbeat(app, two_agents, ticket, monkeypatch):
    monkeypatch.setitem(app.config, "PRESENCE_TTL_SECONDS", 1)
    (ada, ada_token), (bea, bea_token) = two_agents
    _post(bea, bea_token, ticket.id, {"state": "replying"})
    assert len(ada.get(f"/tickets/{ticket.id}/presence").get_json()["others"]) == 1
    time.sleep(1.3)  # Bea's laptop went to sleep: no heartbeat
    assert ada.get(f"/tickets/{ticket.id}/presence").get_json() == {"others": []}


def test_presence_is_per_ticket(two_agents, ticket):
    from tests.live.conftest import ingest

    other = ingest("c2", "another customer", "2", author="zed")
    (ada, ada_token), (bea, bea_token) = two_agents
    _post(bea, bea_token, other.id, {"state": "replying"})
    assert ada.get(f"/tickets/{ticket.id}/presence").get_json() == {"others": []}


@pytest.mark.parametrize("body, content_type", [
    (b"{not json", "application/json"),
    (b"\xff\xfe\x00garbage", "application/json"),
    (b'"viewing"', "application/json"),
    (b"[]", "application/json"),
    (b"null", "application/json"),
    (b'{"state": "typing"}', "application/json"),
    (b'{"state": ["replying"]}', "application/json"),
    (b'{"state": "<script>alert(1)</script>"}', "application/json"),
    ('{"state": "返信中"}'.encode(), "application/json"),
    (b'{"state": "viewing\' OR 1=1 --"}', "application/json"),
    (b"state=viewing", "application/x-www-form-urlencoded"),
    (b'{"state": "viewing", "pad": "' + b"x" * 2000 + b'"}', "application/json"),
    (b'{"state": "viewing"}' + b" " * (5 * 1024 * 1024), "application/json"),
])
def test_hostile_presence_updates_get_a_clear_400(two_agents, ticket, body, content_type):
    (ada, ada_token), _ = two_agents
    response = _post(ada, ada_token, ticket.id, body, content_type=content_type)
    assert response.status_code == 400
    assert response.get_json()["error"]
    assert ada.get(f"/tickets/{ticket.id}/presence").status_code == 200


def test_presence_on_a_missing_ticket_is_404(two_agents):
    (ada, ada_token), _ = two_agents
    assert ada.get("/tickets/999999/presence").status_code == 404
    assert _post(ada, ada_token, 999999, {"state": "viewing"}).status_code == 404


def test_redis_down_means_503_not_500(app, agent, ticket):
    """The same database behind an app whose Redis is gone: presence and the stream say so plainly."""
    broken = create_app({**{k: app.config[k] for k in ("SQLALCHEMY_DATABASE_URI", "TESTING", "SECRET_KEY")},
                         "REDIS_URL": "redis://127.0.0.1:9/0"})
    with broken.app_context():
        client = broken.test_client()
        page = client.get("/login")
        assert client.post("/login", data={"email": agent.email, "password": "correct horse battery",
                                           "csrf_token": csrf_token(page)}).status_code == 302
        token = _meta_token(client.get(f"/tickets/{ticket.id}"))
        assert client.get(f"/tickets/{ticket.id}/presence").status_code == 503
        assert _post(client, token, ticket.id, {"state": "viewing"}).status_code == 503
        stream = client.get("/events")
        assert stream.status_code == 503 and stream.headers["Retry-After"]
