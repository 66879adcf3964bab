"""The `inbox` command line."""
from __future__ import annotations

import functools
import json
import sys
from pathlib import Path
from typing import Any, Callable

import click


def with_app(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Run the command inside an application context."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from . import create_app

        app = create_app()
        with app.app_context():
            return fn(*args, **kwargs)

    return wrapper


@click.group(help="Inbox: social-media customer care. Configuration comes from the environment (see README).")
def main() -> None:
    pass


@main.command(help="Apply database migrations and seed default SLA policies.")
@with_app
def migrate() -> None:
    from .setup import upgrade_database

    upgrade_database()
    click.echo("database is up to date")


@main.command(help="Set up (migrate, first admin, demo channel) and start web, worker and poller together.")
@click.option("--port", default=None, type=int, help="Web port (default $PORT or 8000).")
@click.option("--demo/--no-demo", default=True, help="Seed the demo channel when no channel is configured.")
def run(port: int | None, demo: bool) -> None:
    from .supervisor import run_all

    sys.exit(run_all(port=port, demo=demo))


@main.command(help="Fetch new messages from every enabled channel account and queue them.")
@click.option("--once", is_flag=True, help="Poll every account once and exit.")
@with_app
def poll(once: bool) -> None:
    from .poller import poll_once, run_poller

    if not once:
        run_poller()
        return
    failed = False
    for outcome in poll_once(force=True):
        if outcome.error:
            failed = True
            click.echo(f"{outcome.account}: {outcome.error}", err=True)
        else:
            click.echo(f"{outcome.account}: queued {outcome.fetched} message(s) in {outcome.batches} batch(es)"
                       + (f", skipped {outcome.rejected} malformed" if outcome.rejected else ""))
    sys.exit(1 if failed else 0)


@main.command(help="Run an RQ worker (loads the sentiment model once).")
@click.option("--burst", is_flag=True, help="Exit when the queues are empty.")
def worker(burst: bool) -> None:
    from .workers import run_worker

    run_worker(burst=burst)


@main.command("import", help="Import a JSONL file of messages into an account through the pipeline.")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--account", "account_name", required=True, help="Channel account name.")
@click.option("--channel", type=click.Choice(["x", "mastodon", "email", "sms", "phone", "other"]),
              help="Create a JSONL account of this channel type if the account does not exist.")
@with_app
def import_file(file: Path, account_name: str, channel: str | None) -> None:
    from .importer import ImportError_, import_jsonl

    try:
        report = import_jsonl(file, account_name, channel)
    except ImportError_ as exc:
        raise click.ClickException(str(exc)) from None
    for problem in report.errors:
        click.echo(f"{file}:{problem}", err=True)
    click.echo(f"queued {report.queued} message(s) in {report.batches} batch(es) for account {account_name!r}"
               + (f"; {len(report.errors)} line(s) rejected" if report.errors else ""))
    sys.exit(1 if report.errors else 0)


@main.command(help="Classify texts from stdin: JSONL ({\"text\": ...}) or plain lines; writes one JSON object per line.")
@click.option("--batch-size", default=256, show_default=True)
def classify(batch_size: int) -> None:
    from .sentiment import ModelUnavailable, get_classifier

    try:
        classifier = get_classifier()
    except ModelUnavailable as exc:
        raise click.ClickException(str(exc)) from None
    pending: list[str] = []

    def flush() -> None:
        for sentiment in classifier.classify(pending):
            click.echo(json.dumps({"label": sentiment.label, "score": round(sentiment.score, 4), "model": sentiment.model}, ensure_ascii=False))
        pending.clear()

    for number, line in enumerate(sys.stdin, start=1):
        text = line.rstrip("\n")
        if text.lstrip().startswith("{"):
            try:
                record = json.loads(text)
            except json.JSONDecodeError:
                record = None
            if isinstance(record, dict) and isinstance(record.get("text"), str):
                text = record["text"]
            elif isinstance(record, dict):
                click.echo(f"line {number}: JSON object has no \"text\" string; classified as plain text", err=True)
        pending.append(text)
        if len(pending) >= batch_size:
            flush()
    flush()


@main.command(help="List tickets.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per ticket.")
@with_app
def tickets(as_json: bool) -> None:
    from .tickets.export import ticket_rows

    for row in ticket_rows():
        if as_json:
            click.echo(json.dumps(row, ensure_ascii=False))
        else:
            click.echo(f"#{row['id']:<6} {row['channel']:<8} {row['status']:<9} {row['priority']:<7} {row['customer_handle'] or '':<24} "
                       f"{row['message_count']:>3} msg  {row['first_sentiment'] or '-':<9} due {row['first_response_due_at'] or '-'}")


@main.command("create-user", help="Create a user and print the password (generated unless given).")
@click.argument("email")
@click.option("--name", default="")
@click.option("--role", type=click.Choice(["agent", "lead", "admin"]), default="agent", show_default=True)
@click.option("--password", default=None, help="Omit to generate one.")
@with_app
def create_user(email: str, name: str, role: str, password: str | None) -> None:
    from .auth.users import UserError, create_user as create

    try:
        user, secret = create(email, name or email.split("@")[0], role, password)
    except UserError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"created {user.role} {user.email}" + ("" if password else f" with password: {secret}"))


@main.command("seed-demo", help="Write demo data and configure the demo channel accounts.")
@click.option("--force", is_flag=True, help="Seed even if channel accounts exist.")
@with_app
def seed_demo(force: bool) -> None:
    from .setup import seed_demo_channels

    created = seed_demo_channels(force=force)
    click.echo("\n".join(f"demo account {name!r} reads {path}" for name, path in created) or "channels already configured; nothing seeded")


def _register_sentiment() -> None:
    try:
        from .sentiment.cli import sentiment_commands
    except ImportError as exc:  # keep the rest of the CLI usable and say why
        @main.command(help="Sentiment model commands (unavailable).")
        def sentiment() -> None:  # type: ignore[misc]
            raise click.ClickException(f"sentiment commands unavailable: {exc}")
        return
    main.add_command(sentiment_commands(corrections_loader=_corrections))


def _corrections() -> list[tuple[str, str]]:
    from .voice.corrections import load_corrections

    return load_corrections()


_register_sentiment()

from .channel_cli import channel  # noqa: E402  (imports `with_app` from this module)

main.add_command(channel)

from .exports.cli import export  # noqa: E402  (imports `with_app` from this module)

main.add_command(export)
