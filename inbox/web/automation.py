"""Admin → Rules (ordered automation rules with a tester) and Assignment (mode, capacities); the
agent's own away switch."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from redis.exceptions import RedisError
from sqlalchemy import func, select

from ..assignment.choose import MODES
from ..assignment.engine import (
    MODE_SETTING,
    REASSIGN_SETTING,
    agents,
    save_settings,
    set_away,
    setting,
)
from ..auth.models import User
from ..auth.roles import role_required
from ..automation.forms import RuleError, choices, form_values, parse_rule_form
from ..automation.models import AutomationRule
from ..automation.rules import Rule
from ..automation.service import try_rule
from ..extensions import db
from ..jobqueue import enqueue
from ..security.params import parse_bounded_int, parse_id
from ..timeutil import utcnow
from .blueprint import bp
from .i18n import error_text
from .next_url import safe_next

TESTER_DEFAULT = 50


def _rule_or_404(rule_id: int) -> AutomationRule:
    found = db.session.get(AutomationRule, rule_id)
    if found is None:
        abort(404)
    return found


def _ordered() -> list[AutomationRule]:
    return list(db.session.scalars(select(AutomationRule).order_by(AutomationRule.position, AutomationRule.id)))


@bp.get("/admin/rules")
@role_required("admin")
def admin_rules():
    return render_template("admin/rules.html", rules=_ordered())


def _form_page(rule: AutomationRule | None, values: dict, status: int = 200, tested=None, tested_n: int = TESTER_DEFAULT):  # type: ignore[no-untyped-def]
    return render_template("admin/rule_form.html", rule=rule, v=values, c=choices(), tested=tested, tested_n=tested_n), status


def _empty_values() -> dict:
    return {**form_values({}, {}), "name": "", "active": True, "stop_processing": False}


@bp.get("/admin/rules/new")
@role_required("admin")
def admin_rule_new():
    return _form_page(None, _empty_values())


@bp.get("/admin/rules/<int:rule_id>")
@role_required("admin")
def admin_rule_edit(rule_id: int):
    rule = _rule_or_404(rule_id)
    return _form_page(rule, {**form_values(rule.conditions, rule.actions), "name": rule.name, "active": rule.active,
                             "stop_processing": rule.stop_processing})


def _typed() -> dict:
    form = request.form
    values = {**_empty_values(), **{k: form.get(k, "") for k in ("name", "languages", "keywords", "keyword_match", "min_followers",
                                                                  "max_followers", "customer_tags", "business_hours", "priority",
                                                                  "add_tags", "assign", "canned_id")}}
    for key in ("channels", "account_ids", "kinds", "sentiments", "sla_states"):
        values[key] = form.getlist(key)
    for key in ("active", "stop_processing", "set_pending", "webhook"):
        values[key] = form.get(key) == "1"
    return values


@bp.post("/admin/rules/save")
@role_required("admin")
def admin_rule_save():
    """Save (new or existing, by `rule_id`), or with `test` run the typed rule over recent messages first."""
    raw_id = request.form.get("rule_id", "").strip()
    rule_id = parse_id(raw_id)
    if raw_id and rule_id is None:
        abort(404)
    rule = _rule_or_404(rule_id) if rule_id is not None else None
    try:
        parsed = parse_rule_form(request.form)
    except RuleError as exc:
        flash(_("Not saved: %(reason)s", reason=error_text(exc)), "error")
        return _form_page(rule, _typed(), 422)
    if request.form.get("test"):
        n = parse_bounded_int(request.form.get("test_n", ""), 1, 200) or TESTER_DEFAULT
        draft = Rule(rule.id if rule else None, parsed["name"], parsed["conditions"], parsed["actions"], parsed["stop_processing"])
        return _form_page(rule, _typed(), 200, tested=try_rule(draft, n), tested_n=n)
    if rule is None:
        position = (db.session.scalar(select(func.max(AutomationRule.position))) or 0) + 1
        rule = AutomationRule(position=position, created_by_id=current_user.id, created_at=utcnow())
        db.session.add(rule)
    rule.name, rule.active, rule.stop_processing = parsed["name"], parsed["active"], parsed["stop_processing"]
    rule.conditions, rule.actions = parsed["conditions"], parsed["actions"]
    db.session.commit()
    flash(_("Rule “%(name)s” saved.", name=rule.name), "success")
    return redirect(url_for("web.admin_rules"))


@bp.post("/admin/rules/<int:rule_id>/move")
@role_required("admin")
def admin_rule_move(rule_id: int):
    rules = _ordered()
    rule = _rule_or_404(rule_id)
    index = rules.index(rule)
    other = index - 1 if request.form.get("direction") == "up" else index + 1
    if 0 <= other < len(rules):
        rules[index], rules[other] = rules[other], rules[index]
        for position, row in enumerate(rules, start=1):
            row.position = position
        db.session.commit()
    return redirect(url_for("web.admin_rules"))


@bp.post("/admin/rules/<int:rule_id>/delete")
@role_required("admin")
def admin_rule_delete(rule_id: int):
    db.session.delete(_rule_or_404(rule_id))
    db.session.commit()
    flash(_("Rule removed."), "success")
    return redirect(url_for("web.admin_rules"))


@bp.get("/admin/assignment")
@role_required("admin")
def admin_assignment():
    users = list(db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.name)))
    load = {a.id: a.load for a in agents(utcnow())}
    return render_template("admin/assignment.html", modes=MODES, mode=setting(MODE_SETTING, "off"),
                           reassign=setting(REASSIGN_SETTING, "0") == "1", users=users, load=load)


@bp.post("/admin/assignment")
@role_required("admin")
def admin_assignment_save():
    mode = request.form.get("mode", "off")
    if mode not in MODES:
        flash(_("Unknown assignment mode."), "error")
        return redirect(url_for("web.admin_assignment"))
    for user in db.session.scalars(select(User).where(User.active.is_(True))):
        raw = request.form.get(f"capacity_{user.id}")
        if raw is not None:
            capacity = parse_bounded_int(raw, 0, 500)
            if capacity is None:
                flash(_("Capacity of %(name)s must be a whole number from 0 to 500.", name=user.name), "error")
                db.session.rollback()
                return redirect(url_for("web.admin_assignment"))
            user.capacity = capacity
    save_settings(mode, request.form.get("reassign_away") == "1")
    flash(_("Assignment settings saved."), "success")
    return redirect(url_for("web.admin_assignment"))


@bp.post("/me/away")
@login_required
def toggle_away():
    away = request.form.get("away") == "1"
    released = set_away(current_user, away)
    if away:
        if released:
            flash(ngettext("You are away: no tickets are assigned to you automatically. %(num)s open ticket went back to Unassigned.",
                           "You are away: no tickets are assigned to you automatically. %(num)s open tickets went back to Unassigned.",
                           len(released)), "success")
        else:
            flash(_("You are away: no tickets are assigned to you automatically."), "success")
    else:
        flash(_("You are back: automatic assignment includes you again."), "success")

        try:
            enqueue("auto_assign")
        except RedisError:
            pass
    return redirect(safe_next(request.form.get("next"), url_for("web.inbox")))
