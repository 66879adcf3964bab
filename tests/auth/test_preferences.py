"""Each person's language and time zone: the setting page, validation, and what the pages then show."""
from __future__ import annotations

import re
from datetime import UTC, datetime

from inbox.auth.models import User
from inbox.auth.preferences import preference_problems, time_zones
from inbox.extensions import db
from tests.helpers import csrf_token


def _html_lang(response) -> str:
    match = re.search(rb'<html lang="([^"]+)"', response.data)
    assert match, response.data[:300]
    return match.group(1).decode()


def test_problems_are_per_field():
    assert preference_problems("", "") == {}
    assert preference_problems("ja", "Asia/Tokyo") == {}
    assert set(preference_problems("fr", "Mars/Olympus")) == {"locale", "timezone"}
    assert "Asia/Tokyo" in time_zones() and "UTC" in time_zones()
    assert not any(z.startswith(("Etc/", "posix/")) for z in time_zones())


def test_accept_language_switches_the_ui_for_a_visitor(client):
    english = client.get("/login")
    japanese = client.get("/login", headers={"Accept-Language": "ja,en;q=0.5"})
    assert _html_lang(english) == "en" and b"Sign in to Inbox" in english.data
    assert _html_lang(japanese) == "ja" and "Inbox にサインイン".encode() in japanese.data
    assert _html_lang(client.get("/login", headers={"Accept-Language": "fr-FR,de"})) == "en"


def test_the_users_setting_wins_over_the_browser(logged_in, agent):
    page = logged_in.get("/settings/preferences", headers={"Accept-Language": "en"})
    assert _html_lang(page) == "en"
    saved = logged_in.post("/settings/preferences", headers={"Accept-Language": "en"},
                           data={"locale": "ja", "timezone": "Asia/Tokyo", "csrf_token": csrf_token(page)})
    assert saved.status_code == 302
    db.session.expire_all()
    user = db.session.get(User, agent.id)
    assert (user.locale, user.timezone) == ("ja", "Asia/Tokyo")
    after = logged_in.get("/settings/preferences", headers={"Accept-Language": "en"}, follow_redirects=True)
    assert _html_lang(after) == "ja"
    text = after.data.decode()
    assert "設定を保存しました。" in text  # the flash is in the language just chosen
    assert re.search(r'<option [^>]*value="Asia/Tokyo" selected>', text)
    # back to "same as the browser": the browser decides again
    back = logged_in.post("/settings/preferences", data={"locale": "", "timezone": "", "csrf_token": csrf_token(after)})
    assert back.status_code == 302
    assert _html_lang(logged_in.get("/settings/preferences", headers={"Accept-Language": "en-GB"})) == "en"
    assert _html_lang(logged_in.get("/settings/preferences", headers={"Accept-Language": "ja-JP"})) == "ja"


def test_bad_values_keep_the_form_and_say_what_is_wrong(logged_in, agent):
    page = logged_in.get("/settings/preferences")
    response = logged_in.post("/settings/preferences", data={
        "locale": "<script>x</script>", "timezone": "Asia/Tokyo'\"", "csrf_token": csrf_token(page)})
    assert response.status_code == 422
    text = response.data.decode()
    assert "Choose English, Japanese, or the browser&#39;s language." in text
    assert "Choose a time zone from the list." in text
    assert "<script>x</script>" not in text
    db.session.expire_all()
    assert db.session.get(User, agent.id).locale is None


def test_times_follow_the_users_time_zone(app, agent):
    from flask_login import login_user

    from inbox.web.filters import local_time

    moment = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)
    app.config["INBOX_TIMEZONE"] = "UTC"
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        login_user(agent)
        assert local_time(moment) == "Nov 30, 23:30"
        agent.locale, agent.timezone = "ja", "Asia/Tokyo"
        from flask_babel import refresh

        refresh()
        assert local_time(moment) == "12月1日 8:30"
        assert local_time(moment, "year") == "2026年12月1日 8:30"
        agent.timezone = "Not/AZone"  # a zone removed from the system since: the team's zone, no error
        refresh()
        assert local_time(moment) == "11月30日 23:30"


def test_ticket_page_follows_the_browser_then_the_setting(logged_in, agent, app, tmp_path):
    from datetime import timedelta

    from inbox.channels import get_or_create_account
    from inbox.connectors.jsonl import message_from_record
    from inbox.sentiment import Sentiment
    from inbox.tickets.ingest import ingest_messages
    from inbox.tickets.models import Ticket
    from tests.helpers import ago, message

    account, _ = get_or_create_account("X", "jsonl", "x", {"outbox": str(tmp_path / "outbox.jsonl")})  # can reply
    record = message("1", "c", "朝から繋がりません", ago(minutes=10), author="mika", lang="ja")
    ingest_messages(account, [message_from_record(record)], [Sentiment("negative", 0.9, "test")], timedelta(days=7))
    ticket = db.session.query(Ticket).one()
    english = logged_in.get(f"/tickets/{ticket.id}", headers={"Accept-Language": "en"}).data.decode()
    assert '<html lang="en">' in english and "Send reply" in english and ">new</span>" in english
    japanese = logged_in.get(f"/tickets/{ticket.id}", headers={"Accept-Language": "ja,en;q=0.8"}).data.decode()
    assert '<html lang="ja">' in japanese and "返信を送信" in japanese and ">新規</span>" in japanese
    assert "Send reply" not in japanese and "ネガティブ" in japanese
    import json
    from html import unescape

    # the words the page's scripts show come in the page's language (base.html, static/live.js)
    words = json.loads(unescape(re.search(r"<div id=\"inbox-strings\" hidden data-strings='([^']*)'>", japanese).group(1)))
    assert words["updated"] == "更新しました"
    assert words["are_viewing"] == "{names}さんがこのチケットを見ています"
    agent.locale = "en"
    db.session.commit()
    chosen = logged_in.get(f"/tickets/{ticket.id}", headers={"Accept-Language": "ja"}).data.decode()
    assert '<html lang="en">' in chosen and "Send reply" in chosen


def test_refusals_and_outcomes_are_flashed_in_the_readers_language(logged_in, app):
    from datetime import timedelta

    from inbox.channels import get_or_create_account
    from inbox.connectors.jsonl import message_from_record
    from inbox.sentiment import Sentiment
    from inbox.tickets.ingest import ingest_messages
    from inbox.tickets.models import Ticket
    from tests.helpers import ago, message

    account, _ = get_or_create_account("X", "jsonl", "x")
    ingest_messages(account, [message_from_record(message("1", "c", "hello", ago(minutes=5)))],
                    [Sentiment("neutral", 0.9, "test")], timedelta(days=7))
    ticket = db.session.query(Ticket).one()
    ja = {"Accept-Language": "ja"}
    page = logged_in.get(f"/tickets/{ticket.id}", headers=ja)
    refused = logged_in.post(f"/tickets/{ticket.id}/reopen", data={"csrf_token": csrf_token(page)}, headers=ja,
                             follow_redirects=True).data.decode()
    assert f"再オープンできるのは解決済みまたは保留のチケットだけです（#{ticket.id} は「新規」です）" in refused
    tagged = logged_in.post(f"/tickets/{ticket.id}/tags", data={"tags": "返金", "csrf_token": csrf_token(page)}, headers=ja,
                            follow_redirects=True).data.decode()
    assert "タグ「返金」を付けました。" in tagged and "がタグ「返金」を追加しました" in tagged
    english = logged_in.post(f"/tickets/{ticket.id}/reopen", data={"csrf_token": csrf_token(page)},
                             headers={"Accept-Language": "en"}, follow_redirects=True).data.decode()
    assert f"only resolved or pending tickets can be reopened (#{ticket.id} is new)" in english


def test_error_pages_speak_the_readers_language(client):
    ja = {"Accept-Language": "ja"}
    missing = client.get("/no/such/page", headers=ja)
    assert missing.status_code == 404 and '<html lang="ja">' in missing.data.decode()
    assert "見つかりません" in missing.data.decode() and "受信箱に戻る" in missing.data.decode()
    nul = client.get("/login?q=%00", headers=ja)
    assert nul.status_code == 400 and "NUL 文字を含むクエリ文字列は受け付けません。" in nul.data.decode()
    english = client.get("/no/such/page", headers={"Accept-Language": "en"}).data.decode()
    assert "<h1>Not found</h1>" in english and "Back to the inbox" in english
