"""The schedule table: each entry's latest run is booked once, whatever the number of schedulers,
ticks or restarts; the weekly export runs Monday 06:00 in the workspace's zone and a missed week is
caught up. Every test fixes its own clock."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from inbox.jobqueue import get_queue
from inbox.jobs.schedule import SCHEDULE, Every, Weekly, book_due_runs, latest_runs, weekly_export_done
from inbox.redis_client import get_redis

TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.fixture
def tokyo(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "INBOX_TIMEZONE", "Asia/Tokyo")
    monkeypatch.setitem(app.config, "INBOX_WEEKLY_EXPORT_DIR", str(tmp_path))
    return tmp_path


def test_latest_runs_are_a_pure_function_of_the_clock():
    wednesday = datetime(2026, 11, 18, 12, 0, 42, tzinfo=TOKYO)
    runs = {r.entry: r for r in latest_runs(wednesday, TOKYO)}
    assert runs["sla_sweep"].slot == "20261118030000"  # 12:00 Tokyo = 03:00 UTC, aligned to the minute
    # the last Monday 06:00 Tokyo before Wednesday 18 Nov exported week 46 (9-15 Nov)
    assert runs["weekly_export"].slot == "2026-W46" and runs["weekly_export"].args == ("2026-W46",)
    monday_0559 = datetime(2026, 11, 23, 5, 59, tzinfo=TOKYO)
    monday_0600 = datetime(2026, 11, 23, 6, 0, tzinfo=TOKYO)
    assert {r.entry: r.slot for r in latest_runs(monday_0559, TOKYO)}["weekly_export"] == "2026-W46"
    assert {r.entry: r.slot for r in latest_runs(monday_0600, TOKYO)}["weekly_export"] == "2026-W47"


def test_every_entry_is_booked_once_however_often_the_scheduler_ticks(tokyo):
    now = datetime(2026, 11, 23, 6, 0, 30, tzinfo=TOKYO)
    redis = get_redis()
    first = book_due_runs(redis, now, TOKYO)
    assert sorted(j.id for j in first) == ["auto_assign-20261122210000", "purge_exports-20261122000000", "requeue_replies-20261122210000",
                                           "requeue_webhooks-20261122210000", "retention-20261122000000",
                                           "sla_sweep-20261122210000", "weekly_export-2026-W47"]
    # another tick, a second scheduler, a restart in the same minute: nothing more
    assert book_due_runs(redis, now, TOKYO) == []
    assert book_due_runs(redis, now.replace(second=59), TOKYO) == []
    later = book_due_runs(redis, datetime(2026, 11, 23, 6, 1, 5, tzinfo=TOKYO), TOKYO)
    assert sorted(j.id for j in later) == ["auto_assign-20261122210100", "requeue_replies-20261122210100",
                                           "requeue_webhooks-20261122210100", "sla_sweep-20261122210100"]
    weekly = get_queue().fetch_job("weekly_export-2026-W47")
    assert weekly.func_name == "inbox.jobs.exports.export_week" and weekly.args == ("2026-W47",)


def test_a_week_already_exported_is_not_redone(app, tokyo):
    from inbox.voice.files import store_files

    (tokyo / "inbox-2026-W47-summary.csv").write_text("done")
    store_files([tokyo / "inbox-2026-W47-summary.csv"], app.config["INBOX_EXPORT_MAX_BYTES"])
    booked = book_due_runs(get_redis(), datetime(2026, 11, 23, 12, 0, tzinfo=TOKYO), TOKYO, skip=weekly_export_done)
    assert "weekly_export-2026-W47" not in [j.id for j in booked]


def test_the_weekly_job_exports_its_week(tokyo, post, run_jobs):
    post("Nova X", "x", datetime(2026, 11, 22, 23, 30, tzinfo=TOKYO), "still broken", "negative")
    (job,) = [j for j in book_due_runs(get_redis(), datetime(2026, 11, 23, 6, 0, tzinfo=TOKYO), TOKYO)
              if j.id.startswith("weekly_export")]
    run_jobs()
    job.refresh()
    assert job.get_status() == "finished", job.latest_result()
    assert job.return_value()["messages"] == 1
    from inbox.voice.files import stored_export

    assert "still broken" in stored_export("inbox-2026-W47-messages.csv").content.decode("utf-8-sig")
    assert not list(tokyo.iterdir())  # the worker's disk holds nothing another host would need


def test_the_schedule_names_only_known_jobs():
    from inbox.jobqueue import JOBS

    assert all(entry.job in JOBS for entry in SCHEDULE)
    assert all(isinstance(entry, (Every, Weekly)) for entry in SCHEDULE)


def test_jobs_queued_by_earlier_releases_still_run(app, run_jobs):
    """Old dotted paths resolve to where the jobs live now (README: upgrading)."""
    from inbox.jobqueue import DEFAULT_QUEUE, LEGACY_PATHS

    queue = get_queue(DEFAULT_QUEUE)
    job = queue.enqueue("inbox.sla_jobs.sla_sweep_job")
    run_jobs()
    job.refresh()
    assert job.get_status() == "finished", job.latest_result()
    for path in set(LEGACY_PATHS.values()):
        module, _, name = path.rpartition(".")
        assert callable(getattr(__import__(module, fromlist=[name]), name))
