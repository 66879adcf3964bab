"""Sign-in: throttled per account and per address, audited, as slow for unknown accounts, safe `next`."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from inbox.audit.models import AuditEntry
from inbox.extensions import db
from tests.helpers import csrf_token

PASSWORD = "correct horse battery"


def _attempt(client, email: str, password: str, query: str = "", address: str = "203.0.113.7"):
    page = client.get("/login")
    return client.post("/login" + query, data={"email": email, "password": password, "csrf_token": csrf_token(page)},
                       environ_overrides={"REMOTE_ADDR": address})


def _actions() -> list[str]:
    db.session.expire_all()
    return [e.action for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


class FakeClock:
    """The throttle's notion of now (its own and the `limits` storage's), moved forward by the test."""

    def __init__(self) -> None:
        self.now = 1_900_000_000.0

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> FakeClock:
    import limits.storage.redis

    from inbox.auth import throttle

    fake = FakeClock()
    monkeypatch.setattr(limits.storage.redis, "time", fake)
    monkeypatch.setattr(throttle, "time", fake)
    return fake


def test_brute_force_gets_growing_delays_then_a_lock_even_for_the_right_password(app, client, agent, clock):
    """Default limits: 5 failures a minute, 10 in 15 minutes, 20 in an hour; the attacker waits each delay out."""
    failures, waits = 0, []
    while failures < 20:
        response = _attempt(client, agent.email, f"guess-{failures}")
        if response.status_code == 429:
            waits.append(int(response.headers["Retry-After"]))
            clock.now += waits[-1]
        else:
            assert response.status_code == 401
            failures += 1
            clock.now += 1
    assert 0 < waits[0] <= 60  # after 5 failures: under a minute
    assert any(60 < w <= 15 * 60 for w in waits)  # after 10: most of 15 minutes
    # after 20 failures: locked, and the right password does not get through while it lasts
    locked = _attempt(client, agent.email, PASSWORD)
    assert locked.status_code == 429
    lock = int(locked.headers["Retry-After"])
    assert lock > 30 * 60 and lock > max(waits)
    text = locked.data.decode()
    assert "Too many failed sign-ins for this account. Try again in" in text and "minutes" in text
    assert client.get("/").status_code == 302  # not signed in
    clock.now += lock
    assert _attempt(client, agent.email, PASSWORD).status_code == 302  # the lock is temporary
    actions = _actions()
    # the refusals are counted on one audit line (all within the quarter of an hour of the database's clock)
    assert actions.count("sign_in_failed") == 20 and actions.count("sign_in_throttled") == 1
    assert actions[-1] == "sign_in"
    throttled = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "sign_in_throttled")).one()
    assert throttled.actor_label == agent.email and throttled.address == "203.0.113.7"
    assert throttled.details["scope"] == "account" and throttled.details["count"] == len(waits) + 1


def test_a_few_failures_then_the_right_password_works_and_resets_the_count(app, client, agent):
    for i in range(4):
        assert _attempt(client, agent.email, f"guess-{i}").status_code == 401
    assert _attempt(client, agent.email, PASSWORD).status_code == 302
    assert client.post("/logout", data={"csrf_token": csrf_token(client.get("/notifications"))}).status_code == 302
    for i in range(4):  # the count started again after the success
        assert _attempt(client, agent.email, f"again-{i}").status_code == 401
    assert _attempt(client, agent.email, PASSWORD).status_code == 302
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "sign_in")).first()
    assert entry.actor_id == agent.id and entry.address == "203.0.113.7"


def test_one_address_trying_many_accounts_is_throttled(app, client, agent, monkeypatch):
    monkeypatch.setitem(app.config, "SIGNIN_ADDRESS_LIMITS", "3/minute")
    app.extensions.pop("inbox_signin_throttle", None)
    try:
        for i in range(3):
            assert _attempt(client, f"nobody{i}@example.com", "x" * 10).status_code == 401
        refused = _attempt(client, agent.email, PASSWORD)
        assert refused.status_code == 429 and b"from your network address" in refused.data
        # another address is not affected
        assert _attempt(client, agent.email, PASSWORD, address="198.51.100.9").status_code == 302
    finally:
        app.extensions.pop("inbox_signin_throttle", None)


def test_retrying_a_locked_account_adds_one_audit_line_per_window(app, client, agent, monkeypatch):
    """Anyone may knock on a locked account (or from a throttled address) as often as they like: the
    audit log counts it on one line per account or address and window (issue 24 item 12)."""
    from datetime import timedelta

    from inbox.auth import signin

    monkeypatch.setitem(app.config, "SIGNIN_ADDRESS_LIMITS", "3/hour")
    app.extensions.pop("inbox_signin_throttle", None)
    try:
        for i in range(3):
            assert _attempt(client, f"nobody{i}@example.com", "x" * 10).status_code == 401
        for i in range(60):  # another account typed each time: the address is what is throttled
            assert _attempt(client, f"someone{i}@example.com", "x" * 10).status_code == 429
        lines = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "sign_in_throttled")).all()
        assert len(lines) == 1 and lines[0].details["count"] == 60 and lines[0].details["scope"] == "address"
        assert lines[0].address == "203.0.113.7"
        assert _attempt(client, "x@example.com", "x" * 10, address="198.51.100.9").status_code == 401  # another address
        # a later window starts a new line
        lines[0].at -= signin.REFUSALS_WINDOW + timedelta(seconds=1)
        db.session.commit()
        assert _attempt(client, agent.email, PASSWORD).status_code == 429
        db.session.expire_all()
        counts = [e.details["count"] for e in db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "sign_in_throttled").order_by(AuditEntry.id))]
        assert counts == [60, 1]
    finally:
        app.extensions.pop("inbox_signin_throttle", None)


def test_unknown_and_deactivated_accounts_cost_one_password_hash_like_known_ones(app, client, agent, monkeypatch):
    from inbox.auth import signin

    checked = []
    real = signin.check_password_hash
    monkeypatch.setattr(signin, "check_password_hash", lambda h, p: checked.append(h) or real(h, p))
    assert _attempt(client, "nobody@example.com", "whatever-it-is").status_code == 401
    assert _attempt(client, agent.email, "wrong-password").status_code == 401
    agent.active = False
    db.session.commit()
    assert _attempt(client, agent.email, PASSWORD).status_code == 401
    assert len(checked) == 3
    # the dummy hash is made the way real ones are (same method, so the same cost)
    assert checked[0].split("$")[0] == checked[1].split("$")[0]
    assert all(b"Wrong email or password" in _attempt(client, e, "x" * 9).data for e in ("nobody@example.com", agent.email))


@pytest.mark.parametrize("target", [
    "/\r\nSet-Cookie: evil=1", "/%0d%0aSet-Cookie:%20evil=1", "//evil.example/", "/\\evil.example", "https://evil.example/",
    "javascript:alert(1)", "/" + "a" * 5000, "\t/x",
])
def test_next_must_be_a_plain_path_on_this_site(app, client, agent, target):
    from urllib.parse import quote

    response = _attempt(client, agent.email, PASSWORD, query="?next=" + quote(target, safe="%"))
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "evil" not in "".join(response.headers.get_all("Set-Cookie"))


def test_next_with_a_nul_character_is_a_clear_400(app, client, agent):
    response = _attempt(client, agent.email, PASSWORD, query="?next=/%00")
    assert response.status_code == 400 and b"NUL" in response.data
    assert client.get("/").status_code == 302


def test_next_keeps_a_safe_path(app, client, agent):
    response = _attempt(client, agent.email, PASSWORD, query="?next=/notifications%3Fx%3D1")
    assert response.headers["Location"] == "/notifications?x=1"


def test_limits_come_from_the_environment_and_are_checked(monkeypatch):
    from inbox.config import load_config

    monkeypatch.setenv("INBOX_SIGNIN_ACCOUNT_LIMITS", "3/minute;6/hour")
    assert load_config()["SIGNIN_ACCOUNT_LIMITS"] == "3/minute;6/hour"
    monkeypatch.setenv("INBOX_SIGNIN_ACCOUNT_LIMITS", "lots")
    with pytest.raises(ValueError, match="INBOX_SIGNIN_ACCOUNT_LIMITS"):
        load_config()
