"""The small bugs of issue 29 item 5 that the test client can see (the layout ones are in
tests/browser/test_layout_bugs.py): each test failed before its fix."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from inbox.extensions import db
from inbox.tickets.models import Ticket
from inbox.timeutil import utcnow
from tests.helpers import csrf_token

PASSWORD = "correct horse battery"


def _sign_in(client, email: str, password: str = PASSWORD, language: str = "en"):
    page = client.get("/login", headers={"Accept-Language": language})
    response = client.post("/login", headers={"Accept-Language": language},
                           data={"email": email, "password": password, "csrf_token": csrf_token(page)})
    assert response.status_code == 302, response.data[:300]
    return client


@pytest.fixture
def lead_client(app, client):
    from inbox.auth.users import create_user

    create_user("lee@example.com", "Lee Lead", "lead", PASSWORD)
    return _sign_in(client, "lee@example.com")


@pytest.mark.parametrize("query, said", [
    ("from=garbage", "“From” is not a date"),
    ("to=2026-13-45", "“To” is not a date"),
    ("from=2026-12-10&to=2026-12-01", "The end date 2026-12-01 is before the start date 2026-12-10"),
])
def test_a_dashboard_range_it_cannot_show_is_said_not_silently_replaced(lead_client, query, said):
    response = lead_client.get(f"/dashboard?{query}")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert said in page
    assert 'class="flash flash-error"' in page or 'role="alert"' in page
    # the form keeps what was typed, so the person sees which field to correct
    for name, value in re.findall(r"(from|to)=([^&]+)", query):
        assert f'name="{name}" value="{value}"' in page


def test_the_dashboard_range_error_reads_in_japanese(lead_client):
    page = lead_client.get("/dashboard?from=garbage", headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert "日付ではありません" in page


def test_a_dashboard_date_out_of_the_reports_span_is_said_in_japanese(lead_client, app):
    from inbox.extensions import db as _db
    from inbox.auth.models import User

    user = _db.session.scalars(select(User).where(User.email == "lee@example.com")).one()
    user.locale = "ja"
    _db.session.commit()
    response = lead_client.get("/dashboard?from=0001-01-01")
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "must be a date between" not in text and "の範囲の日付" in text


def test_the_dashboard_csv_says_its_charset_once(lead_client):
    response = lead_client.get("/dashboard/export.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    summary = lead_client.get("/dashboard/export.csv?summary=1")
    assert summary.headers["Content-Type"] == "text/csv; charset=utf-8"


def test_reloading_the_resolve_confirmation_leads_back_to_the_ticket(app, logged_in):
    from tests.test_sla_web import _open

    ticket = _open("c-reload", utcnow() - timedelta(hours=1))
    page = logged_in.post(f"/tickets/{ticket.id}/resolve",
                          data={"csrf_token": csrf_token(logged_in.get(f"/tickets/{ticket.id}"))})
    assert page.status_code == 200 and b'name="confirm"' in page.data  # the confirmation, on a POST
    reloaded = logged_in.get(f"/tickets/{ticket.id}/resolve")  # what the browser does on reload after going back
    assert reloaded.status_code == 302
    assert reloaded.headers["Location"].endswith(f"/tickets/{ticket.id}")
    assert db.session.get(Ticket, ticket.id).status != "resolved"  # a GET changes nothing


@pytest.fixture
def forced_client(app, client):
    from inbox.auth.users import create_user

    _, password = create_user("new@example.com", "Nova Newcomer", "agent")  # generated: must be changed
    return _sign_in(client, "new@example.com", password), password


def test_the_forced_password_page_opens_no_live_updates(forced_client):
    client, _ = forced_client
    page = client.get("/account")
    assert page.status_code == 200
    # live.js opens /events, which is refused until the password is changed: a 403 in the console
    assert b"live.js" not in page.data
    assert client.get("/events").status_code == 403


def test_after_the_forced_change_the_user_reaches_the_inbox(forced_client):
    client, password = forced_client
    token = csrf_token(client.get("/account"))
    response = client.post("/account/password", data={
        "current_password": password, "new_password": "a brand new passphrase", "confirm_password": "a brand new passphrase",
        "csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"] in ("/", "http://localhost/")
    assert client.get("/").status_code == 200
    # a chosen change from the account page stays on the account page
    token = csrf_token(client.get("/account"))
    again = client.post("/account/password", data={
        "current_password": "a brand new passphrase", "new_password": "another new passphrase",
        "confirm_password": "another new passphrase", "csrf_token": token})
    assert again.headers["Location"].endswith("/account")
