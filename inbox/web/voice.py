"""Customer-voice pages: the sentiment trend, the weekly exports and their downloads."""
from __future__ import annotations

import io
from datetime import timedelta

from flask import (
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from redis.exceptions import RedisError

from ..audit import record_now
from ..auth.roles import role_required
from ..config import workspace_zone
from ..redis_client import get_redis
from ..labels import label
from ..security.params import check_date
from ..timeutil import utcnow
from ..voice.chart import line_chart
from ..voice.export import enqueue_export
from ..voice.export_progress import progress, remember
from ..voice.files import list_exports, stored_export
from ..voice.summary import DayChannel
from ..voice.surveys.scores import survey_scores
from ..voice.trend import (
    corrections_between,
    daily_sentiment,
    latest_week_with_messages,
    net_series,
    week_themes,
)
from ..voice.weeks import IsoWeek, previous_week, week_bounds, week_containing
from .blueprint import voice_bp as bp
from .filters import short_day
from .i18n import error_text

TREND_WEEKS = 12


def _week_arg(default: IsoWeek, latest: IsoWeek) -> IsoWeek:
    """?week= (the default when absent or not a week), never after `latest`; before 1970, a 400."""
    try:
        week = IsoWeek.parse(request.args.get("week", "")) if request.args.get("week") else default
    except ValueError:
        return default
    week = min(week, latest)
    # the trend reaches 11 weeks back: keep within the dates reports can work with
    check_date(week.monday, "week")
    return week


@bp.get("/trend")
@role_required("lead")
def trend():
    zone = workspace_zone()
    now = utcnow()
    current = week_containing(now, zone)
    week = _week_arg(latest_week_with_messages(zone, now) or previous_week(now, zone), current)
    first = week.shifted(-(TREND_WEEKS - 1))
    days = [first.monday + timedelta(days=i) for i in range(TREND_WEEKS * 7)]
    cells = daily_sentiment(days[0], len(days), zone)
    start, end = week_bounds(week, zone)
    weekly = _weekly_table(cells, days)
    themes, themes_exported = week_themes(week, zone)
    return render_template(
        "voice/trend.html", week=week, first=first, chart=line_chart(days, {label('channel', channel): values for channel, values in net_series(cells, days).items()},
                                                     day_label=short_day),
        weekly=weekly, themes=themes, themes_exported=themes_exported, corrections=corrections_between(start, end),
        previous=week.shifted(-1), next=week.shifted(1) if week < current else None, scores=_scores(start, end),
    )


def _weekly_table(cells, days):
    """Week × channel totals: the chart's numbers, readable without the chart."""
    table: dict[tuple[str, str], DayChannel] = {}
    for (day, channel), cell in cells.items():
        key = (str(IsoWeek.of(day)), channel)
        total = table.setdefault(key, DayChannel())
        total.messages += cell.messages
        for label, count in cell.labels.items():
            total.labels[label] += count
    weeks = sorted({w for w, _ in table}, reverse=True)
    channels = sorted({c for _, c in table})
    return {"weeks": weeks, "channels": channels, "cells": table}


def _scores(start, end):
    return survey_scores(start, end)


@bp.get("/exports")
@role_required("lead")
def exports():
    zone = workspace_zone()
    typed = request.args.get("week", "")[:16]  # the week asked for last stays in the field
    refresh = _say_export_progress()
    return render_template("voice/exports.html", exports=list_exports(),
                           default_week=typed or previous_week(utcnow(), zone), zone=zone.key, auto_refresh=refresh)


def _say_export_progress() -> int | None:
    """Flash each requested export's state; seconds until the page should look again while one is pending."""
    try:
        states = progress(session, get_redis())
    except RedisError:
        return None
    for item in states:
        flash(item.message, "error" if item.state == "failed" else ("success" if item.state == "done" else "info"))
    return 3 if any(item.pending for item in states) else None


@bp.post("/exports")
@role_required("lead")
def export_now():
    try:
        week = IsoWeek.parse(request.form.get("week", ""))
    except ValueError as exc:
        flash(error_text(exc), "error")
        return redirect(url_for("voice.exports", week=request.form.get("week", "")[:16]))
    try:
        job_id = enqueue_export(week)
    except RedisError:
        flash(_("Export of %(week)s not queued: the job queue (Redis) is unavailable. Try again shortly.", week=week), "error")
        return redirect(url_for("voice.exports"))

    remember(session, job_id, str(week))
    return redirect(url_for("voice.exports", week=str(week)))


@bp.get("/exports/<filename>")
@role_required("lead")
def download(filename: str):
    stored = stored_export(filename)
    if stored is None:
        abort(404)
    record_now("export_downloaded", current_user, ("exports", filename, filename), {"kind": "weekly sentiment"})
    response = send_file(io.BytesIO(stored.content), mimetype="text/csv", as_attachment=True, download_name=filename,
                         max_age=0, last_modified=stored.created_at)
    response.headers["Cache-Control"] = "no-store"
    return response


