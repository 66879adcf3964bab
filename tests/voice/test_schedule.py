"""The weekly export is an RQ-scheduled job: Monday 06:00 in the workspace's zone, booked once."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from inbox.queue import get_queue
from inbox.voice.jobs import ensure_weekly_export_scheduled, schedule_next_weekly_export, scheduled_job_id
from inbox.voice.weeks import IsoWeek

TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.fixture
def tokyo(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "INBOX_TIMEZONE", "Asia/Tokyo")
    monkeypatch.setitem(app.config, "INBOX_WEEKLY_EXPORT_DIR", str(tmp_path))
    return tmp_path


def _scheduled() -> dict[str, datetime]:
    registry = get_queue().scheduled_job_registry
    return {job_id: registry.get_scheduled_time(job_id) for job_id in registry.get_job_ids()}


def test_next_monday_six_tokyo_is_booked_once(tokyo):
    wednesday = datetime(2026, 11, 18, 12, 0, tzinfo=TOKYO)
    job = schedule_next_weekly_export(wednesday)
    assert job is not None and job.id == scheduled_job_id(IsoWeek(2026, 47))
    assert job.func_name == "inbox.voice.jobs.scheduled_weekly_export" and job.args == ("2026-W47",)
    assert schedule_next_weekly_export(wednesday) is None  # a second worker starting books nothing
    assert _scheduled() == {"inbox-weekly-export-2026-W47": datetime(2026, 11, 22, 21, 0, tzinfo=timezone.utc)}


def test_worker_start_books_next_run_and_catches_up_a_missed_week(tokyo):
    monday_noon = datetime(2026, 11, 23, 12, 0, tzinfo=TOKYO)  # this morning's run did not happen
    jobs = ensure_weekly_export_scheduled(monday_noon)
    assert [j.id for j in jobs] == ["inbox-weekly-export-2026-W48", "inbox-weekly-export-2026-W47"]
    assert get_queue().job_ids == ["inbox-weekly-export-2026-W47"]  # the missed week runs now
    assert list(_scheduled()) == ["inbox-weekly-export-2026-W48"]
    assert ensure_weekly_export_scheduled(monday_noon) == []


def test_no_catch_up_when_the_week_was_exported(tokyo):
    (tokyo / "inbox-2026-W47-summary.csv").write_text("done")
    jobs = ensure_weekly_export_scheduled(datetime(2026, 11, 23, 12, 0, tzinfo=TOKYO))
    assert [j.id for j in jobs] == ["inbox-weekly-export-2026-W48"]


def test_scheduled_job_exports_its_week_and_books_the_next(tokyo, post, run_jobs):
    post("Nova X", "x", datetime(2026, 11, 22, 23, 30, tzinfo=TOKYO), "still broken", "negative")
    job = schedule_next_weekly_export(datetime(2026, 11, 18, tzinfo=TOKYO))
    queue = get_queue()
    queue.scheduled_job_registry.remove(job)
    queue.enqueue_job(job)  # what the worker's scheduler does at 06:00
    run_jobs()
    job.refresh()
    assert job.get_status() == "finished", job.latest_result()
    assert job.return_value()["messages"] == 1
    assert (tokyo / "inbox-2026-W47-messages.csv").exists()
    # booked from the real clock: the next Monday from now
    assert len(_scheduled()) == 1 and list(_scheduled())[0].startswith("inbox-weekly-export-")
