"""What became of the weekly exports a person asked for on the exports page: queued, running, written or
failed, read from RQ by job id (kept in their session) so the page can say so until the files are there."""
from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from rq.exceptions import NoSuchJobError
from rq.job import Job

SESSION_KEY = "voice_export_jobs"
MAX_TRACKED = 5


@dataclass(frozen=True)
class ExportProgress:
    week: str
    state: str  # queued | running | done | failed | gone
    message: str

    @property
    def pending(self) -> bool:
        return self.state in ("queued", "running")


def remember(session: MutableMapping[str, Any], job_id: str, week: str) -> None:
    jobs = [j for j in session.get(SESSION_KEY, []) if isinstance(j, list) and len(j) == 2][-(MAX_TRACKED - 1):]
    session[SESSION_KEY] = [*jobs, [job_id, week]]


def _state(job: Any) -> str:
    if job is None:
        return "gone"
    status = job.get_status(refresh=True)
    status = getattr(status, "value", status)
    if status in ("queued", "deferred", "scheduled"):
        return "queued"
    if status == "started":
        return "running"
    if status == "finished":
        return "done"
    return "failed"


def describe(week: str, state: str) -> str:
    return {
        "queued": _("Export of %(week)s: waiting for a worker…", week=week),
        "running": _("Export of %(week)s: being written…", week=week),
        "done": _("Export of %(week)s: written; its files are below.", week=week),
        "failed": _("Export of %(week)s failed; the pipeline page has the error and a Retry button.", week=week),
        "gone": _("Export of %(week)s: no longer tracked; see the files below.", week=week),
    }[state]


def progress(session: MutableMapping[str, Any], connection: Any) -> list[ExportProgress]:
    """The tracked requests' states; finished ones are reported once and then forgotten."""
    tracked = [j for j in session.get(SESSION_KEY, []) if isinstance(j, list) and len(j) == 2]
    out, keep = [], []
    for job_id, week in tracked:
        try:
            job = Job.fetch(str(job_id), connection=connection)
        except NoSuchJobError:
            job = None
        state = _state(job)
        out.append(ExportProgress(str(week), state, describe(str(week), state)))
        if state in ("queued", "running"):
            keep.append([job_id, week])
    session[SESSION_KEY] = keep
    return out
