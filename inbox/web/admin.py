"""Admin pages for canned responses and users; the rules live in inbox.tickets.canned and inbox.auth.users."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..audit import record_now
from ..auth.mail import send_to_teammate
from ..auth.models import ROLES, User
from ..auth.passwords import RESET_LINK_HOURS, reset_token, set_one_time_password
from ..auth.roles import role_required
from ..auth.users import UserError, change_role, create_user, list_users, set_active
from ..extensions import db
from ..labels import label
from ..tickets.models import CannedResponse
from ..tickets.workspace.actions import ActionError
from ..tickets.workspace.canned import (
    PLACEHOLDERS,
    all_canned,
    create_canned,
    fill_placeholders,
    set_canned_active,
    unknown_placeholders,
    update_canned,
)
from .blueprint import bp
from .i18n import error_text

_EXAMPLE = {"customer_name": "Hana Sato", "agent_name": "Ada"}


def _canned_or_404(canned_id: int) -> CannedResponse:
    canned = db.session.get(CannedResponse, canned_id)
    if canned is None:
        abort(404)
    return canned


def _warn_unknown(body: str) -> None:
    unknown = unknown_placeholders(body)
    if unknown:
        flash(_("Left as typed (not a placeholder): %(names)s", names=", ".join("{" + name + "}" for name in unknown)), "error")


@bp.get("/admin/canned")
@role_required("admin")
def admin_canned():
    rows = all_canned()
    return render_template("admin_canned.html", rows=rows, placeholders=PLACEHOLDERS,
                           previews={c.id: fill_placeholders(c.body, _EXAMPLE) for c in rows})


@bp.route("/admin/canned/new", methods=["GET", "POST"])
@role_required("admin")
def admin_canned_new():
    form = {"title": request.form.get("title", ""), "body": request.form.get("body", "")}
    if request.method == "POST":
        try:
            canned = create_canned(form["title"], form["body"], current_user)
        except ActionError as exc:
            flash(_("Not saved: %(reason)s", reason=error_text(exc)), "error")
            return render_template("admin_canned_form.html", canned=None, form=form, placeholders=PLACEHOLDERS), 422
        _warn_unknown(canned.body)
        flash(_("Canned response '%(title)s' added.", title=canned.title), "success")
        return redirect(url_for("web.admin_canned"))
    return render_template("admin_canned_form.html", canned=None, form=form, placeholders=PLACEHOLDERS)


@bp.route("/admin/canned/<int:canned_id>/edit", methods=["GET", "POST"])
@role_required("admin")
def admin_canned_edit(canned_id: int):
    canned = _canned_or_404(canned_id)
    if request.method == "POST":
        form = {"title": request.form.get("title", ""), "body": request.form.get("body", "")}
        try:
            update_canned(canned, form["title"], form["body"], current_user)
        except ActionError as exc:
            flash(_("Not saved: %(reason)s", reason=error_text(exc)), "error")
            return render_template("admin_canned_form.html", canned=canned, form=form, placeholders=PLACEHOLDERS), 422
        _warn_unknown(canned.body)
        flash(_("Canned response '%(title)s' saved.", title=canned.title), "success")
        return redirect(url_for("web.admin_canned"))
    return render_template("admin_canned_form.html", canned=canned, form={"title": canned.title, "body": canned.body},
                           placeholders=PLACEHOLDERS)


def _form_flag(name: str) -> bool:
    value = request.form.get(name)
    if value not in ("0", "1"):
        abort(400)
    return value == "1"


@bp.post("/admin/canned/<int:canned_id>/active")
@role_required("admin")
def admin_canned_active(canned_id: int):
    canned = _canned_or_404(canned_id)
    active = _form_flag("active")
    set_canned_active(canned, active, current_user)
    if active:
        flash(_("Canned response '%(title)s' restored.", title=canned.title), "success")
    else:
        flash(_("Canned response '%(title)s' deactivated.", title=canned.title), "success")
    return redirect(url_for("web.admin_canned"))


@bp.get("/admin/users")
@role_required("admin")
def admin_users():
    return render_template("admin_users.html", users=list_users(), roles=ROLES, form={})


@bp.post("/admin/users")
@role_required("admin")
def admin_user_create():
    form = {k: request.form.get(k, "") for k in ("email", "name", "role")}
    try:
        user, password = create_user(form["email"], form["name"], form["role"], by=current_user)
    except UserError as exc:
        # beside the field it is about; the form keeps what was typed
        field = "email" if "email" in str(exc) else ("name" if "name" in str(exc) else "role")
        return render_template("admin_users.html", users=list_users(), roles=ROLES, form=form,
                               errors={field: _("Not added: %(reason)s", reason=error_text(exc))}), 422
    # shown once on this page (not in a flash, which would travel in the session cookie); only its hash is stored
    return render_template("admin_users.html", users=list_users(), roles=ROLES, form={}, created=(user, password))


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.post("/admin/users/<int:user_id>/role")
@role_required("admin")
def admin_user_role(user_id: int):
    user = _user_or_404(user_id)
    try:
        change_role(user, request.form.get("role", ""), current_user)
        flash(_("%(name)s is now %(role)s.", name=user.name, role=label("role", user.role)), "success")
    except UserError as exc:
        flash(error_text(exc), "error")
    return redirect(url_for("web.admin_users"))


@bp.post("/admin/users/<int:user_id>/active")
@role_required("admin")
def admin_user_active(user_id: int):
    user = _user_or_404(user_id)
    active = _form_flag("active")
    try:
        set_active(user, active, current_user)
        if active:
            flash(_("%(name)s reactivated.", name=user.name), "success")
        else:
            flash(_("%(name)s deactivated.", name=user.name), "success")
    except UserError as exc:
        flash(error_text(exc), "error")
    return redirect(url_for("web.admin_users"))


def _deactivated(user: User):  # type: ignore[no-untyped-def]
    flash(_("%(name)s is deactivated; reactivate them first.", name=user.name), "error")
    return redirect(url_for("web.admin_users"))


@bp.post("/admin/users/<int:user_id>/reset-link")
@role_required("admin")
def admin_user_reset_link(user_id: int):
    """Email a reset link when an outgoing mail server is connected, else show it once to the admin."""
    user = _user_or_404(user_id)
    if not user.active:
        return _deactivated(user)
    link = url_for("auth.reset_password", token=reset_token(user), _external=True)
    body = _("Hello %(name)s,\n\nan admin of Inbox sent you this link to choose a new password. It works once, for %(hours)s hours:\n\n%(link)s\n\nIf you did not ask for it, tell your admin.",
             name=user.name, hours=RESET_LINK_HOURS, link=link)
    problem = send_to_teammate(user.email, _("Choose a new Inbox password"), body)
    record_now("password_reset_link", current_user, user, {"emailed": problem is None})
    if problem is None:
        flash(_("A reset link was emailed to %(email)s; it works once, for %(hours)s hours.", email=user.email,
                hours=RESET_LINK_HOURS), "success")
        return redirect(url_for("web.admin_users"))
    return render_template("admin_users.html", users=list_users(), roles=ROLES, form={},
                           reset_link=(user, link, error_text(problem)))


@bp.post("/admin/users/<int:user_id>/one-time-password")
@role_required("admin")
def admin_user_one_time_password(user_id: int):
    user = _user_or_404(user_id)
    if not user.active:
        return _deactivated(user)
    password = set_one_time_password(user, current_user)
    if user.id == current_user.id:
        return redirect(url_for("auth.login"))
    return render_template("admin_users.html", users=list_users(), roles=ROLES, form={}, one_time=(user, password))
