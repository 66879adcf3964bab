"""The lead's SLA exports: column titles in the reader's language, the column names themselves in English."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask_babel import refresh

from inbox.tickets.reports.csv_export import (
    SUMMARY_COLUMNS,
    TICKET_COLUMNS,
    summary_rows,
    ticket_rows,
)

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def _header(rows) -> list[str]:
    return next(iter(rows))


def test_titles_follow_the_readers_language(app):
    args = (NOW - timedelta(days=1), NOW, UTC, NOW)
    with app.test_request_context("/", headers={"Accept-Language": "ja"}):
        refresh()  # a test request context runs no before_request hook: choose the language as a request would
        titles = _header(ticket_rows(*args, titled=True))
        assert titles[:3] == ["チケットID", "チャネル", "お客様"] and "解決までの時間（営業時間・分）" in titles
        assert _header(summary_rows(*args, titled=True))[-2:] == ["記録されたSLA違反", "現在期限間近"]
        assert _header(ticket_rows(*args)) == list(TICKET_COLUMNS)  # untitled: the stable names, whatever the language
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        refresh()
        assert _header(ticket_rows(*args, titled=True)) == list(TICKET_COLUMNS)
        assert _header(summary_rows(*args, titled=True)) == list(SUMMARY_COLUMNS)
