"""Times, durations and numbers in the reader's language and time zone."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask_babel import force_locale

from inbox.web.filters import day, duration_words, format_local, number, time_left

MOMENT = datetime(2026, 3, 8, 6, 30, 5, tzinfo=UTC)  # 01:30 in New York, just before its clocks go forward


@pytest.mark.parametrize(("locale", "zone", "style", "expected"), [
    ("en", "UTC", "short", "Mar 8, 06:30"),
    ("ja", "UTC", "short", "3月8日 6:30"),
    ("en", "Asia/Tokyo", "year", "Mar 8, 2026, 15:30"),
    ("ja", "Asia/Tokyo", "year", "2026年3月8日 15:30"),
    ("ja", "Asia/Tokyo", "seconds", "2026年3月8日 15:30:05"),
    ("en", "America/New_York", "short", "Mar 8, 01:30"),
    ("ja", "Asia/Tokyo", "date", "2026年3月8日"),
    ("ja", "Asia/Tokyo", "%Y-%m-%d %H:%M", "2026年3月8日 15:30"),  # an older strftime argument: the closest style
])
def test_format_local(locale, zone, style, expected):
    assert format_local(MOMENT, locale, ZoneInfo(zone), style) == expected


def test_daylight_saving_is_the_zones_own():
    after = MOMENT + timedelta(hours=1)  # 03:30 EDT: the 02:00–03:00 hour does not exist that day
    assert format_local(after, "en", ZoneInfo("America/New_York")) == "Mar 8, 03:30"


def test_durations_numbers_and_days_per_locale(app):
    with app.test_request_context("/", headers={"Accept-Language": "ja"}):
        assert duration_words(2 * 86400 + 3 * 3600 + 60) == "2日3時間"
        assert duration_words(3 * 3600 + 5 * 60) == "3時間05分"
        assert duration_words(-12 * 60) == "12分"
        assert number(12345.678, 1) == "12,345.7" and number(None) == "–"
        assert day(date(2026, 11, 30)) == "2026年11月30日"
        now = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
        left = time_left(now + timedelta(hours=2), now=now, warn=now - timedelta(minutes=1), target="first_response")
        assert left == {"text": "残り2時間00分", "state": "at_risk", "target": "初回応答", "state_text": "期限間近"}
        late = time_left(now - timedelta(minutes=90), now=now, target="resolution")
        assert (late["text"], late["state"], late["target"]) == ("1時間30分超過", "breached", "解決")
        with force_locale("en"):
            assert duration_words(3 * 3600 + 5 * 60) == "3h 05m"
            assert time_left(None)["text"] == "no target"
            assert number(12345.678, 1) == "12,345.7" and day(date(2026, 11, 30)) == "Nov 30, 2026"


def test_outage_page_in_the_readers_language(app):
    from flask_babel import lazy_gettext, refresh

    from inbox.web.outages import _unavailable

    with app.test_request_context("/tickets/1", headers={"Accept-Language": "ja"}):
        refresh()
        body, status, headers = _unavailable(lazy_gettext("The database"), RuntimeError("connection refused"))
    assert status == 503 and headers["Retry-After"] == "30"
    assert '<html lang="ja">' in body and "データベースが現在応答しないため" in body and "30秒後に" in body
