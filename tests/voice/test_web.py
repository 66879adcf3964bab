"""The customer-voice pages: leads only, escaped customer text, safe downloads, export on demand."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from inbox.tickets.workspace.actions import correct_sentiment
from inbox.voice.chart import line_chart
from tests.helpers import csrf_token


@pytest.fixture
def exports_dir(app, tmp_path):
    """A folder for files written by hand; downloads come from the database only."""
    return tmp_path / "exports"


def _stored_names() -> list[str]:
    from inbox.voice.files import list_exports

    return sorted(f.name for week in list_exports() for f in week.files.values())


def test_agents_cannot_see_the_voice_pages(logged_in):
    for page in ("/voice/trend", "/voice/exports", "/voice/exports/inbox-2026-W47-messages.csv"):
        assert logged_in.get(page).status_code == 403, page


def test_trend_page_shows_chart_themes_and_corrections(lead_client, post, lead, exports_dir):
    last_week = datetime.now(timezone.utc) - timedelta(days=7)
    hostile = "<script>alert(1)</script> refund refused again"
    for i in range(3):
        m = post("Nova X", "x", last_week + timedelta(minutes=i), f"{hostile} #{i}", "negative", author=f"a{i}")
    post("Nova SMS", "sms", last_week, "thanks, all good", "positive", kind="sms")
    correct_sentiment(m, "neutral", lead)
    page = lead_client.get("/voice/trend")
    assert page.status_code == 200
    html = page.data.decode()
    assert "<svg" in html and "<circle" in html
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "refund" in html and "Model overruled" in html
    assert 'class="big">1<' in html
    assert "http" not in html.split("<svg", 1)[1].split("</svg>")[0].replace("http://www.w3.org", "")


def test_trend_page_ignores_bad_week(lead_client):
    for query in ("?week=../../etc", "?week=2026-W99", "?week=9999-W01"):
        assert lead_client.get("/voice/trend" + query).status_code == 200, query


def test_exports_listed_and_downloaded_safely(app, lead_client, exports_dir):
    from inbox.voice.files import store_files

    exports_dir.mkdir()
    (exports_dir / "inbox-2026-W47-messages.csv").write_bytes("\ufeffmessage_id\n1\n".encode())
    store_files([exports_dir / "inbox-2026-W47-messages.csv"], app.config["INBOX_EXPORT_MAX_BYTES"])
    # the web process never reads an export folder: a file only on disk is not served
    (exports_dir / "inbox-2026-W48-messages.csv").write_text("disk only")
    (exports_dir / ".inbox-2026-W47-summary.csv.x1.tmp").write_text("partial")
    (exports_dir.parent / "secret.csv").write_text("nope")
    app.config["INBOX_WEEKLY_EXPORT_DIR"] = str(exports_dir)
    page = lead_client.get("/voice/exports")
    assert b"inbox-2026-W47-messages.csv" in page.data and b".tmp" not in page.data
    download = lead_client.get("/voice/exports/inbox-2026-W47-messages.csv")
    assert download.status_code == 200 and download.data.startswith(b"\xef\xbb\xbf")
    assert "attachment" in download.headers["Content-Disposition"]
    for bad in ("..%2Fsecret.csv", "../secret.csv", "%2E%2E%2Fsecret.csv", ".inbox-2026-W47-summary.csv.x1.tmp",
                "inbox-2026-W48-messages.csv", "inbox-2026-W47-messages.csv%00.txt"):
        assert lead_client.get(f"/voice/exports/{bad}").status_code == 404, bad


def test_export_now_queues_a_job_that_writes_the_week(lead_client, exports_dir, post, run_jobs):
    post("Nova X", "x", datetime(2026, 11, 18, 12, tzinfo=timezone.utc), "broken again", "negative")
    page = lead_client.get("/voice/exports")
    response = lead_client.post("/voice/exports", data={"week": "2026-W47", "csrf_token": csrf_token(page)})
    assert response.status_code == 302 and response.headers["Location"].endswith("week=2026-W47")
    waiting = lead_client.get(response.headers["Location"]).get_data(as_text=True)
    # the request's progress, the week still in the field, and the page looks again by itself
    assert "Export of 2026-W47: waiting for a worker" in waiting and 'value="2026-W47"' in waiting
    assert '<meta http-equiv="refresh" content="3">' in waiting
    run_jobs()
    assert _stored_names() == [
        "inbox-2026-W47-messages.csv", "inbox-2026-W47-summary.csv", "inbox-2026-W47-themes.csv"]
    assert not exports_dir.exists()  # nothing written to a local folder
    done = lead_client.get("/voice/exports?week=2026-W47").get_data(as_text=True)
    assert "inbox-2026-W47-themes.csv" in done and "Export of 2026-W47: written" in done and "http-equiv" not in done
    assert "Export of 2026-W47" not in lead_client.get("/voice/exports").get_data(as_text=True)  # said once
    download = lead_client.get("/voice/exports/inbox-2026-W47-messages.csv")
    assert download.status_code == 200 and "broken again" in download.data.decode("utf-8-sig")
    bad = lead_client.post("/voice/exports", data={"week": "2026-W99", "csrf_token": csrf_token(page)}, follow_redirects=True)
    assert b"not an ISO week" in bad.data or b"2026-W99" in bad.data
    assert b'value="2026-W99"' in bad.data  # what was typed stays, to be corrected


def test_line_chart_breaks_lines_on_days_without_data():
    days = [date(2026, 11, 16) + timedelta(days=i) for i in range(5)]
    chart = line_chart(days, {"x": [1.0, 0.0, None, -1.0, -0.5], "sms": [None] * 5}, width=240, height=140, label_every=2)
    x_series = next(s for s in chart.series if s.name == "x")
    assert x_series.segments == ["40.0,10.0 87.5,60.0", "182.5,110.0 230.0,85.0"]
    assert len(x_series.dots) == 4 and x_series.dots[0][2] == "x 2026-11-16: +1.00"
    assert next(s for s in chart.series if s.name == "sms").segments == []
    assert [t for _, t in chart.x_ticks] == ["16 Nov", "18 Nov", "20 Nov"]


def test_line_chart_of_values_all_equal_to_the_range_is_a_flat_line():
    """The dashboard passes y_max = 1.1 x the largest FRT/TTR: a range whose every answer took 0 business
    hours gave y_max == y_min and a 500 on /dashboard."""
    days = [date(2026, 11, 16) + timedelta(days=i) for i in range(3)]
    chart = line_chart(days, {"FRT h": [0.0, 0.0, None], "TTR h": [0.0, None, 0.0]}, y_min=0, y_max=0.0,
                       width=240, height=140, label_every=1)
    assert next(s for s in chart.series if s.name == "FRT h").segments == ["40.0,110.0 135.0,110.0"]


def test_trend_page_opens_on_the_latest_week_with_messages(lead_client, post, exports_dir):
    from inbox.config import workspace_zone
    from inbox.voice.weeks import week_containing

    long_ago = datetime.now(timezone.utc) - timedelta(weeks=5)
    for i in range(2):
        post("Nova X", "x", long_ago + timedelta(minutes=i), f"the router you sent is dead on arrival #{i}", "negative",
             author=f"r{i}")
    html = lead_client.get("/voice/trend").data.decode()
    assert f"<strong>{week_containing(long_ago, workspace_zone())}</strong>" in html
    assert "router" in html and "2 negative messages" in html


def test_trend_page_shows_the_themes_of_the_weekly_export(lead_client, post, exports_dir):
    from inbox.voice.export import export_week
    from inbox.config import workspace_zone
    from inbox.voice.weeks import week_containing

    when = datetime.now(timezone.utc) - timedelta(weeks=3)
    for i in range(3):
        post("Nova X", "x", when + timedelta(minutes=i), f"router delivery missed again, order {i}", "negative", author=f"d{i}")
    week = week_containing(when, workspace_zone())
    export_week(week)
    html = lead_client.get(f"/voice/trend?week={week}").data.decode()
    assert "grouped by the sentiment model" in html and "router" in html and "3 negative messages" in html
