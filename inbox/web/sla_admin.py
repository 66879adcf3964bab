"""Admin → SLA: the policies (versioned), the business calendars and the breach webhook; leads read them."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..auth.roles import role_required
from ..extensions import db
from ..tickets.models import BusinessCalendar, SlaPolicy
from ..tickets.read.sla_words import describe, split_minutes
from ..tickets.sla.calendar import WEEKDAYS
from ..tickets.sla.ical import IcsError, parse_holidays
from ..tickets.sla.policy_changes import (
    PolicyError,
    active_policies,
    change_calendar,
    change_policy,
    delete_policy,
    recent_changes,
)
from ..translatable import message_of
from ..webhooks.breach import breach_webhook, set_webhook_url
from ..webhooks.service import WebhookError
from .blueprint import bp
from .i18n import error_text
from .sla_forms import parse_policy_form, parse_week


def _sla_page(status: int = 200, typed: dict | None = None):
    """The policy page; `typed` keeps what was typed in the form that failed and says what is wrong
    beside the field: {"form": "policy-3" | "calendar-1" | "webhook", "values": ..., "field": ..., "error": ...}."""
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
        windows = parse_week(request.form)
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
    except WebhookError as exc:
        return _failed("webhook", PolicyError(message_of(exc), "url"))
    flash(_("Breach webhook saved."), "success")
    return redirect(url_for("web.sla_admin"))
