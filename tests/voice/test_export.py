"""The weekly export: exact rows, sums, week boundaries, CSV safety, pseudonyms, atomic re-runs, CLI."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from inbox.cli import main
from inbox.extensions import db
from inbox.tickets.workspace.actions import correct_sentiment, resolve_ticket
from inbox.csvsafe import read_csv
from inbox.voice.export import ExportOptions, write_weekly_export
from inbox.voice.weeks import IsoWeek

TOKYO = ZoneInfo("Asia/Tokyo")
W47 = IsoWeek(2026, 47)


def jst(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=TOKYO)


@pytest.fixture
def week(app, post, lead):
    """Week 47 of 2026 in Tokyo, plus messages just outside it on both sides."""
    m = {}
    m["before"] = post("Nova X", "x", jst(15, 23, 59), "too early", "negative", author="early")
    m["late"] = post("Nova X", "x", jst(16, 9), "My parcel is late again", "negative", 0.91, author="alice", handle="@alice")
    m["love"] = post("Nova X", "x", jst(16, 10), "Love the new app", "positive", 0.8, author="bob", handle="bob_b")
    m["formula"] = post("Nova SMS", "sms", jst(17, 12), "=HYPERLINK(\"http://evil\",\"x\")", "neutral", 0.6,
                        author="+8190", handle="+819012345678", kind="sms")
    m["sunday"] = post("Nova X", "x", jst(22, 23, 30), "配達が遅いです", "positive", 0.7, author="chie", handle="chie_jp", lang="ja")
    m["after"] = post("Nova X", "x", jst(23, 0), "next week", "positive", author="late")
    post("Nova X", "x", jst(18, 8), "Our reply", None, direction="outbound", author="brand")
    correct_sentiment(m["formula"], "negative", lead)
    correct_sentiment(m["sunday"], "negative", lead)
    resolve_ticket(m["love"].ticket, lead)
    return m


def _export(tmp_path, **options):
    return write_weekly_export(W47, tmp_path, ExportOptions(zone=TOKYO, **options))


def test_messages_csv_has_exact_rows_in_local_time(week, tmp_path):
    result = _export(tmp_path)
    assert result.messages == 4
    path = tmp_path / "inbox-2026-W47-messages.csv"
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # BOM: Excel reads Japanese correctly
    rows = read_csv(path)
    assert rows[0] == ["message_id", "time", "channel", "account", "kind", "ticket_id", "customer", "language", "text",
                       "model_label", "model_score", "agent_label", "ticket_status", "model"]
    late, love, formula, sunday = week["late"], week["love"], week["formula"], week["sunday"]
    assert rows[1:] == [
        [str(late.id), "2026-11-16T09:00:00+09:00", "x", "Nova X", "mention", str(late.ticket_id), "'@alice", "en",
         "My parcel is late again", "negative", "0.91", "", "new", "fixture-model"],
        [str(love.id), "2026-11-16T10:00:00+09:00", "x", "Nova X", "mention", str(love.ticket_id), "bob_b", "en",
         "Love the new app", "positive", "0.8", "", "resolved", "fixture-model"],
        [str(formula.id), "2026-11-17T12:00:00+09:00", "sms", "Nova SMS", "sms", str(formula.ticket_id), "'+819012345678", "en",
         "'=HYPERLINK(\"http://evil\",\"x\")", "neutral", "0.6", "negative", "new", "fixture-model"],
        [str(sunday.id), "2026-11-22T23:30:00+09:00", "x", "Nova X", "mention", str(sunday.ticket_id), "chie_jp", "ja",
         "配達が遅いです", "positive", "0.7", "negative", "new", "fixture-model"],
    ]


def test_summary_counts_corrected_labels_per_local_day_and_channel(week, tmp_path):
    _export(tmp_path)
    rows = read_csv(tmp_path / "inbox-2026-W47-summary.csv")
    assert rows[0] == ["date", "channel", "negative", "neutral", "positive", "net_sentiment", "mean_score", "messages",
                       "tickets_opened", "tickets_resolved", "survey_answers", "csat_mean", "csat_satisfied", "nps", "ces_mean"]
    body = {(r[0], r[1]): r[2:10] for r in rows[1:]}
    assert len(body) == 14  # 7 days × (sms, x), zeros included
    assert body[("2026-11-16", "x")] == ["1", "0", "1", "0.0", "0.855", "2", "2", "0"]
    assert body[("2026-11-17", "sms")] == ["1", "0", "0", "-1.0", "0.6", "1", "1", "0"]
    assert body[("2026-11-22", "x")] == ["1", "0", "0", "-1.0", "0.7", "1", "1", "0"]
    assert body[("2026-11-18", "x")] == ["0", "0", "0", "", "", "0", "0", "0"]
    totals = [sum(int(r[i]) for r in rows[1:]) for i in (2, 3, 4, 7, 8)]
    assert totals == [3, 0, 1, 4, 4]
    # resolved today (outside the fixed week): not in this week's summary
    assert sum(int(r[9]) for r in rows[1:]) == 0
    assert {tuple(r[10:]) for r in rows[1:]} == {("0", "", "", "", "")}


def test_tickets_resolved_in_the_week_are_counted(app, post, lead, tmp_path):
    now = datetime.now(timezone.utc)
    msg = post("Nova X", "x", now, "help", "negative")
    resolve_ticket(msg.ticket, lead)
    week = IsoWeek.of(now.astimezone(TOKYO).date())
    write_weekly_export(week, tmp_path, ExportOptions(zone=TOKYO))
    rows = read_csv(tmp_path / f"inbox-{week}-summary.csv")
    today = [r for r in rows[1:] if r[0] == now.astimezone(TOKYO).date().isoformat() and r[1] == "x"]
    assert today[0][8:10] == ["1", "1"]


def test_pseudonymised_handles_are_stable_and_keyed(week, post, tmp_path):
    post("Nova X", "x", jst(18, 9), "still late", "negative", author="alice", handle="@alice")
    _export(tmp_path, pseudonymise=True, secret_key="k1")
    rows = read_csv(tmp_path / "inbox-2026-W47-messages.csv")[1:]
    alice = [r[6] for r in rows if "late" in r[8]]
    assert alice[0] == alice[1] and alice[0].startswith("cust-") and "alice" not in alice[0]
    assert len({r[6] for r in rows}) == 4
    _export(tmp_path, pseudonymise=True, secret_key="k2")
    assert read_csv(tmp_path / "inbox-2026-W47-messages.csv")[1][6] != alice[0]


def test_rerun_replaces_the_week_atomically(week, post, tmp_path):
    _export(tmp_path)
    post("Nova X", "x", jst(19, 9), "one more", "neutral")
    result = _export(tmp_path)
    assert result.messages == 5
    assert len(read_csv(tmp_path / "inbox-2026-W47-messages.csv")) == 6
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "inbox-2026-W47-messages.csv", "inbox-2026-W47-summary.csv", "inbox-2026-W47-themes.csv"]


def test_failed_export_leaves_previous_files_and_no_temp(week, tmp_path, monkeypatch):
    _export(tmp_path)
    before = (tmp_path / "inbox-2026-W47-messages.csv").read_bytes()
    import inbox.voice.export as export

    def broken(*_args):
        raise RuntimeError("database went away")

    monkeypatch.setattr(export, "_add_ticket_activity", broken)
    with pytest.raises(RuntimeError):
        _export(tmp_path)
    assert len(list(tmp_path.iterdir())) == 3
    # the messages file was complete before the failure, so it was replaced; nothing half-written exists
    assert (tmp_path / "inbox-2026-W47-messages.csv").read_bytes() == before


def test_themes_file_names_groups_of_negative_messages(app, post, tmp_path):
    post("Nova X", "x", jst(10, 9), "my refund is late", "negative", author="old")  # the week before
    for i, text in enumerate(["my refund never arrived", "still waiting for my refund", "refund please, never again"]):
        post("Nova X", "x", jst(16, 9, i), text, "negative", author=f"n{i}")
    for i, text in enumerate(["great service", "the app is great", "thanks for the quick help"]):
        post("Nova X", "x", jst(16, 10, i), text, "positive", author=f"p{i}")
    _export(tmp_path)
    rows = read_csv(tmp_path / "inbox-2026-W47-themes.csv")
    assert rows[0] == ["rank", "theme", "negative_messages", "previous_week", "change", "share_of_negative",
                       "example_message_ids", "example_1", "example_2", "example_3"]
    refund = next(r for r in rows[1:] if "refund" in r[1].split(" · "))
    assert refund[2:6] == ["3", "1", "2", "1.0"]
    assert {refund[7], refund[8], refund[9]} == {"my refund never arrived", "still waiting for my refund",
                                                  "refund please, never again"}
    assert not any("great" in r[1] for r in rows[1:])


def test_cli_writes_the_requested_week(app, week, tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", app.config["SQLALCHEMY_DATABASE_URI"])
    monkeypatch.setenv("REDIS_URL", app.config["REDIS_URL"])
    monkeypatch.setenv("INBOX_TIMEZONE", "Asia/Tokyo")
    runner = CliRunner()
    result = runner.invoke(main, ["export", "weekly", "--week", "2026-W47", "--out", str(tmp_path / "out")],
                           catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "week 2026-W47: 4 message(s)" in result.output
    assert len(read_csv(tmp_path / "out" / "inbox-2026-W47-messages.csv")) == 5
    from inbox.voice.files import list_exports

    assert [w.week for w in list_exports()] == ["2026-W47"] and list_exports()[0].complete
    bad = runner.invoke(main, ["export", "weekly", "--week", "2026-47"])
    assert bad.exit_code == 2 and "not an ISO week" in bad.output
    db.session.remove()


def test_stored_files_are_capped_replaced_whole_and_purged(app, tmp_path):
    from inbox.voice.files import (
        ExportTooLarge,
        list_exports,
        purge_expired_exports,
        store_files,
        stored_export,
    )

    old = tmp_path / "inbox-2026-W46-messages.csv"
    old.write_text("old week")
    store_files([old], 1024)
    small, big = tmp_path / "inbox-2026-W47-summary.csv", tmp_path / "inbox-2026-W47-messages.csv"
    small.write_text("first")
    store_files([small], 1024)
    small.write_text("second")
    big.write_bytes(b"x" * 2048)
    with pytest.raises(ExportTooLarge, match="INBOX_EXPORT_MAX_MB"):
        store_files([small, big], 1024)
    # the refused set changed nothing: the earlier summary is still served
    assert stored_export(small.name).content == b"first"
    assert stored_export(big.name) is None and stored_export("../" + small.name) is None
    with pytest.raises(ValueError):
        store_files([tmp_path / "secret.csv"], 1024)
    store_files([small], 1024)
    assert stored_export(small.name).content == b"second"
    assert [w.week for w in list_exports()] == ["2026-W47", "2026-W46"]
    later = stored_export(small.name).created_at + timedelta(days=30)
    assert purge_expired_exports(0, later) == 0
    assert purge_expired_exports(30, later + timedelta(seconds=1)) == 2
    assert list_exports() == []


def test_exports_never_outlive_the_personal_data_retention():
    from inbox.voice.files import export_retention_days

    assert export_retention_days(365, 0) == 365
    assert export_retention_days(365, 90) == 90
    assert export_retention_days(30, 90) == 30
    assert export_retention_days(0, 90) == 90
    assert export_retention_days(0, 0) == 0


def test_the_daily_purge_job_deletes_files_past_retention(app, tmp_path, run_jobs):
    from inbox.jobqueue import enqueue
    from inbox.voice.files import StoredExport, list_exports, store_files

    for week in ("2025-W01", "2026-W47"):
        (tmp_path / f"inbox-{week}-summary.csv").write_text(week)
        store_files([tmp_path / f"inbox-{week}-summary.csv"], 1024)
    old = db.session.query(StoredExport).filter_by(week="2025-W01").one()
    old.created_at = old.created_at - timedelta(days=400)
    db.session.commit()
    job = enqueue("purge_exports")
    run_jobs()
    assert job.latest_result().return_value == 1
    assert [w.week for w in list_exports()] == ["2026-W47"]
