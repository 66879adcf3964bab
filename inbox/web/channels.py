"""Admin pages for channel accounts: state at a glance, and X credentials set without ever showing them back."""
from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ..auth.roles import role_required
from ..channels.settings import SettingsError, add_account, apply_settings, masked_config
from ..channels import ChannelAccount
from ..connectors.x import CREDENTIALS
from ..extensions import db
from ..security.params import parse_bounded_int
from . import bp

X_FIELDS = CREDENTIALS + ("user_id", "username")
MAX_POLL_INTERVAL = 7 * 24 * 3600


def _form_settings() -> tuple[dict[str, Any], int | None]:
    settings: dict[str, Any] = {key: request.form.get(key, "").strip() for key in X_FIELDS}
    settings["username"] = settings["username"].lstrip("@")
    settings["dms"] = request.form.get("dms") == "on"
    raw = request.form.get("poll_interval", "").strip()
    interval = parse_bounded_int(raw, 0, MAX_POLL_INTERVAL) if raw else None
    if raw and interval is None:
        raise SettingsError(f"the poll interval must be a whole number of seconds, at most {MAX_POLL_INTERVAL} (a week)")
    return settings, interval


@bp.get("/admin/channels")
@role_required("admin")
def channels():
    accounts = list(db.session.scalars(select(ChannelAccount).order_by(ChannelAccount.name)))
    return render_template("channels.html", accounts=accounts, masked={a.id: masked_config(a.config) for a in accounts})


@bp.route("/admin/channels/x/new", methods=["GET", "POST"])
@role_required("admin")
def new_x_channel():
    if request.method == "POST":
        name = request.form.get("name", "").strip()
        try:
            settings, interval = _form_settings()
            # a brand with years of mentions may not want them all as tickets
            settings["start_from_now"] = request.form.get("start_from_now") == "on"
            add_account(name, "x", settings, interval, by=current_user)
        except SettingsError as exc:
            flash(str(exc), "error")
            return render_template("channel_form.html", account=None, masked={}, form=request.form), 422
        flash(f"X account {name!r} added.", "success")
        return redirect(url_for("web.channels"))
    return render_template("channel_form.html", account=None, masked={}, form={})


@bp.route("/admin/channels/<int:account_id>/edit", methods=["GET", "POST"])
@role_required("admin")
def edit_x_channel(account_id: int):
    account = db.session.get(ChannelAccount, account_id)
    if account is None or account.connector != "x":
        abort(404)
    if request.method == "POST":
        try:
            settings, interval = _form_settings()
            # an empty secret field keeps the stored value: secrets are never sent back to the browser
            changed = apply_settings(account, settings, interval, by=current_user)
        except SettingsError as exc:
            flash(str(exc), "error")
            return render_template("channel_form.html", account=account, masked=masked_config(account.config), form=request.form), 422
        flash(f"{account.name}: {', '.join(changed) or 'nothing'} updated; status {account.status}.", "success")
        return redirect(url_for("web.channels"))
    return render_template("channel_form.html", account=account, masked=masked_config(account.config), form={})
