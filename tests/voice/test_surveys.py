"""Surveys after resolution: invitation, public tokenised page, one answer per ticket, scores."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy.exc import IntegrityError

from inbox.extensions import db
from inbox.tickets.workspace.actions import reopen_ticket, resolve_ticket
from inbox.voice.surveys.models import SurveyInvitation, SurveyResponse, SurveySetting
from inbox.voice.surveys.scores import ScoreTally, survey_scores
from inbox.voice.surveys.service import answer_survey, survey_token
from tests.helpers import csrf_token

NOW = datetime.now(timezone.utc)


@pytest.fixture
def surveyed(app, post, agent):
    """An X ticket resolved with surveys on for X (CSAT + NPS)."""
    db.session.add(SurveySetting(channel="x", enabled=True, extra_question="nps", send_as_reply=True))
    db.session.commit()
    message = post("Nova X", "x", NOW - timedelta(hours=1), "where is my parcel", "negative")
    resolve_ticket(message.ticket, agent)
    return db.session.query(SurveyInvitation).one()


def _url(invitation: SurveyInvitation) -> str:
    with db.session.no_autoflush:
        return f"/voice/survey/{survey_token(invitation)}"


def test_resolution_creates_one_invitation_per_ticket(surveyed, agent):
    assert surveyed.channel == "x" and surveyed.extra_question == "nps" and surveyed.sent_via == "link"
    ticket = surveyed.ticket
    reopen_ticket(ticket, agent)
    resolve_ticket(ticket, agent)
    assert db.session.query(SurveyInvitation).count() == 1


def test_no_survey_for_channels_without_one(app, post, agent):
    message = post("Nova SMS", "sms", NOW, "hello", "neutral", kind="sms")
    resolve_ticket(message.ticket, agent)
    assert db.session.query(SurveyInvitation).count() == 0


def test_public_page_records_one_answer_and_a_second_use_is_refused(client, surveyed):
    url = _url(surveyed)
    page = client.get(url + "?csat=4")
    assert page.status_code == 200 and b"How satisfied" in page.data
    assert b'value="4" required checked' in page.data and b"recommend" in page.data
    assert page.headers["X-Robots-Tag"] == "noindex" and page.headers["Referrer-Policy"] == "no-referrer"
    token = csrf_token(page)
    answered = client.post(url, data={"csat": "4", "extra": "9", "csrf_token": token})
    assert answered.status_code == 200 and b"Thank you" in answered.data
    again = client.post(url, data={"csat": "1", "csrf_token": token})
    assert again.status_code == 409 and b"Thank you" in again.data
    response = db.session.query(SurveyResponse).one()
    assert (response.csat, response.extra_question, response.extra_score, response.channel) == (4, "nps", 9, "x")
    assert b"Thank you" in client.get(url).data  # the link still works and says so


def test_tampered_or_foreign_tokens_are_not_found(client, surveyed, app):
    url = _url(surveyed)
    assert client.get(url[:-2] + ("AA" if not url.endswith("AA") else "BB")).status_code == 404
    from itsdangerous import URLSafeTimedSerializer

    other_id = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="inbox.survey").dumps(surveyed.id + 1)
    assert client.get(f"/voice/survey/{other_id}").status_code == 404
    forged = URLSafeTimedSerializer("not the key", salt="inbox.survey").dumps(surveyed.id)
    assert client.get(f"/voice/survey/{forged}").status_code == 404
    assert client.post(f"/voice/survey/{forged}", data={"csat": "5"}).status_code in (400, 404)
    assert db.session.query(SurveyResponse).count() == 0


def test_out_of_range_answers_are_refused(client, surveyed):
    url = _url(surveyed)
    token = csrf_token(client.get(url))
    for data in ({"csat": "6"}, {"csat": "0"}, {"csat": "x"}, {"csat": "5", "extra": "11"}):
        response = client.post(url, data={**data, "csrf_token": token})
        assert response.status_code == 422, data
    assert db.session.query(SurveyResponse).count() == 0


def test_database_allows_one_answer_per_ticket(surveyed):
    answer_survey(surveyed, 5)
    db.session.add(SurveyResponse(invitation_id=surveyed.id, ticket_id=surveyed.ticket_id, channel="x", csat=1, extra_question=""))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_ticket_page_shows_link_then_answer(logged_in, surveyed):
    page = logged_in.get(f"/tickets/{surveyed.ticket_id}")
    assert b"no answer yet" in page.data and b"/voice/survey/" in page.data
    answer_survey(surveyed, 2, "")
    assert b"CSAT <strong>2</strong>/5" in logged_in.get(f"/tickets/{surveyed.ticket_id}").data


def test_scores_from_answers():
    tally = ScoreTally()
    for csat, nps in ((5, 10), (4, 9), (2, 3), (5, 7)):
        tally.add(csat, "nps", nps)
    tally.add(3, "ces", 6)
    assert tally.responses == 5 and tally.csat_mean == pytest.approx(19 / 5)
    assert tally.csat_satisfied_share == pytest.approx(3 / 5)
    assert tally.nps_score == pytest.approx(25.0)  # 2 promoters, 1 detractor, 1 passive
    assert tally.ces_mean == 6


def test_survey_scores_for_dashboards_and_weekly_summary(surveyed, tmp_path):
    answer_survey(surveyed, 5, "10")
    scores = survey_scores(NOW - timedelta(days=1), NOW + timedelta(days=1))
    assert (scores.invitations, scores.csat.responses, scores.csat.satisfied_share, scores.nps.score) == (1, 1, 1.0, 100.0)
    assert scores.response_rate == 1.0
    assert survey_scores(NOW - timedelta(days=1), NOW + timedelta(days=1), channel="sms").csat.responses == 0
    from zoneinfo import ZoneInfo

    from inbox.csvsafe import read_csv
    from inbox.voice.export import ExportOptions, write_weekly_export
    from inbox.voice.weeks import IsoWeek

    week = IsoWeek.of(datetime.now(timezone.utc).date())
    write_weekly_export(week, tmp_path, ExportOptions(zone=ZoneInfo("UTC")))
    rows = read_csv(tmp_path / f"inbox-{week}-summary.csv")
    answered = [r for r in rows[1:] if r[10] != "0"]
    assert len(answered) == 1 and answered[0][1] == "x" and answered[0][10:] == ["1", "5.0", "1.0", "100.0", ""]


def test_agents_cannot_change_survey_settings(logged_in):
    assert logged_in.get("/voice/surveys/settings").status_code == 403


def test_admin_sets_surveys_per_channel(client):
    from inbox.auth.users import create_user

    create_user("admin@example.com", "Ada Admin", "admin", "correct horse battery")
    admin = client
    page = admin.get("/login")
    admin.post("/login", data={"email": "admin@example.com", "password": "correct horse battery", "csrf_token": csrf_token(page)})
    page = admin.get("/voice/surveys/settings")
    assert page.status_code == 200 and b"sms-enabled" in page.data
    admin.post("/voice/surveys/settings", data={"csrf_token": csrf_token(page), "sms-enabled": "on", "sms-extra": "ces"})
    setting = db.session.query(SurveySetting).filter_by(channel="sms").one()
    assert (setting.enabled, setting.extra_question, setting.send_as_reply) == (True, "ces", False)
    assert db.session.query(SurveySetting).filter_by(channel="x").one().enabled is False


def test_invitation_in_the_customers_language_with_the_team_name(app):
    from inbox.voice.surveys.service import invitation_text

    url = "https://inbox.example/voice/survey/t"
    assert invitation_text(url, "en", "") == f"Thanks for contacting us! How did we do? One tap: {url}"
    assert invitation_text(url, "en", "NovaHikari Care") == (
        f"Thanks for contacting NovaHikari Care! How did we do? One tap: {url}")
    japanese = invitation_text(url, "ja", "NovaHikari サポート")
    assert japanese.startswith("NovaHikari サポートへのお問い合わせありがとうございました。") and japanese.endswith(url)
    assert "Thanks" not in invitation_text(url, "ja", "")


def test_survey_page_speaks_the_customers_language_not_the_browsers(client, app, post, agent, monkeypatch):
    monkeypatch.setitem(app.config, "INBOX_TEAM_NAME", "NovaHikari サポート")
    db.session.add(SurveySetting(channel="x", enabled=True, extra_question="ces", send_as_reply=True))
    db.session.commit()
    message = post("Nova X", "x", NOW - timedelta(hours=1), "荷物がまだ届きません。確認してください。", "negative", author="mika",
                   lang=None)  # no tag from the network: the script tells
    resolve_ticket(message.ticket, agent)
    invitation = db.session.query(SurveyInvitation).one()
    page = client.get(_url(invitation), headers={"Accept-Language": "en-US"})
    text = page.data.decode()
    assert page.status_code == 200 and '<html lang="ja">' in text
    assert "今回のサポートにどのくらい満足されましたか？" in text and "NovaHikari サポート" in text
    assert "How satisfied" not in text
    refused = client.post(_url(invitation), data={"csat": "9", "csrf_token": csrf_token(page)},
                          headers={"Accept-Language": "en-US"})
    assert refused.status_code == 422 and "1〜5の評価を選んでください。" in refused.data.decode()
    answered = client.post(_url(invitation), data={"csat": "5", "csrf_token": csrf_token(page)})
    assert answered.status_code == 200 and "ありがとうございました！" in answered.data.decode()


def test_english_customer_gets_the_english_page_from_a_japanese_browser(client, surveyed):
    page = client.get(_url(surveyed), headers={"Accept-Language": "ja"})
    assert '<html lang="en">' in page.data.decode() and b"How satisfied" in page.data
