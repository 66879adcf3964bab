"""The pipeline page for admins: is everything flowing, what failed, what was set aside."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from redis.exceptions import RedisError
from sqlalchemy import select

from ..auth.roles import role_required
from ..channels.models import ChannelAccount
from ..channels.quarantine import mark_set_aside_seen, recent_rejections
from ..extensions import db
from ..health import run_checks
from ..jobs.failures import failed_jobs, retry_failed
from .blueprint import bp

JOB_ID_MAX = 200


@bp.get("/admin/pipeline")
@role_required("admin")
def pipeline():
    report = run_checks()
    failures, queue_error = [], None
    try:
        failures = failed_jobs()
    except RedisError as exc:
        queue_error = _("The job queue (Redis) is unavailable: %(reason)s", reason=str(exc))
    accounts = {a.id: a.name for a in db.session.scalars(select(ChannelAccount))}
    account_id = request.args.get("account", type=int)
    if account_id is not None and account_id not in accounts:
        account_id = None
    rejected = recent_rejections(200, account_id)
    page = render_template("admin/pipeline.html", report=report, failures=failures, queue_error=queue_error,
                           rejected=rejected, accounts=accounts, account_id=account_id)
    mark_set_aside_seen(rejected)  # the accounts' "set aside" notes have been read here
    return page


@bp.post("/admin/pipeline/jobs/<job_id>/retry")
@role_required("admin")
def retry_job(job_id: str):
    if len(job_id) > JOB_ID_MAX:
        abort(404)
    try:
        retried = retry_failed(job_id)
    except RedisError:
        flash(_("The job queue (Redis) is unavailable; try again when it is back."), "error")
        return redirect(url_for("web.pipeline"))
    flash(_("Job queued again.") if retried else _("That job is no longer in the failed list."), "success" if retried else "error")
    return redirect(url_for("web.pipeline"))
