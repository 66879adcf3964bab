"""The lead dashboard: the live queues, compliance, FRT and TTR over time and per channel, agent and
week, and its CSV exports."""
from __future__ import annotations

from datetime import date, timedelta

from flask import (
    Response,
    abort,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext
from flask_babel import gettext as _
from flask_login import current_user

from ..audit import record_now
from ..auth.roles import role_required
from ..config import workspace_zone
from ..labels import label
from ..security.params import MAX_DATE, MIN_DATE
from ..tickets.reports.csv_export import day_range, summary_csv, ticket_csv
from ..tickets.reports.dashboard import queues, user_names
from ..tickets.reports.metrics import report
from ..tickets.workspace.assignment import assignable_users
from ..timeutil import utcnow
from ..voice.chart import line_chart
from .blueprint import bp
from .filters import number, short_day


def _date_arg(name: str, default: date) -> tuple[date, str | None]:
    """The date in ?name= (the default when absent), and what is wrong with what was typed, in words."""
    raw = request.args.get(name, "")
    field = _("From") if name == "from" else _("To")  # the form's own words for the field
    if not raw:
        return default, None
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        return default, _("“%(field)s” is not a date (YYYY-MM-DD): %(typed)s", field=field, typed=raw[:40])
    if not MIN_DATE <= value <= MAX_DATE:
        return default, _("“%(field)s” must be a date between %(first)s and %(last)s.", field=field,
                          first=MIN_DATE.isoformat(), last=MAX_DATE.isoformat())
    return value, None


def _date_range(default_start: date, default_end: date) -> tuple[date, date, list[str]]:
    """The range asked for, or the default one with every reason the asked one cannot be shown (never silently)."""
    start, start_problem = _date_arg("from", default_start)
    end, end_problem = _date_arg("to", default_end)
    problems = [problem for problem in (start_problem, end_problem) if problem]
    if not problems and end < start:
        problems.append(_("The end date %(end)s is before the start date %(start)s.", end=end.isoformat(),
                          start=start.isoformat()))
    if problems:
        return default_start, default_end, problems
    return start, end, []


@bp.get("/dashboard")
@role_required("lead")
def dashboard():
    now = utcnow()
    zone = workspace_zone()
    today = now.astimezone(zone).date()
    start, end, problems = _date_range(today - timedelta(weeks=8), today)
    lo, hi = day_range(start, end, zone)
    q = queues(now)
    metrics = report(lo, hi, now)
    names = user_names()
    # agents' bars read "open / capacity" (automatic assignment fills each agent up to their capacity)
    load_rows = [(u.name if u else gettext("Unassigned"), n, f"{n} / {u.capacity}" if u else str(n),
                  url_for("web.inbox", view="open", assignee=u.id if u else 0)) for u, n in q.load]
    return render_template(
        "dashboard.html", q=q, report=metrics, start=start, end=end, load_rows=load_rows, now=now,
        range_problems=problems, typed={name: request.args.get(name, "")[:40] for name in ("from", "to")},
        load_max=max((n for _, n in q.load), default=0), users=assignable_users(),
        trends=_trends(metrics, start, end),
        sections=[_section(gettext("Per channel"), "channel", gettext("Channel"), metrics.by_channel, lambda k: label("channel", k)),
                  _section(gettext("Per agent"), "assignee", gettext("Agent"), metrics.by_assignee, lambda k: names.get(k, f"#{k}")),
                  _section(gettext("Per week"), "week", gettext("Week"), metrics.by_week, lambda k: k)],
    ), 400 if problems else 200


def _hours(span) -> float | None:  # type: ignore[no-untyped-def]
    return None if span is None else round(span.total_seconds() / 3600, 2)


def _trends(metrics, start: date, end: date) -> list[dict]:  # type: ignore[no-untyped-def]
    """Compliance, FRT and TTR over time, per day and per week, as server-rendered line charts."""
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    weeks = sorted(metrics.by_week)
    mondays = [date.fromisocalendar(int(w[:4]), int(w[6:]), 1) for w in weeks]
    charts = []
    for step, points, series_of in (
        ("day", days, lambda key: metrics.by_day.get(key)),
        ("week", mondays, lambda key: metrics.by_week.get(f"{key.isocalendar()[0]}-W{key.isocalendar()[1]:02d}")),
    ):
        if not points:
            continue
        aggs = [series_of(p) for p in points]
        compliance = [a.compliance if a is not None else None for a in aggs]
        frt = [_hours(a.frt_mean(True)) if a is not None else None for a in aggs]
        ttr = [_hours(a.ttr_mean(True)) if a is not None else None for a in aggs]
        every = max(1, len(points) // 8)
        top = max([v for v in frt + ttr if v is not None] or [1.0])
        charts.append({
            "title": gettext("SLA compliance, per day") if step == "day" else gettext("SLA compliance, per week"),
            "chart": line_chart(points, {gettext("compliance %"): compliance}, y_min=0, y_max=100, label_every=every,
                                tick_format="{:.0f}", value_format="{:.0f} %", day_label=short_day),
        })
        charts.append({
            "title": (gettext("First response and resolution time (business hours), per day") if step == "day"
                      else gettext("First response and resolution time (business hours), per week")),
            "chart": line_chart(points, {gettext("FRT h"): frt, gettext("TTR h"): ttr}, y_min=0, y_max=top * 1.1, label_every=every,
                                tick_format="{:.1f}", value_format="{:.1f} h", day_label=short_day),
        })
    return charts


def _section(title: str, arg: str, arg_label: str, groups: dict, label) -> dict:  # type: ignore[no-untyped-def]
    """Table rows and bar rows for one grouping; every number and bar opens the matching tickets."""
    rows = []
    for key, agg in groups.items():
        rows.append((label(key), url_for("web.inbox", view="all", **{arg: key if key is not None else 0}), agg))

    def chart(value_of, text_of) -> list:  # type: ignore[no-untyped-def]
        return [(name, value_of(a), text_of(value_of(a)), href) for name, href, a in rows]

    as_hours = lambda v: "–" if v is None else gettext("%(hours)s h", hours=number(v, 1))  # noqa: E731
    frt = chart(lambda a: _hours(a.frt_mean(True)), as_hours)
    ttr = chart(lambda a: _hours(a.ttr_mean(True)), as_hours)
    top = lambda bars: max((v for _, v, _, _ in bars if v is not None), default=0)  # noqa: E731
    return {"title": title, "arg": arg, "arg_label": arg_label, "rows": rows, "charts": [
        (gettext("SLA compliance %"), chart(lambda a: a.compliance, lambda v: "–" if v is None else f"{number(v)} %"), 100),
        (gettext("FRT, business hours"), frt, top(frt)),
        (gettext("TTR, business hours"), ttr, top(ttr)),
    ]}


@bp.get("/dashboard/export.csv")
@role_required("lead")
def dashboard_export():
    now = utcnow()
    zone = workspace_zone()
    today = now.astimezone(zone).date()
    start, end, problems = _date_range(today - timedelta(days=30), today)
    if problems:
        abort(400, description=" ".join(problems))
    summary = request.args.get("summary") == "1"
    lo, hi = day_range(start, end, zone)
    lines = (summary_csv if summary else ticket_csv)(lo, hi, zone, now, titled=True)
    name = f"sla-{'summary' if summary else 'tickets'}-{start}-{end}.csv"
    record_now("export_downloaded", current_user, ("exports", name, name), {"kind": "SLA " + ("summary" if summary else "tickets")})
    return Response(stream_with_context(lines), content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
