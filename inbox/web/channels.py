"""Admin pages for channel accounts: connect, test, pause, edit and remove X, email, Mastodon and
Bluesky accounts. Secrets are never sent back to the browser (an empty secret field keeps the
stored one); states are said in words (channels.health), never as exception text."""
from __future__ import annotations

import logging
from typing import Any
from zoneinfo import ZoneInfo

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import func, select

from ..auth.roles import role_required
from ..channels import ChannelAccount
from ..channels.conversations import StoredConversations
from ..channels.health import account_health
from ..channels.settings import SettingsError, add_account, apply_settings, is_secret, masked_config
from ..connectors.base import ConnectorError, NeedsAttention, RateLimited, available_kinds, connector_class, connector_for
from ..connectors.fields import SettingField, fields_for
from ..extensions import db
from ..labels import connector_title
from ..links import external_url
from ..security.outbound import current_allowlist
from ..security.params import parse_bounded_int
from ..tickets.models import Message
from ..timeutil import utcnow
from ..translatable import N_, message_of
from .blueprint import bp
from .i18n import error_text

log = logging.getLogger(__name__)
MAX_POLL_INTERVAL = 7 * 24 * 3600
CONNECTABLE = ("x", "email", "mastodon", "bluesky", "line")


def _kinds() -> dict[str, Any]:
    return {kind: cls for kind, cls in available_kinds().items() if kind in CONNECTABLE}


def _account_or_404(account_id: int) -> ChannelAccount:
    account = db.session.get(ChannelAccount, account_id)
    if account is None:
        abort(404)
    return account


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("INBOX_TIMEZONE") or "UTC")


def _plain_words(account: ChannelAccount, label: str, zone: ZoneInfo) -> str:
    """The state in the reader's language, saying what it means for the team."""
    words = {
        "OK": _("Working: new messages arrive"),
        "Catching up": _("Catching up on older messages"),
        "Paused": _("Paused: nothing is fetched"),
        "Needs new credentials": _("Needs new credentials: nothing is fetched"),
        "Error, retrying": _("Cannot connect, retrying"),
    }
    if label in words:
        return words[label]
    if account.backoff_until is not None and label.startswith(("Rate-limited until", "Error, retrying at")):
        at = f"{account.backoff_until.astimezone(zone):%H:%M}"
        if label.startswith("Rate-limited"):
            return _("Rate-limited until %(time)s (the network asked us to wait)", time=at)
        return _("Cannot connect, retrying at %(time)s", time=at)
    return label


def status_of(account: ChannelAccount) -> tuple[str, str | None, str]:
    """(label, detail, level) in words: "Needs a new password", "Rate-limited until 14:05", "Catching up"."""
    if account.status == "removed":
        return _("Removed (its tickets stay)"), None, "info"
    health = account_health(account, _zone(), utcnow())
    label = _plain_words(account, health.label, _zone())
    if account.enabled and account.status == "needs_attention":
        try:
            label = getattr(connector_class(account.connector), "credential_words", label)
        except KeyError:
            pass
    return label, health.detail, health.level


def _settings_from_form(fields: tuple[SettingField, ...]) -> tuple[dict[str, Any], int | None]:
    settings: dict[str, Any] = {}
    try:
        for field in fields:
            settings[field.key] = field.read(request.form)
    except ValueError as exc:
        raise SettingsError(message_of(exc)) from None
    if "username" in settings and isinstance(settings["username"], str):
        settings["username"] = settings["username"].lstrip("@")
    raw = request.form.get("poll_interval", "").strip()
    interval = parse_bounded_int(raw, 0, MAX_POLL_INTERVAL) if raw else None
    if raw and interval is None:
        raise SettingsError(N_("the poll interval must be a whole number of seconds, at most %(limit)s (a week)",
                                limit=MAX_POLL_INTERVAL))
    return settings, interval


def _form(kind: str, account: ChannelAccount | None, status: int = 200):
    cls = connector_class(kind)
    # a pushed network (LINE) is given this address in its console; it is built on INBOX_PUBLIC_URL
    webhook_url = external_url(f"hooks.{kind}_webhook", account_id=account.id) if cls.pushed and account else None
    return render_template("channel_form.html", kind=kind, title=connector_title(kind, cls.title), account=account, fields=fields_for(kind),
                           pushed=cls.pushed, webhook_url=webhook_url,
                           masked=masked_config(account.config) if account else {}, form=request.form if request.method == "POST" else {},
                           is_secret=is_secret, status=status_of(account) if account else None), status


@bp.get("/admin/channels")
@role_required("admin")
def channels():
    accounts = list(db.session.scalars(select(ChannelAccount).order_by(ChannelAccount.name)))
    return render_template("channels.html", accounts=accounts, kinds=_kinds(),
                           masked={a.id: masked_config(a.config) for a in accounts},
                           states={a.id: status_of(a) for a in accounts}, editable=set(CONNECTABLE))


@bp.route("/admin/channels/<kind>/new", methods=["GET", "POST"])
@role_required("admin")
def new_channel(kind: str):
    if kind not in _kinds():
        abort(404)
    if request.method == "POST":
        name = request.form.get("name", "").strip()
        try:
            settings, interval = _settings_from_form(fields_for(kind))
            account = add_account(name, kind, {k: v for k, v in settings.items() if v is not None}, interval, by=current_user)
        except SettingsError as exc:
            flash(error_text(exc), "error")
            return _form(kind, None, 422)
        flash(_("%(title)s account '%(name)s' added. Use “Test” to check the connection.", title=connector_title(kind, connector_class(kind).title),
                name=account.name), "success")
        if connector_class(kind).pushed:  # its page shows the webhook URL to paste in the network's console
            return redirect(url_for("web.edit_channel", account_id=account.id))
        return redirect(url_for("web.channels"))
    return _form(kind, None)


@bp.route("/admin/channels/<int:account_id>/edit", methods=["GET", "POST"])
@role_required("admin")
def edit_channel(account_id: int):
    account = _account_or_404(account_id)
    if account.connector not in CONNECTABLE:
        abort(404)
    if request.method == "POST":
        try:
            settings, interval = _settings_from_form(fields_for(account.connector))
            # an empty secret field keeps the stored value: secrets are never sent back to the browser
            changed = apply_settings(account, settings, interval, by=current_user)
        except SettingsError as exc:
            flash(error_text(exc), "error")
            return _form(account.connector, account, 422)
        label, _detail, _level = status_of(account)
        if changed:
            flash(_("%(name)s: %(changed)s updated; now: %(state)s.", name=account.name, changed=", ".join(changed),
                    state=label), "success")
        else:
            flash(_("%(name)s: nothing updated; now: %(state)s.", name=account.name, state=label), "success")
        return redirect(url_for("web.channels"))
    return _form(account.connector, account)


@bp.post("/admin/channels/<int:account_id>/test")
@role_required("admin")
def test_channel(account_id: int):
    """Connect and fetch one page, without queueing anything or moving the cursor."""
    account = _account_or_404(account_id)
    try:
        connector = connector_for(account, conversations=StoredConversations(account), allowlist=current_allowlist(),
                                  max_pages=1, fetch_limit=5)
        ready, why = connector.configured()
        if not ready:
            flash(_("%(name)s: not ready to connect: %(reason)s.", name=account.name, reason=why), "error")
            return redirect(url_for("web.channels"))
        result = connector.fetch(account.cursor)
    except RateLimited as exc:
        flash(_("%(name)s: connected, but the network asks to wait until %(time)s.", name=account.name,
                time=f"{exc.reset_at.astimezone(_zone()):%H:%M}"), "error")
    except NeedsAttention as exc:
        flash(_("%(name)s: %(reason)s.", name=account.name, reason=exc), "error")
    except ConnectorError as exc:
        flash(_("%(name)s: %(reason)s.", name=account.name, reason=exc), "error")
    except Exception:  # never show a traceback; the log has it
        log.exception("testing account %s failed", account.name)
        db.session.rollback()
        flash(_("%(name)s: the test failed unexpectedly; the server log has the details.", name=account.name), "error")
    else:
        waiting, aside = len(result.messages), len(result.rejected)
        if waiting and aside:
            flash(ngettext("%(name)s: connected — %(num)s new message waiting; it arrives with the next poll, "
                           "%(items)s would be set aside.",
                           "%(name)s: connected — %(num)s new messages waiting; they arrive with the next poll, "
                           "%(items)s would be set aside.",
                           waiting, name=account.name, items=ngettext("%(num)s item", "%(num)s items", aside)), "success")
        elif waiting:
            flash(ngettext("%(name)s: connected — %(num)s new message waiting; it arrives with the next poll.",
                           "%(name)s: connected — %(num)s new messages waiting; they arrive with the next poll.",
                           waiting, name=account.name), "success")
        elif aside:
            flash(ngettext("%(name)s: connected — no new messages waiting, %(num)s item would be set aside.",
                           "%(name)s: connected — no new messages waiting, %(num)s items would be set aside.",
                           aside, name=account.name), "success")
        else:
            flash(_("%(name)s: connected — no new messages waiting.", name=account.name), "success")
    return redirect(url_for("web.channels"))


@bp.post("/admin/channels/<int:account_id>/pause")
@role_required("admin")
def pause_channel(account_id: int):
    account = _account_or_404(account_id)
    resume = request.form.get("resume") == "1"
    if account.status == "removed":
        abort(404)
    account.enabled = resume
    if resume:
        account.backoff_until = None
    db.session.commit()
    if resume:
        flash(_("%(name)s: polling resumed.", name=account.name), "success")
    else:
        flash(_("%(name)s: paused; nothing is fetched until you resume it.", name=account.name), "success")
    return redirect(url_for("web.channels"))


@bp.post("/admin/channels/<int:account_id>/remove")
@role_required("admin")
def remove_channel(account_id: int):
    """An account with no messages is deleted; one with history is disconnected (secrets erased,
    never polled again) and its tickets stay readable."""
    account = _account_or_404(account_id)
    name = account.name
    used = db.session.scalar(select(func.count()).select_from(Message).where(Message.account_id == account.id))
    if not used:
        db.session.delete(account)
        db.session.commit()
        flash(_("%(name)s removed.", name=name), "success")
        return redirect(url_for("web.channels"))
    account.config = {key: value for key, value in account.config.items() if not is_secret(key)}
    account.enabled, account.status, account.status_detail = False, "removed", None
    db.session.commit()
    flash(ngettext("%(name)s disconnected: its credentials are erased and it is no longer polled; its %(num)s message stays.",
                   "%(name)s disconnected: its credentials are erased and it is no longer polled; its %(num)s messages stay.",
                   used, name=name), "success")
    return redirect(url_for("web.channels"))
