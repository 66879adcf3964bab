"""Accounts (issue 15 item 5): your own password, reset links, one-time passwords, the forced first change."""
from __future__ import annotations

import re

from click.testing import CliRunner

from inbox.auth.models import User
from inbox.auth.passwords import reset_token
from inbox.auth.users import create_user, ensure_admin
from inbox.extensions import db
from tests.helpers import csrf_token

PASSWORD = "correct horse battery"


def _login(client, email: str, password: str = PASSWORD):
    page = client.get("/login")
    return client.post("/login", data={"email": email, "password": password, "csrf_token": csrf_token(page)})


def test_change_your_own_password_needs_the_current_one_and_ends_other_sessions(app, client):
    user, _ = create_user("ada@example.com", "Ada", "agent", PASSWORD)
    assert _login(client, user.email).status_code == 302
    version = user.session_version
    page = client.get("/account")
    token = csrf_token(page)
    wrong = client.post("/account/password", data={"csrf_token": token, "current_password": "nope",
                                                   "new_password": "a brand new secret", "confirm_password": "a brand new secret"})
    assert wrong.status_code == 422 and 'id="f-current_password-error">This is not your current password.' in wrong.get_data(as_text=True)
    differ = client.post("/account/password", data={"csrf_token": token, "current_password": PASSWORD,
                                                    "new_password": "a brand new secret", "confirm_password": "another"})
    assert differ.status_code == 422 and 'id="f-confirm_password-error"' in differ.get_data(as_text=True)
    short = client.post("/account/password", data={"csrf_token": token, "current_password": PASSWORD,
                                                   "new_password": "short", "confirm_password": "short"})
    assert short.status_code == 422 and "At least 8 characters." in short.get_data(as_text=True)
    ok = client.post("/account/password", data={"csrf_token": token, "current_password": PASSWORD,
                                                "new_password": "a brand new secret", "confirm_password": "a brand new secret"})
    assert ok.status_code == 302
    assert client.get("/").status_code == 200  # this browser stays signed in
    db.session.expire_all()
    assert db.session.get(User, user.id).session_version == version + 1  # every other session is void
    assert not user.check_password(PASSWORD) and user.check_password("a brand new secret")


def test_generated_passwords_are_changed_at_first_sign_in(app, client):
    password = ensure_admin()
    assert password
    admin = db.session.query(User).filter_by(email="admin@inbox.local").one()
    assert admin.must_change_password
    assert _login(client, admin.email, password).status_code == 302
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/account")
    assert client.get("/admin/users").status_code == 302
    page = client.get("/account")
    assert "Choose your own before you go on." in page.get_data(as_text=True)
    client.post("/account/password", data={"csrf_token": csrf_token(page), "current_password": password,
                                           "new_password": "mine and only mine", "confirm_password": "mine and only mine"})
    assert client.get("/").status_code == 200
    db.session.expire_all()
    assert not db.session.get(User, admin.id).must_change_password


def test_an_admin_sends_a_reset_link_that_works_once(app, client):
    admin, _ = create_user("root@example.com", "Root", "admin", PASSWORD)
    user, _ = create_user("ada@example.com", "Ada", "agent", PASSWORD)
    _login(client, admin.email)
    page = client.get("/admin/users")
    response = client.post(f"/admin/users/{user.id}/reset-link", data={"csrf_token": csrf_token(page)})
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "Not emailed" in text  # no mailbox with SMTP: shown once to the admin
    link = re.search(r'value="(http://[^"]+/reset/[^"]+)"', text).group(1)
    visitor = client  # (test clients of one app context share flask-login’s cached user)
    form = visitor.get(link)
    assert form.status_code == 200
    mismatch = visitor.post(link, data={"csrf_token": csrf_token(form), "new_password": "fresh password 1",
                                       "confirm_password": "fresh password 2"})
    assert mismatch.status_code == 422
    assert visitor.post(link, data={"csrf_token": csrf_token(form), "new_password": "fresh password 1",
                                    "confirm_password": "fresh password 1"}).status_code == 302
    assert visitor.get(link).status_code == 404  # used: the password it replaces is gone
    db.session.expire_all()
    assert db.session.get(User, user.id).check_password("fresh password 1")
    for bad in ("x", "a" * 600, reset_token(user)[:-3] + "abc"):
        assert visitor.get(f"/reset/{bad}").status_code == 404


def test_one_time_password_from_an_admin_and_from_the_cli(app, client, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", app.config["SQLALCHEMY_DATABASE_URI"])
    monkeypatch.setenv("REDIS_URL", app.config["REDIS_URL"])
    admin, _ = create_user("root@example.com", "Root", "admin", PASSWORD)
    user, _ = create_user("ada@example.com", "Ada", "agent", PASSWORD)
    _login(client, admin.email)
    page = client.get("/admin/users")
    shown = client.post(f"/admin/users/{user.id}/one-time-password", data={"csrf_token": csrf_token(page)}).get_data(as_text=True)
    one_time = re.search(r'id="one-time-password">.*?value="([^"]+)"', shown, re.DOTALL).group(1)
    db.session.expire_all()
    assert db.session.get(User, user.id).must_change_password
    assert db.session.get(User, user.id).check_password(one_time)

    from inbox.cli import main

    runner = CliRunner()
    result = runner.invoke(main, ["users", "set-password", "ada@example.com", "--password", "set by the cli"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.get(User, user.id).check_password("set by the cli")
    result = runner.invoke(main, ["users", "set-password", "ada@example.com", "--generate"])
    generated = result.output.strip().rsplit(" ", 1)[-1]
    db.session.expire_all()
    assert result.exit_code == 0 and db.session.get(User, user.id).check_password(generated)
    assert runner.invoke(main, ["users", "set-password", "nobody@example.com", "--password", "whatever12"]).exit_code == 1
    assert runner.invoke(main, ["users", "set-password", "ada@example.com", "--password", "short"]).exit_code == 1
