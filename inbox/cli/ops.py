"""Operating an installation: migrate, doctor, reindex, seed-demo."""
from __future__ import annotations

import sys

import click

from ..extensions import db
from ..health import run_checks
from ..setup import seed_demo_channels, upgrade_database
from ..tickets.read.search_index import rebuild_all
from .app import with_app


@click.command(help="Apply database migrations and seed default SLA policies.")
@with_app(check_schema=False)
def migrate() -> None:
    upgrade_database()
    click.echo("database is up to date")


@click.command(help="Check the database, Redis (persistence included), workers, failed jobs and channel accounts.")
@with_app(check_schema=False)
def doctor() -> None:
    report = run_checks()
    for check in report.checks:
        click.echo(f"{check.symbol} {check.name:<22} {check.detail}")
    if report.errors:
        click.echo(f"\n{report.errors} problem(s) need attention", err=True)
    sys.exit(1 if report.errors else 0)


@click.command(help="Rebuild the open tickets' search documents from the tickets and messages (after a restore, or rows "
                    "written around Inbox by SQL or another tool). Searches go on meanwhile on the old documents.")
@with_app
def reindex() -> None:
    with db.engine.begin() as connection:  # one transaction: readers see the old documents until it commits
        count = rebuild_all(connection)
    click.echo(f"search documents rebuilt for {count} open ticket(s)")


@click.command("seed-demo", help="Write demo data and configure the demo channel accounts.")
@click.option("--force", is_flag=True, help="Seed even if channel accounts exist.")
@with_app
def seed_demo(force: bool) -> None:
    created = seed_demo_channels(force=force)
    click.echo("\n".join(f"demo account {name!r} reads {path}" for name, path in created) or "channels already configured; nothing seeded")


COMMANDS = (migrate, doctor, reindex, seed_demo)
