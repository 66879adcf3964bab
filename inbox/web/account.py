"""The account page (your password, your alerts), reset links, and the forced change of a generated password."""
from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user

from ..auth.passwords import (
    PasswordProblem,
    change_own_password,
    reset_with_token,
    user_for_reset_token,
)
from ..notifications.alerts import ALERT_SETTINGS, browser_alerts, set_browser_alerts
from .blueprint import auth_bp as bp

# where a user who must change their password may still go
_ALLOWED_WHILE_FORCED = frozenset({"auth.account", "auth.change_password", "auth.logout", "auth.login", "static",
                                   "auth.reset_password", "web.healthz", "web.favicon"})


def _problem_text(problem: PasswordProblem) -> str:
    # the service speaks English; the page says it in the reader's language
    texts = {
        "this is not your current password": _("This is not your current password."),
        "the two new passwords differ": _("The two new passwords differ."),
        "not your email address or name": _("Choose something other than your email address or name."),
        "not the password you have now": _("Choose a password other than the one you have now."),
    }
    if problem.message in texts:
        return texts[problem.message]
    if problem.message.startswith("at least"):
        return _("At least %(n)s characters.", n=problem.message.split()[2])
    if problem.message.startswith("at most"):
        return _("At most %(n)s characters.", n=problem.message.split()[2])
    return problem.message


@bp.before_app_request
def _force_password_change() -> Any:
    if not current_user.is_authenticated or not getattr(current_user, "must_change_password", False):
        return None
    if request.endpoint in _ALLOWED_WHILE_FORCED or request.endpoint is None:
        return None
    if request.path == "/events" or request.accept_mimetypes.best == "application/json":
        return {"error": "change your password first"}, 403
    return redirect(url_for("auth.account"))


def _render(errors: dict[str, str] | None = None, status: int = 200) -> Any:
    return render_template("account.html", errors=errors or {}, alerts=browser_alerts(current_user),
                           alert_kinds=list(ALERT_SETTINGS)), status


@bp.get("/account")
@login_required
def account() -> Any:
    return _render()


@bp.post("/account/password")
@login_required
def change_password() -> Any:
    user = current_user._get_current_object()  # type: ignore[attr-defined]
    form = request.form
    forced = user.must_change_password
    try:
        change_own_password(user, form.get("current_password", ""), form.get("new_password", ""),
                            form.get("confirm_password", ""))
    except PasswordProblem as problem:
        return _render({problem.field: _problem_text(problem)}, 422)
    # every session ended, this one too: sign this browser in again with the new version
    login_user(user)
    flash(_("Your password is changed. Every other device is signed out."), "success")
    # a first sign-in's forced change was in the way of the inbox: go there now
    return redirect(url_for("web.inbox") if forced else url_for("auth.account"))


@bp.post("/account/alerts")
@login_required
def change_alerts() -> Any:
    kinds = [kind for kind in request.form.getlist("alert") if kind in ALERT_SETTINGS]
    set_browser_alerts(current_user._get_current_object(), kinds)  # type: ignore[attr-defined]
    flash(_("Your alert settings are saved."), "success")
    return redirect(url_for("auth.account"))


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> Any:
    user = user_for_reset_token(token)
    if user is None:
        return render_template("reset_password.html", invalid=True, errors={}), 404
    if request.method == "GET":
        return render_template("reset_password.html", invalid=False, errors={}, user=user)
    try:
        reset_with_token(user, request.form.get("new_password", ""), request.form.get("confirm_password", ""))
    except PasswordProblem as problem:
        return render_template("reset_password.html", invalid=False, errors={problem.field: _problem_text(problem)},
                               user=user), 422
    login_user(user)
    flash(_("Your new password is set. Every other device is signed out."), "success")
    return redirect(url_for("web.inbox"))
