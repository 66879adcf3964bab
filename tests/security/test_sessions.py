"""Sessions end when they should: sign-out, password change and deactivation end every session and
remember cookie of the user; open live streams close; cookies carry SameSite/Secure/HttpOnly."""
from __future__ import annotations

import time

import pytest

from inbox.auth.users import change_password, create_user, set_active
from tests.helpers import csrf_token

PASSWORD = "correct horse battery"


class Browser:
    """A test client whose every request runs in its own app context, as in production: the test's
    context (and Flask-Login's user cached in its `g`) is not shared between requests."""

    def __init__(self, app, **cookies: str) -> None:
        self.app = app
        self.client = app.test_client()
        for name, value in cookies.items():
            self.client.set_cookie(name, value)

    def get(self, url: str, **kwargs):
        with self.app.app_context():
            return self.client.get(url, **kwargs)

    def post(self, url: str, data: dict | None = None, **kwargs):
        with self.app.app_context():
            return self.client.post(url, data=data or {}, **kwargs)

    def cookie(self, name: str) -> str:
        return self.client.get_cookie(name).value

    def sign_in(self, email: str, remember: bool = False, password: str = PASSWORD):
        data = {"email": email, "password": password, "csrf_token": csrf_token(self.get("/login"))}
        if remember:
            data["remember"] = "y"
        response = self.post("/login", data)
        assert response.status_code == 302, response.data[:300]
        return response

    def sign_out(self):
        return self.post("/logout", {"csrf_token": csrf_token(self.get("/notifications"))})

    @property
    def signed_in(self) -> bool:
        return self.get("/notifications").status_code == 200


def test_old_session_cookie_is_refused_after_sign_out(app, agent):
    browser = Browser(app)
    browser.sign_in(agent.email)
    stolen = browser.cookie("session")
    assert Browser(app, session=stolen).signed_in
    assert browser.sign_out().status_code == 302
    response = Browser(app, session=stolen).get("/notifications")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_sign_out_ends_the_remember_cookie_and_every_other_device(app, agent):
    browser, laptop = Browser(app), Browser(app)
    browser.sign_in(agent.email, remember=True)
    remember = browser.cookie("remember_token")
    laptop.sign_in(agent.email)
    assert Browser(app, remember_token=remember).signed_in  # the cookie alone signs in, before sign-out
    browser.sign_out()
    assert not Browser(app, remember_token=remember).signed_in
    assert not laptop.signed_in
    assert not browser.signed_in


@pytest.mark.parametrize("how", ["deactivation", "password change"])
def test_deactivation_and_password_change_end_every_session(app, agent, how):
    admin = create_user("root@example.com", "Root", "admin", PASSWORD)[0]
    browser = Browser(app)
    browser.sign_in(agent.email, remember=True)
    remember, session = browser.cookie("remember_token"), browser.cookie("session")
    if how == "deactivation":
        set_active(agent, False, admin)
    else:
        change_password(agent, "a brand new passphrase", agent)
    assert not browser.signed_in
    assert not Browser(app, session=session).signed_in
    assert not Browser(app, remember_token=remember).signed_in
    if how == "password change":
        browser.sign_in(agent.email, password="a brand new passphrase")
        assert browser.signed_in


def test_a_session_from_before_versions_is_signed_out(app, client, agent):
    """Cookies made before this release hold a bare user id: they end once."""
    with client.session_transaction() as session:
        session["_user_id"] = str(agent.id)
        session["_fresh"] = True
    assert not Browser(app, session=client.get_cookie("session").value).signed_in


def test_remember_cookie_is_lax_and_http_only(app, agent):
    browser = Browser(app)
    browser.sign_in(agent.email, remember=True)
    cookie = browser.client.get_cookie("remember_token")
    assert cookie.same_site == "Lax" and cookie.http_only and not cookie.secure


def test_secure_cookies_setting_makes_both_cookies_secure(app, agent, monkeypatch):
    from inbox.config import load_config

    monkeypatch.setenv("INBOX_SECURE_COOKIES", "1")
    config = load_config()
    assert config["SESSION_COOKIE_SECURE"] and config["REMEMBER_COOKIE_SECURE"]
    assert config["REMEMBER_COOKIE_HTTPONLY"] and config["REMEMBER_COOKIE_SAMESITE"] == "Lax"
    for key in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE"):
        monkeypatch.setitem(app.config, key, True)
    browser = Browser(app)
    page = browser.get("/login", base_url="https://localhost")
    response = browser.post("/login", {"email": agent.email, "password": PASSWORD, "remember": "y",
                                       "csrf_token": csrf_token(page)}, base_url="https://localhost",
                            headers={"Referer": "https://localhost/login"})  # Flask-WTF checks it over HTTPS
    assert response.status_code == 302, response.data[:300]
    cookies = {c.split("=", 1)[0]: c for c in response.headers.get_all("Set-Cookie")}
    for name in ("session", "remember_token"):
        flags = cookies[name].lower()
        assert "secure" in flags and "httponly" in flags and "samesite=lax" in flags, cookies[name]


def test_an_open_event_stream_ends_when_the_user_is_deactivated(app, agent, monkeypatch):
    monkeypatch.setitem(app.config, "LIVE_STREAM_SECONDS", 5)
    monkeypatch.setitem(app.config, "LIVE_HEARTBEAT_SECONDS", 0.3)
    admin = create_user("root@example.com", "Root", "admin", PASSWORD)[0]
    other = create_user("bea@example.com", "Bea", "agent", PASSWORD)[0]
    browser = Browser(app)
    browser.sign_in(agent.email)
    stream = browser.get("/events", buffered=False, environ_overrides={"wsgi.multithread": True})
    chunks = iter(stream.response)
    next(chunks)
    set_active(other, False, admin)  # someone else: this stream goes on
    set_active(agent, False, admin)
    started = time.monotonic()
    rest = b"".join(chunks).decode()
    assert time.monotonic() - started < 3, "the stream should end at once, not at its lifetime"
    assert "event: signed_out" in rest
    stream.close()
    assert browser.get("/events").status_code == 302  # and it cannot be reopened


def test_the_stream_is_refused_when_the_session_ended_in_between(app, agent, monkeypatch):
    """Signed out elsewhere after this request's login check but before its subscription."""
    import inbox.web.live as live_views

    browser = Browser(app)
    browser.sign_in(agent.email)
    monkeypatch.setattr(live_views, "session_still_valid", lambda user: False)
    assert browser.get("/events", environ_overrides={"wsgi.multithread": True}).status_code == 401
