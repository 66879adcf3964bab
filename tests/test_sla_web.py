"""SLA pages: role checks, the pending action, notifications, policy versions, dashboard numbers, exports."""
from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from inbox.auth.users import create_user
from inbox.channels import get_or_create_account
from inbox.connectors.jsonl import message_from_record
from inbox.extensions import db
from inbox.sentiment import Sentiment
from inbox.tickets.ingest import ingest_messages
from inbox.tickets.models import BusinessCalendar, SlaPolicy, Tag, Ticket
from inbox.notifications.models import Notification
from inbox.tickets.sla.models import SlaPolicyChange
from inbox.tickets.sla.sweep import sweep
from tests.helpers import csrf_token, message

NOW = datetime.now(timezone.utc)
PASSWORD = "correct horse battery"


def _login(client, email: str):
    page = client.get("/login")
    response = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf_token(page)})
    assert response.status_code == 302
    return client


@pytest.fixture
def lead(app):
    return create_user("lead@example.com", "Lee Lead", "lead", PASSWORD)[0]


@pytest.fixture
def admin(app):
    return create_user("admin@example.com", "Ada Admin", "admin", PASSWORD)[0]


def _open(conv: str, at: datetime, channel: str = "x", text: str = "help") -> Ticket:
    account, _ = get_or_create_account(channel.upper(), "jsonl", channel)
    ingest_messages(account, [message_from_record(message(f"m-{conv}", conv, text, at, author=f"a-{conv}"))],
                    [Sentiment("negative", 0.9, "test-fixture")], timedelta(days=7))
    return db.session.scalars(select(Ticket).where(Ticket.conversation_key == conv)).one()


def _reply(ticket: Ticket, external_id: str, at: datetime) -> None:
    ingest_messages(ticket.account, [message_from_record(message(external_id, ticket.conversation_key, "on it", at, direction="outbound", author="brand"))],
                    [None], timedelta(days=7))


LEAD_PAGES = ["/dashboard", "/dashboard/export.csv", "/dashboard/export.csv?summary=1"]
ADMIN_PAGES = ["/admin/sla"]


def test_agents_cannot_see_lead_or_admin_pages(logged_in, app):
    for page in LEAD_PAGES + ADMIN_PAGES:
        assert logged_in.get(page).status_code == 403, page
    token = csrf_token(logged_in.get("/"))
    for url in ("/admin/sla/policies/1", "/admin/sla/calendars/1", "/admin/sla/webhook"):
        assert logged_in.post(url, data={"csrf_token": token}).status_code == 403, url
    assert logged_in.get("/notifications").status_code == 200


def test_leads_see_the_dashboard_and_read_the_policies_without_changing_them(client, lead):
    _login(client, lead.email)
    for page in LEAD_PAGES:
        assert client.get(page).status_code == 200, page
    page = client.get("/admin/sla")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "<fieldset disabled>" in text and "Delete this policy" not in text and 'name="url"' not in text
    token = csrf_token(page)
    for url in ("/admin/sla/policies/1", "/admin/sla/policies/1/delete", "/admin/sla/calendars/1", "/admin/sla/webhook"):
        assert client.post(url, data={"csrf_token": token}).status_code == 403, url


def test_pending_action_pauses_and_the_page_explains_the_clocks(logged_in, agent):
    ticket = _open("p1", NOW - timedelta(hours=1))
    _reply(ticket, "b-1", NOW - timedelta(minutes=50))
    page = logged_in.get(f"/tickets/{ticket.id}")
    assert b"First response due" in page.data and b": met" in page.data
    response = logged_in.post(f"/tickets/{ticket.id}/pending", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 302
    db.session.expire_all()
    ticket = db.session.get(Ticket, ticket.id)
    assert ticket.status == "pending" and ticket.due_at is None and ticket.resolution_due_at is None
    event = ticket.events[-1]
    assert (event.type, event.actor_id, event.data["to"]) == ("status", agent.id, "pending")
    assert b"paused since" in logged_in.get(f"/tickets/{ticket.id}").data
    # the customer writes back: resolution resumes with what was left
    later = datetime.now(timezone.utc)
    ingest_messages(ticket.account, [message_from_record(message("m-p1-2", "p1", "here it is", later, author="a-p1"))],
                    [Sentiment("neutral", 0.9, "t")], timedelta(days=7))
    db.session.expire_all()
    ticket = db.session.get(Ticket, ticket.id)
    assert ticket.status == "open" and ticket.resolution_due_at is not None
    assert ticket.next_response_due_at == later + timedelta(hours=4)


def test_notifications_bell_and_list(logged_in, agent, lead):
    ticket = _open("n1", NOW - timedelta(hours=5))
    ticket.assignee_id = agent.id
    db.session.commit()
    sweep(NOW)
    sweep(NOW + timedelta(minutes=1))
    page = logged_in.get("/")
    assert b'id="bell-count">1</span>' in page.data
    listing = logged_in.get("/notifications")
    assert f"Ticket #{ticket.id}: First response target breached".encode() in listing.data
    logged_in.post("/notifications/read", data={"csrf_token": csrf_token(listing)})
    assert db.session.scalars(select(Notification).where(Notification.user_id == agent.id)).one().read_at is not None
    assert b'id="bell-count" hidden>0</span>' in logged_in.get("/").data


def test_admin_changes_a_policy_as_a_new_version(client, admin):
    _login(client, admin.email)
    old_ticket = _open("before", NOW - timedelta(minutes=5))
    policy = db.session.scalars(select(SlaPolicy).where(SlaPolicy.channel == "x", SlaPolicy.active.is_(True))).one()
    page = client.get("/admin/sla")
    assert page.status_code == 200
    response = client.post(f"/admin/sla/policies/{policy.id}", data={
        "csrf_token": csrf_token(page), "first_response_minutes": "60", "next_response_minutes": "240",
        "resolution_minutes": "1440", "warning_percent": "75", "calendar_id": str(policy.calendar_id)})
    assert response.status_code == 302
    db.session.expire_all()
    versions = db.session.scalars(select(SlaPolicy).where(SlaPolicy.channel == "x").order_by(SlaPolicy.id)).all()
    assert [(v.active, v.first_response_minutes, v.warning_fraction) for v in versions] == [(False, 240, 0.8), (True, 60, 0.75)]
    change = db.session.scalars(select(SlaPolicyChange)).one()
    assert change.changed_by_id == admin.id and change.changes["first_response_minutes"] == [240, 60]
    assert (change.previous_policy_id, change.policy_id) == (versions[0].id, versions[1].id)
    new_ticket = _open("after", NOW)
    assert new_ticket.first_response_due_at == NOW + timedelta(minutes=60)
    assert db.session.get(Ticket, old_ticket.id).first_response_due_at == old_ticket.opened_at + timedelta(hours=4)
    log = client.get("/admin/sla").get_data(as_text=True)
    assert "first response: 4 h → 1 h" in log and "at risk from: 80 % → 75 %" in log and "{" not in log.split("<h2>Changes</h2>")[-1].split("</ol>")[0]
    bad = client.post(f"/admin/sla/policies/{versions[1].id}", data={
        "csrf_token": csrf_token(page), "warning_percent": "150", "first_response_h": "2", "first_response_m": "30"})
    assert bad.status_code == 422 and db.session.scalar(select(SlaPolicyChange.id).order_by(SlaPolicyChange.id.desc())) == change.id
    text = bad.get_data(as_text=True)
    # what was typed is still there, and the reason is next to the field it is about
    assert 'name="first_response_h" inputmode="numeric" size="4" value="2"' in text and 'value="150"' in text
    assert 'id="policy-%d-warning_percent-error">Between 1 and 99 %%.</p>' % versions[1].id in text


def test_durations_are_entered_as_hours_and_minutes_and_policies_can_be_deleted(client, admin):
    _login(client, admin.email)
    policy = db.session.scalars(select(SlaPolicy).where(SlaPolicy.channel == "x", SlaPolicy.active.is_(True))).one()
    page = client.get("/admin/sla")
    assert 'name="first_response_h" inputmode="numeric" size="4" value="4"' in page.get_data(as_text=True)
    token = csrf_token(page)
    response = client.post(f"/admin/sla/policies/{policy.id}", data={
        "csrf_token": token, "first_response_h": "2", "first_response_m": "30", "next_response_h": "", "next_response_m": "",
        "resolution_h": "24", "resolution_m": "0", "warning_percent": "80", "calendar_id": str(policy.calendar_id or "")})
    assert response.status_code == 302
    new = db.session.scalars(select(SlaPolicy).where(SlaPolicy.channel == "x", SlaPolicy.active.is_(True))).one()
    assert (new.first_response_minutes, new.next_response_minutes, new.resolution_minutes) == (150, None, 1440)
    for h, m in (("x", "0"), ("0", "0"), ("-1", "5"), ("9" * 7, "0")):
        bad = client.post(f"/admin/sla/policies/{new.id}", data={"csrf_token": token, "first_response_h": h, "first_response_m": m})
        assert bad.status_code == 422 and f'id="policy-{new.id}-first_response_minutes-error"' in bad.get_data(as_text=True), (h, m)
    opened = _open("kept", NOW)
    assert client.post(f"/admin/sla/policies/{new.id}/delete", data={"csrf_token": token}).status_code == 302
    db.session.expire_all()
    assert db.session.get(SlaPolicy, new.id).active is False  # the row stays: history and the tickets under it
    assert db.session.get(Ticket, opened.id).sla_policy_id == new.id
    assert "deleted (tickets opened under it keep its targets)" in client.get("/admin/sla").get_data(as_text=True)
    assert client.post(f"/admin/sla/policies/{new.id}/delete", data={"csrf_token": token}).status_code == 302
    assert client.post("/admin/sla/policies/999999/delete", data={"csrf_token": token}).status_code == 404


def test_a_calendar_error_keeps_what_was_typed(client, admin):
    _login(client, admin.email)
    calendar = db.session.scalars(select(BusinessCalendar)).first()
    page = client.get("/admin/sla")
    bad = client.post(f"/admin/sla/calendars/{calendar.id}", data={
        "csrf_token": csrf_token(page), "timezone": "Asia/Tokyo", "windows_0": "09:00-18:00", "windows_2": "nine to five",
        "holidays": "2026-12-31"}, content_type="multipart/form-data")
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert 'value="Asia/Tokyo"' in text and 'value="nine to five"' in text and "2026-12-31</textarea>" in text
    assert f'id="calendar-{calendar.id}-windows_2-error"' in text
    db.session.expire_all()
    assert db.session.get(BusinessCalendar, calendar.id).timezone != "Asia/Tokyo"


ICS = """BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20261225\r\nDTEND;VALUE=DATE:20261227\r\nSUMMARY:Christmas\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20270101\r\nSUMMARY:New\r\n  Year\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"""


def test_admin_edits_calendar_windows_and_imports_holidays_from_ics(client, admin):
    _login(client, admin.email)
    calendar = db.session.scalars(select(BusinessCalendar)).first()
    name = calendar.name
    page = client.get("/admin/sla")
    data = {"csrf_token": csrf_token(page), "timezone": "Europe/Berlin", "windows_0": "08:00-12:00, 13:00-17:00",
            "windows_4": "22:00-02:00", "holidays": "2026-12-24", "ics": (io.BytesIO(ICS.encode()), "holidays.ics")}
    response = client.post(f"/admin/sla/calendars/{calendar.id}", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    db.session.expire_all()
    old, calendar = calendar, db.session.scalars(select(BusinessCalendar).where(BusinessCalendar.name == name)).one()
    assert calendar.id != old.id and old.retired_at is not None  # a new version; the old one stays for its tickets
    assert calendar.timezone == "Europe/Berlin"
    assert calendar.windows == {"0": [["08:00", "12:00"], ["13:00", "17:00"]], "4": [["22:00", "02:00"]]}
    assert calendar.holidays == ["2026-12-24", "2026-12-25", "2026-12-26", "2027-01-01"]
    assert db.session.scalars(select(SlaPolicyChange).where(SlaPolicyChange.calendar_id.is_not(None))).one().calendar_id == calendar.id
    assert {p.calendar_id for p in db.session.scalars(select(SlaPolicy).where(SlaPolicy.active.is_(True)))} == {calendar.id}


def test_editing_a_calendar_never_changes_the_business_hours_of_past_tickets(client, admin):
    from inbox.tickets.sla.models import SlaOutcome
    from inbox.tickets.sla.outcomes import rebuild

    _login(client, admin.email)
    monday_9 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)  # office hours 09-17 in the calendar's zone (UTC)
    ticket = _open("past", monday_9)
    _reply(ticket, "b-past", monday_9 + timedelta(hours=2))
    before = db.session.get(SlaOutcome, ticket.id).frt_business_seconds
    assert before == 2 * 3600
    calendar = db.session.scalars(select(BusinessCalendar)).first()
    page = client.get("/admin/sla")
    data = {"csrf_token": csrf_token(page), "timezone": "Asia/Tokyo", "holidays": ""}
    data.update({f"windows_{day}": "09:00-17:00" for day in range(5)})
    assert client.post(f"/admin/sla/calendars/{calendar.id}", data=data, content_type="multipart/form-data").status_code == 302
    rebuild(db.session, [ticket.id])  # what any later change of the ticket (or a repair) does
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(SlaOutcome, ticket.id).frt_business_seconds == before
    # a ticket opened now is measured with Tokyo's office hours (09-17 JST = 00-08 UTC: 09:00 UTC is after hours)
    later = _open("later", datetime(2026, 3, 9, 9, 0, tzinfo=timezone.utc))
    _reply(later, "b-later", datetime(2026, 3, 9, 11, 0, tzinfo=timezone.utc))
    assert db.session.get(SlaOutcome, later.id).frt_business_seconds == 0


def test_ics_parser_handles_folding_datetimes_and_rejects_other_files():
    from datetime import date

    from inbox.tickets.sla.ical import IcsError, parse_holidays

    assert parse_holidays(ICS) == [date(2026, 12, 25), date(2026, 12, 26), date(2027, 1, 1)]
    timed = "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;TZID=Europe/Berlin:20260501T000000\nEND:VEVENT\nEND:VCALENDAR\n"
    assert parse_holidays(timed) == [date(2026, 5, 1)]
    with pytest.raises(IcsError):
        parse_holidays("not a calendar")


def _fixture_for_dashboard(agent):
    """Two answered x tickets (one late), one unanswered sms past due, one resolved email; see the numbers below."""
    t1 = _open("d1", NOW - timedelta(hours=10))            # x: answered after 1 h → FR met
    _reply(t1, "d1-r", NOW - timedelta(hours=9))
    t2 = _open("d2", NOW - timedelta(hours=9))             # x: answered after 5 h → FR missed
    _reply(t2, "d2-r", NOW - timedelta(hours=4))
    t3 = _open("d3", NOW - timedelta(hours=3), "sms")      # sms: 2 h first response, unanswered → breached
    t3.assignee_id = agent.id
    db.session.commit()
    t4 = _open("d4", NOW - timedelta(minutes=210))         # x: 3 h 30 of 4 h, due in 30 min → at risk
    return t1, t2, t3, t4


def test_dashboard_numbers_match_the_fixture(client, lead, agent):
    t1, t2, t3, t4 = _fixture_for_dashboard(agent)
    sweep(NOW)
    _login(client, lead.email)
    page = client.get("/dashboard").data.decode()
    assert 'id="breached-count">1<' in page      # t3
    assert 'id="at-risk-count">1<' in page       # t4
    assert 'id="unassigned-count">3<' in page    # t1, t2, t4
    # compliance: FR met t1; FR missed t2, FR breached t3 → 1 of 3; resolution clocks still within targets
    assert 'id="compliance-total">33 %<' in page
    # charts are inline SVG; the only scripts are our own files (keyboard and live updates on every page)
    assert "<svg" in page and "cdn" not in page.lower() and "<script>" not in page
    assert {src for src in re.findall(r'<script[^>]*\bsrc="([^"]*)"', page)} == {"/static/keys.js", "/static/live.js", "/static/forms.js"}
    # each number opens the matching list
    breached = client.get("/?view=breached").data.decode()
    assert f"/tickets/{t3.id}" in breached and f"/tickets/{t1.id}\"" not in breached
    at_risk = client.get("/?view=at_risk").data.decode()
    assert f"/tickets/{t4.id}" in at_risk and f"/tickets/{t3.id}\"" not in at_risk
    assert f"/tickets/{t3.id}" in client.get(f"/?view=all&assignee={agent.id}").data.decode()
    sms_only = client.get("/?view=all&channel=sms").data.decode()
    assert f"/tickets/{t3.id}" in sms_only and f"/tickets/{t1.id}\"" not in sms_only
    year, week, _ = NOW.isocalendar()
    assert f"/tickets/{t2.id}" in client.get(f"/?view=all&week={year}-W{week:02d}").data.decode()
    assert f"/tickets/{t2.id}\"" not in client.get("/?view=all&week=2020-W01").data.decode()
    assert client.get("/?view=all&week=9999999-W99&assignee=x&channel=" + "y" * 300).status_code == 200


def test_ticket_csv_and_summary(client, lead, agent):
    t1, t2, t3, t4 = _fixture_for_dashboard(agent)
    t2.tags = [Tag(name="refund"), Tag(name="返金")]
    db.session.commit()
    sweep(NOW)
    _login(client, lead.email)
    today = NOW.date().isoformat()
    response = client.get(f"/dashboard/export.csv?from={(NOW - timedelta(days=1)).date()}&to={today}")
    assert response.headers["Content-Type"].startswith("text/csv")
    body = response.data.decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(body[1:])))
    by_id = {int(r["ticket_id"]): r for r in rows}
    assert set(by_id) == {t1.id, t2.id, t3.id, t4.id}
    assert by_id[t1.id]["first_response_outcome"] == "met" and by_id[t1.id]["frt_minutes"] == "60.0"
    assert by_id[t2.id]["first_response_outcome"] == "missed" and by_id[t2.id]["frt_minutes"] == "300.0"
    assert by_id[t3.id]["first_response_outcome"] == "breached" and by_id[t3.id]["assignee"] == "Ada Agent"
    assert by_id[t3.id]["channel"] == "sms" and by_id[t3.id]["first_sentiment"] == "negative"
    assert by_id[t1.id]["customer"] == "'@a-d1" and by_id[t1.id]["tags"] == ""  # formula guard quotes a leading @
    assert by_id[t2.id]["tags"] == "refund; 返金"
    summary = client.get(f"/dashboard/export.csv?summary=1&from={(NOW - timedelta(days=1)).date()}&to={today}").data.decode()
    days = list(csv.DictReader(io.StringIO(summary[1:])))
    assert len(days) == 2
    total_opened = sum(int(d["opened"]) for d in days)
    assert total_opened == 4 and sum(int(d["sla_met"]) for d in days) == 1 and sum(int(d["sla_missed"]) for d in days) == 2
    # t2's late reply breached its deadline when it was delivered, t3's overdue clock at the sweep: every miss breaches
    assert sum(int(d["breaches_recorded"]) for d in days) == 2


def test_export_cli_writes_tickets_and_summary(app, agent, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from inbox.cli import main

    monkeypatch.setenv("DATABASE_URL", app.config["SQLALCHEMY_DATABASE_URI"])
    monkeypatch.setenv("REDIS_URL", app.config["REDIS_URL"])
    _fixture_for_dashboard(agent)
    out = tmp_path / "tickets.csv"
    day = NOW.date().isoformat()
    start = (NOW - timedelta(days=1)).date().isoformat()
    runner = CliRunner()
    result = runner.invoke(main, ["export", "tickets", "--from", start, "--to", day, "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert text.startswith("\ufeff") and len(text.strip().splitlines()) == 5
    result = runner.invoke(main, ["export", "tickets", "--from", start, "--to", day, "--summary"])
    assert result.exit_code == 0 and result.output.lstrip("\ufeff").startswith("date,opened")
    assert runner.invoke(main, ["export", "tickets", "--from", day, "--to", start]).exit_code != 0


def test_a_reversed_date_range_is_refused_with_a_message(client, lead):
    _login(client, lead.email)
    page = client.get("/dashboard?from=2026-05-10&to=2026-05-01")
    text = page.get_data(as_text=True)
    assert page.status_code == 400 and "The end date 2026-05-01 is before the start date 2026-05-10" in text
    # the default range is shown, and said so; the form keeps what was typed so it can be corrected (issue 29)
    assert "instead." in text and 'name="from" value="2026-05-10"' in text
    csv_response = client.get("/dashboard/export.csv?from=2026-05-10&to=2026-05-01")
    assert csv_response.status_code == 400 and b"is before the start date" in csv_response.data
    assert client.get("/dashboard/export.csv?from=2026-05-01&to=2026-05-01").status_code == 200
