"""Channel accounts on the command line: `inbox channel add|update|list`, `inbox poll`, `inbox import`.
Secrets are never echoed back in full."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Callable

import click
from redis.exceptions import RedisError
from sqlalchemy import select

from ..channels.importer import ImportError_, import_jsonl
from ..channels.mail_import import DEFAULT_ACCOUNT, import_mailbox
from ..channels.models import ChannelAccount, account_by_name
from ..channels.poller import QueueUnavailable, poll_once, run_poller
from ..channels.settings import (
    SettingsError,
    add_account,
    apply_settings,
    masked_config,
)
from ..connectors.base import connector_class
from ..connectors.email.mailbox import is_mailbox
from ..connectors.fields import fields_for
from ..extensions import db
from ..leader import Leadership
from ..links import external_url
from ..redis_client import get_redis
from .app import with_app

X_OPTIONS = (
    ("bearer_token", "App bearer token (reads mentions)."),
    ("consumer_key", "API key (OAuth 1.0a consumer key)."),
    ("consumer_secret", "API key secret."),
    ("access_token", "Access token of the brand's account (DMs, posting)."),
    ("access_token_secret", "Access token secret."),
)


def x_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """One option per credential; each may also come from INBOX_X_<NAME> to keep it out of shell history."""
    for key, help_text in reversed(X_OPTIONS):
        fn = click.option(f"--{key.replace('_', '-')}", key, envvar=f"INBOX_X_{key.upper()}", default=None, help=help_text)(fn)
    fn = click.option("--user-id", "user_id", default=None, help="The brand's X user id (looked up with get_me when omitted).")(fn)
    fn = click.option("--username", default=None, help="The brand's X handle without @ (for permalinks).")(fn)
    fn = click.option("--poll-interval", "poll_interval", type=int, default=None, help="Seconds between polls (see inbox/connectors/x/README.md).")(fn)
    fn = click.option("--dms/--no-dms", default=None, help="Poll direct messages (needs the user-context keys).")(fn)
    return fn


def _start_from_now(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--start-from-now", is_flag=True,
                        help="Import no earlier mentions or DMs (default: read the whole history, 25 pages a poll).")(fn)


def _settings(options: dict[str, Any]) -> dict[str, Any]:
    settings = {key: options.get(key) for key, _ in X_OPTIONS}
    settings.update(user_id=options.get("user_id"), username=(options.get("username") or "").lstrip("@") or None)
    if options.get("dms") is not None:
        settings["dms"] = options["dms"]
    return settings


def describe(account: Any) -> dict[str, Any]:
    return {
        "name": account.name,
        "connector": account.connector,
        "channel": account.channel,
        "enabled": account.enabled,
        "status": account.status,
        "status_detail": account.status_detail,
        "poll_interval_seconds": account.poll_interval_seconds,
        "backoff_until": account.backoff_until.isoformat() if account.backoff_until else None,
        "last_polled_at": account.last_polled_at.isoformat() if account.last_polled_at else None,
        "config": masked_config(account.config),
    }


@click.group(help="Channel accounts: connect networks and check their state.")
def channel() -> None:
    pass


@channel.group(help="Add a channel account.")
def add() -> None:
    pass


@add.command("x", help="Add an X (Twitter) account.")
@click.option("--name", required=True, help="A name for this account in Inbox.")
@x_options
@_start_from_now
@with_app
def add_x(name: str, poll_interval: int | None, start_from_now: bool, **options: Any) -> None:
    try:
        account = add_account(name, "x", {**_settings(options), "start_from_now": start_from_now}, poll_interval)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"added X account {account.name!r}")
    click.echo(json.dumps(describe(account), ensure_ascii=False, indent=2))


def _field_options(kind: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """One option per field of the connector's settings form; secrets may come from INBOX_<KIND>_<FIELD>."""
    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        for field in reversed(fields_for(kind)):
            flag = f"--{field.key.replace('_', '-')}"
            if field.kind == "checkbox":
                fn = click.option(f"{flag}/--no-{field.key.replace('_', '-')}", field.key, default=None, help=field.label)(fn)
            else:
                fn = click.option(flag, field.key, type=int if field.kind == "number" else str, default=None,
                                  envvar=f"INBOX_{kind.upper()}_{field.key.upper()}" if field.kind == "secret" else None,
                                  help=field.label + (f" (or INBOX_{kind.upper()}_{field.key.upper()})" if field.kind == "secret" else ""))(fn)
        return click.option("--poll-interval", "poll_interval", type=int, default=None, help="Seconds between polls.")(fn)

    return decorate


def _add_command(kind: str, title: str) -> None:
    @add.command(kind, help=f"Add a {title} account (see inbox/connectors/{kind}/README.md).")
    @click.option("--name", required=True, help="A name for this account in Inbox.")
    @_field_options(kind)
    @with_app
    def add_kind(name: str, poll_interval: int | None, **options: Any) -> None:
        try:
            account = add_account(name, kind, {k: v for k, v in options.items() if v is not None}, poll_interval)
        except SettingsError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"added {title} account {account.name!r}")
        click.echo(json.dumps(describe(account), ensure_ascii=False, indent=2))
        if connector_class(kind).pushed:
            url = external_url(f"hooks.{kind}_webhook", account_id=account.id)
            click.echo(f"webhook URL to paste in the {title} console: {url}" if url else
                       "set INBOX_PUBLIC_URL to the address the network reaches Inbox at, then see the account page for the webhook URL")


for _kind, _title in (("email", "email (IMAP/SMTP)"), ("mastodon", "Mastodon"), ("bluesky", "Bluesky"), ("line", "LINE")):
    _add_command(_kind, _title)


@channel.command("set", help="Change settings of any account: --set KEY=VALUE (repeatable); clears 'needs attention'.")
@click.argument("name")
@click.option("--set", "pairs", multiple=True, metavar="KEY=VALUE", help="A setting (see the account's docs page).")
@with_app
def set_settings(name: str, pairs: tuple[str, ...]) -> None:
    account = account_by_name(name)
    if account is None:
        raise click.ClickException(f"no account named {name!r}")
    changes: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise click.UsageError(f"{pair!r} is not KEY=VALUE")
        changes[key.strip()] = {"true": True, "false": False}.get(value.strip().lower(), value.strip())
    try:
        changed = apply_settings(account, changes)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"updated {name!r}: {', '.join(changed) or 'nothing changed'}; status {account.status}")


@channel.command("update", help="Change an X account's credentials or settings; clears 'needs attention'.")
@click.argument("name")
@x_options
@with_app
def update(name: str, poll_interval: int | None, **options: Any) -> None:
    account = account_by_name(name)
    if account is None:
        raise click.ClickException(f"no account named {name!r}")
    try:
        changed = apply_settings(account, _settings(options), poll_interval)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"updated {name!r}: {', '.join(changed) or 'nothing changed'}; status {account.status}")


@channel.command("list", help="List channel accounts with their state (credentials masked).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per account.")
@with_app
def list_accounts(as_json: bool) -> None:
    for account in db.session.scalars(select(ChannelAccount).order_by(ChannelAccount.id)):
        row = describe(account)
        if as_json:
            click.echo(json.dumps(row, ensure_ascii=False))
            continue
        settings = " ".join(f"{k}={v}" for k, v in row["config"].items())
        detail = f" ({row['status_detail']})" if row["status_detail"] else ""
        click.echo(f"{row['name']:<24} {row['connector']:<6} {row['status']}{detail}  every {row['poll_interval_seconds'] or 'default'} s  {settings}")


@click.command(help="Fetch new messages from every enabled channel account and queue them.")
@click.option("--once", is_flag=True, help="Poll every account once and exit.")
@with_app
def poll(once: bool) -> None:
    if not once:
        run_poller()
        return
    # a one-off poll takes the poller's lease like any poller: two at once would race on the cursors
    lease = Leadership(get_redis(), "poller")
    try:
        if not lease.check():
            holder = lease.current_holder()
            raise click.ClickException(f"another poller is active ({holder}): it polls every account already"
                                       if holder else "Redis is unavailable; nothing was polled")
        outcomes = poll_once(force=True)
    except QueueUnavailable as exc:
        raise click.ClickException(f"{exc}; no cursor was moved, nothing is lost — poll again when Redis is back") from None
    except RedisError as exc:
        raise click.ClickException(f"Redis is unavailable ({exc}); nothing was polled") from None
    finally:
        lease.stop()
    failed = False
    for outcome in outcomes:
        if outcome.error:
            failed = True
            click.echo(f"{outcome.account}: {outcome.error}", err=True)
        else:
            click.echo(f"{outcome.account}: queued {outcome.fetched} message(s) in {outcome.batches} batch(es)"
                       + (f", set aside {outcome.rejected} malformed" if outcome.rejected else "")
                       + (f" ({outcome.catching_up})" if outcome.catching_up else ""))
    sys.exit(1 if failed else 0)


@click.command("import", help="Import a JSONL file, or a mailbox (mbox file or Maildir folder, with --channel email), "
                               "into an account through the pipeline.")
@click.argument("file", type=click.Path(exists=False, path_type=Path))
@click.option("--account", "account_name", default=None, help="Channel account name (a mailbox import defaults to 'Imported email').")
@click.option("--channel", type=click.Choice(["x", "mastodon", "bluesky", "line", "email", "sms", "phone", "other"]),
              help="Create a JSONL account of this channel type if the account does not exist; "
                   "with an mbox file or Maildir folder, 'email' imports it as email.")
@with_app
def import_file(file: Path, account_name: str | None, channel: str | None) -> None:
    if channel == "email" and is_mailbox(file):
        _import_mailbox(file, account_name)
        return
    if account_name is None:
        raise click.UsageError("--account is required for a JSONL file")
    if not file.is_file():
        raise click.ClickException(f"{file}: no such file")
    try:
        report = import_jsonl(file, account_name, channel)
    except ImportError_ as exc:
        raise click.ClickException(str(exc)) from None
    for problem in report.errors:
        click.echo(f"{file}:{problem}", err=True)
    click.echo(f"queued {report.queued} message(s) in {report.batches} batch(es) for account {account_name!r}"
               + (f"; {len(report.errors)} line(s) rejected" if report.errors else ""))
    if not report.complete:
        click.echo(f"NOT queued: line {report.stopped_at_line} and everything after it — {report.stopped_because}. "
                   f"Run the same command again when Redis is back; lines already imported are skipped.", err=True)
        sys.exit(2)
    sys.exit(1 if report.errors else 0)


def _import_mailbox(path: Path, account_name: str | None) -> None:
    try:
        report = import_mailbox(path, account_name)
    except ImportError_ as exc:
        raise click.ClickException(str(exc)) from None
    for problem in report.errors:
        click.echo(f"set aside {problem}", err=True)
    click.echo(f"queued {report.queued} email(s) in {report.batches} batch(es) for account {account_name or DEFAULT_ACCOUNT!r}"
               + (f"; {len(report.errors)} set aside (bounces, auto-replies, unreadable)" if report.errors else ""))
    if not report.complete:
        click.echo(f"NOT queued: message {report.stopped_at_line} and everything after it — {report.stopped_because}. "
                   f"Run the same command again when Redis is back; emails already imported are skipped.", err=True)
        sys.exit(2)
    # set-aside auto-replies and bounces are expected in a real mailbox: not a failure


COMMANDS = (channel, poll, import_file)
