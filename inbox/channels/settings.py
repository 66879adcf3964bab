"""Creating and updating channel accounts' settings, shared by the CLI and the admin pages.

Credentials live only in ChannelAccount.config on the server; whatever shows them back (CLI
output, admin pages) goes through `masked_config`, which keeps the last four characters only.
Whatever is saved, from the admin pages or the CLI, is checked here first: numbers within their
field's range (a port is 1-65535) and every server address (a Mastodon or Bluesky server, an IMAP or
SMTP host) through the outbound guard with the admin's allow-list, as webhooks are.
"""
from __future__ import annotations

from typing import Any, Mapping

from ..audit import record
from ..auth.models import User
from ..connectors.base import connector_class, connector_for
from ..connectors.fields import fields_for
from ..extensions import db
from ..security.outbound import OutboundRefused, check_host, check_url, current_allowlist
from ..translatable import N_, message_of
from .models import ChannelAccount, account_by_name

SECRET_WORDS = ("token", "secret", "key", "password")
# X's read endpoints allow a few requests per 15-minute window on the smaller plans; see inbox/connectors/x/README.md
DEFAULT_POLL_INTERVALS = {"x": 120}


class SettingsError(ValueError):
    pass


def is_secret(key: str) -> bool:
    return any(word in key.lower() for word in SECRET_WORDS)


def mask(value: Any) -> str:
    text = str(value or "")
    if not text:
        return ""
    return "•" * 4 + text[-4:] if len(text) > 8 else "•" * 4


def masked_config(config: Mapping[str, Any]) -> dict[str, Any]:
    return {key: (mask(value) if is_secret(key) else value) for key, value in sorted(config.items())}


def checked_settings(connector: str, changes: Mapping[str, Any]) -> dict[str, Any]:
    """`changes` as they are stored (numbers as int); SettingsError says which value is refused and why."""
    fields = {field.key: field for field in fields_for(connector)}
    checked: dict[str, Any] = {}
    allow = None
    for key, value in changes.items():
        field = fields.get(key)
        if field is None or value is None or value == "":
            checked[key] = value
            continue
        try:
            value = field.check(value)
        except ValueError as exc:
            raise SettingsError(message_of(exc)) from None
        if field.server:
            allow = allow or current_allowlist()
            try:
                if field.server == "url":
                    check_url(str(value), allow, resolve=None)
                else:
                    check_host(str(value), 0, allow, resolve=None)
            except OutboundRefused as exc:
                raise SettingsError(N_("%(field)s is refused: %(reason)s", field=field.label, reason=message_of(exc))) from None
        checked[key] = value
    return checked


def apply_settings(account: ChannelAccount, changes: Mapping[str, Any], poll_interval: int | None = None,
                   by: "User | None" = None) -> list[str]:
    """Merge non-empty `changes` into the account's config; returns the keys that changed.

    Any change clears "needs attention" and the back-off: the admin has just fixed something, so
    the next poll tries again (and sets the state back if the fix did not work).
    """
    try:
        changes = checked_settings(account.connector, changes)
    except SettingsError:
        db.session.rollback()
        raise
    changed = [key for key, value in changes.items() if value not in (None, "") and account.config.get(key) != value]
    if changed:
        account.config = {**account.config, **{key: changes[key] for key in changed}}
    if poll_interval is not None:
        if not 10 <= poll_interval <= 7 * 86_400:
            raise SettingsError(N_("the poll interval must be between 10 seconds and a week (604800)"))
        if account.poll_interval_seconds != poll_interval:
            account.poll_interval_seconds = poll_interval
            changed.append("poll_interval_seconds")
    if changed and account.status not in ("ok", "catching_up"):
        account.status, account.status_detail, account.backoff_until = "ok", None, None
    ready, why = connector_for(account).configured()
    if not ready:
        db.session.rollback()
        raise SettingsError(N_("account %(name)s is not usable: %(reason)s", name=repr(account.name), reason=why))
    if changed:
        db.session.flush()
        # the names of what changed, never the values (they are credentials)
        record("channel_credentials_changed", by, account, {"changed": sorted(changed)})
    db.session.commit()
    return changed


def add_account(name: str, connector: str, settings: Mapping[str, Any], poll_interval: int | None = None,
                channel: str | None = None, by: "User | None" = None) -> ChannelAccount:
    if not name.strip():
        raise SettingsError(N_("the account needs a name"))
    if account_by_name(name) is not None:
        raise SettingsError(N_("an account named %(name)s already exists", name=repr(name)))
    try:
        connector_class(connector)
    except KeyError as exc:
        raise SettingsError(str(exc.args[0])) from None
    account = ChannelAccount(
        name=name.strip(),
        connector=connector,
        channel=channel or connector,
        config={},
        poll_interval_seconds=DEFAULT_POLL_INTERVALS.get(connector),
    )
    db.session.add(account)
    apply_settings(account, settings, poll_interval, by)
    return account
