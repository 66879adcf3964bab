"""SLA pages: pending action, notifications, the lead dashboard and exports, the admin policy page."""
from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from flask import Response, abort, current_app, flash, redirect, render_template, request, stream_with_context, url_for
from flask_babel import gettext
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select, update

from ..audit import record_now
from ..auth.roles import role_required
from ..security.params import check_date
from ..extensions import db
from ..tickets.workspace.actions import ActionError, set_pending
from ..tickets.workspace.assignment import assignable_users
from ..tickets.models import BusinessCalendar, SlaPolicy, Ticket
from ..tickets.reports.csv_export import day_range, summary_csv, ticket_csv
from ..tickets.reports.dashboard import queues, user_names
from ..tickets.sla.ical import IcsError, parse_holidays
from ..tickets.reports.metrics import report
from ..notifications.models import Notification
from ..tickets.sla.policy_changes import (
    WEEKDAYS, PolicyError, active_policies, change_calendar, change_policy, delete_policy, parse_policy_form, recent_changes,
    set_webhook_url,
)
from ..voice.chart import line_chart
from ..timeutil import utcnow
from .blueprint import bp
from .filters import local_time, number, short_day
from ..labels import label
from ..translatable import message_of
from .i18n import error_text


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["INBOX_TIMEZONE"])


@bp.app_context_processor
def _unread_notifications() -> dict:
    def unread() -> int:
        if not current_user.is_authenticated:
            return 0
        return db.session.scalar(select(func.count()).select_from(Notification)
                                 .where(Notification.user_id == current_user.id, Notification.read_at.is_(None))) or 0

    return {"unread_notifications": unread}


@bp.app_template_global()
def sla_history(ticket: Ticket) -> list[str]:
    """The ticket's clocks replayed from its events, as sentences ("First response due …, answered …: met")."""
    from ..tickets.sla.clock import explain
    from ..tickets.sla.outcomes import replay_ticket

    return [explain(clock, _zone(), when=local_time) for clock in replay_ticket(ticket).clocks]


@bp.post("/tickets/<int:ticket_id>/pending")
@login_required
def pending(ticket_id: int):
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None:
        abort(404)
    try:
        set_pending(ticket, current_user)
        flash(gettext("Ticket #%(id)s is waiting on the customer; its clocks are paused.", id=ticket_id), "success")
    except ActionError as exc:
        flash(error_text(exc), "error")
    return redirect(url_for("web.ticket", ticket_id=ticket_id))


@bp.get("/notifications")
@login_required
def notifications():
    rows = list(db.session.scalars(select(Notification).where(Notification.user_id == current_user.id)
                                   .order_by(Notification.id.desc()).limit(200)))
    return render_template("notifications.html", notifications=rows)


@bp.post("/notifications/read")
@login_required
def notifications_read():
    db.session.execute(update(Notification).where(Notification.user_id == current_user.id, Notification.read_at.is_(None))
                       .values(read_at=utcnow()))
    db.session.commit()
    return redirect(url_for("web.notifications"))


def _date_arg(name: str, default: date) -> date:
    """The date in ?name= (the default when absent or not a date); out of the reports' span, a 400."""
    try:
        value = date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return default
    return check_date(value, name)


@bp.get("/dashboard")
@role_required("lead")
def dashboard():
    now = utcnow()
    zone = _zone()
    today = now.astimezone(zone).date()
    default_start = today - timedelta(weeks=8)
    start, end = _date_arg("from", default_start), _date_arg("to", today)
    if end < start:
        # said, not silently swapped or clamped: the default range is shown instead
        flash(_("The end date %(end)s is before the start date %(start)s; showing %(default_start)s – %(today)s instead.",
                end=end.isoformat(), start=start.isoformat(), default_start=default_start.isoformat(), today=today.isoformat()),
              "error")
        start, end = default_start, today
    lo, hi = day_range(start, end, zone)
    q = queues(now)
    metrics = report(lo, hi, now)
    names = user_names()
    # agents' bars read "open / capacity" (automatic assignment fills each agent up to their capacity)
    load_rows = [(u.name if u else gettext("Unassigned"), n, f"{n} / {u.capacity}" if u else str(n),
                  url_for("web.inbox", view="open", assignee=u.id if u else 0)) for u, n in q.load]
    return render_template(
        "dashboard.html", q=q, report=metrics, start=start, end=end, load_rows=load_rows, now=now,
        load_max=max((n for _, n in q.load), default=0), users=assignable_users(),
        trends=_trends(metrics, start, end),
        sections=[_section(gettext("Per channel"), "channel", gettext("Channel"), metrics.by_channel, lambda k: label("channel", k)),
                  _section(gettext("Per agent"), "assignee", gettext("Agent"), metrics.by_assignee, lambda k: names.get(k, f"#{k}")),
                  _section(gettext("Per week"), "week", gettext("Week"), metrics.by_week, lambda k: k)],
    )


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
    zone = _zone()
    today = now.astimezone(zone).date()
    start = _date_arg("from", today - timedelta(days=30))
    end = _date_arg("to", today)
    if end < start:
        abort(400, description=_("The end date %(end)s is before the start date %(start)s.", end=end.isoformat(),
                                 start=start.isoformat()))
    summary = request.args.get("summary") == "1"
    lo, hi = day_range(start, end, zone)
    lines = (summary_csv if summary else ticket_csv)(lo, hi, zone, now, titled=True)
    name = f"sla-{'summary' if summary else 'tickets'}-{start}-{end}.csv"
    record_now("export_downloaded", current_user, ("exports", name, name), {"kind": "SLA " + ("summary" if summary else "tickets")})
    return Response(stream_with_context(lines), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _sla_page(status: int = 200, typed: dict | None = None):
    """The policy page; `typed` keeps what was typed in the form that failed and says what is wrong
    beside the field: {"form": "policy-3" | "calendar-1" | "webhook", "values": ..., "field": ..., "error": ...}."""
    from ..tickets.sla.change_log import describe
    from ..tickets.sla.durations import split_minutes
    from ..tickets.sla.policy_changes import breach_webhook

    every = list(db.session.scalars(select(BusinessCalendar).order_by(BusinessCalendar.id)))
    calendars = [c for c in every if c.retired_at is None]
    names = {c.id: c.name for c in every}
    webhook = breach_webhook()
    changes = [(ch, *describe(ch.changes or {}, names)) for ch in recent_changes()]
    return render_template("admin_sla.html", policies=active_policies(), calendars=calendars, weekdays=WEEKDAYS,
                           changes=changes, webhook=webhook.url if webhook is not None and webhook.active else "", split=split_minutes,
                           typed=typed or {}, can_edit=current_user.has_role("admin")), status


def _failed(form_id: str, exc: PolicyError):
    return _sla_page(422, {"form": form_id, "values": request.form, "field": exc.field, "error": error_text(exc)})


def _policy_or_404(policy_id: int) -> SlaPolicy:
    policy = db.session.get(SlaPolicy, policy_id)
    if policy is None:
        abort(404)
    return policy


@bp.get("/admin/sla")
@role_required("lead")  # leads read the policies; only admins change them
def sla_admin():
    return _sla_page()


@bp.post("/admin/sla/policies/<int:policy_id>")
@role_required("admin")
def sla_policy_change(policy_id: int):
    policy = _policy_or_404(policy_id)
    try:
        new = change_policy(policy, parse_policy_form(request.form), current_user, request.form.get("priority") or None)
    except PolicyError as exc:
        return _failed(f"policy-{policy_id}", exc)
    flash(_("%(channel)s policy saved as a new version; it applies to tickets opened from now on.", channel=new.channel),
          "success")
    return redirect(url_for("web.sla_admin"))


@bp.post("/admin/sla/policies/<int:policy_id>/delete")
@role_required("admin")
def sla_policy_delete(policy_id: int):
    policy = _policy_or_404(policy_id)
    try:
        delete_policy(policy, current_user)
    except PolicyError as exc:
        flash(error_text(exc), "error")
        return redirect(url_for("web.sla_admin"))
    flash(_("Policy deleted. Tickets opened under it keep its targets; the change log keeps it."), "success")
    return redirect(url_for("web.sla_admin"))


@bp.post("/admin/sla/calendars/<int:calendar_id>")
@role_required("admin")
def sla_calendar_change(calendar_id: int):
    calendar = db.session.get(BusinessCalendar, calendar_id)
    if calendar is None:
        abort(404)
    holidays = request.form.get("holidays", "").split()
    upload = request.files.get("ics")
    try:
        if upload is not None and upload.filename:
            try:
                holidays += [d.isoformat() for d in parse_holidays(upload.read().decode("utf-8", errors="replace"))]
            except IcsError as exc:
                raise PolicyError(message_of(exc), "ics") from None
        windows = {day: request.form.get(f"windows_{day}", "") for day in range(7)}
        change_calendar(calendar, request.form.get("timezone", calendar.timezone).strip(), windows, holidays, current_user)
    except PolicyError as exc:
        return _failed(f"calendar-{calendar_id}", exc)
    flash(_("Calendar %(name)s saved.", name=calendar.name), "success")
    return redirect(url_for("web.sla_admin"))


@bp.post("/admin/sla/webhook")
@role_required("admin")
def sla_webhook():
    try:
        set_webhook_url(request.form.get("url", ""), current_user)
    except PolicyError as exc:
        return _failed("webhook", PolicyError(message_of(exc), "url"))
    flash(_("Breach webhook saved."), "success")
    return redirect(url_for("web.sla_admin"))
