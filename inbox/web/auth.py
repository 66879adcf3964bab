from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import refresh
from flask_login import current_user, login_required, login_user, logout_user

from ..auth.models import User
from ..auth.preferences import (
    LANGUAGES,
    preference_problems,
    save_preferences,
    time_zones,
)
from ..auth.sessions import load_session_user
from ..auth.signin import sign_in, sign_out_everywhere
from ..config import workspace_timezone
from ..extensions import login_manager
from .blueprint import auth_bp as bp
from .login_form import LoginForm
from .next_url import safe_next


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    # "<id>:<session version>": a deactivated user, or any session older than their last sign-out,
    # password change or deactivation, is signed out with its next request
    return load_session_user(user_id)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("web.inbox"))
    form = LoginForm()
    if form.validate_on_submit():
        outcome = sign_in(form.email.data, form.password.data, request.remote_addr or "")
        if outcome.user is not None:
            login_user(outcome.user, remember=form.remember.data)
            return redirect(safe_next(request.args.get("next"), url_for("web.inbox")))
        if outcome.refused is not None:
            flash(outcome.refused.message(), "error")
            return render_template("login.html", form=form), 429, {"Retry-After": str(outcome.refused.retry_after)}
        flash(_("Wrong email or password."), "error")
    return render_template("login.html", form=form), (401 if request.method == "POST" else 200)


@bp.post("/logout")
@login_required
def logout():
    sign_out_everywhere(current_user._get_current_object())  # type: ignore[attr-defined]
    logout_user()
    return redirect(url_for("auth.login"))


@bp.route("/settings/preferences", methods=["GET", "POST"])
@login_required
def preferences():
    user = current_user._get_current_object()  # type: ignore[attr-defined]
    locale, timezone = user.locale or "", user.timezone or ""
    problems: dict[str, str] = {}
    if request.method == "POST":
        locale = request.form.get("locale", "").strip()[:16]
        timezone = request.form.get("timezone", "").strip()[:64]
        problems = preference_problems(locale, timezone)
        if not problems:
            save_preferences(user, locale, timezone)
            refresh()  # the flash below is already in the language just chosen
            flash(_("Preferences saved."), "success")
            return redirect(url_for("auth.preferences"))
    return render_template("preferences.html", languages=LANGUAGES, time_zones=time_zones(), locale=locale,
                           timezone=timezone, team_timezone=workspace_timezone(),
                           problems=problems), (422 if problems else 200)
