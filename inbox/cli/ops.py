"""Operating an installation: migrate, doctor, seed-demo."""
from __future__ import annotations

import sys

import click

from .app import with_app


@click.command(help="Apply database migrations and seed default SLA policies.")
@with_app(check_schema=False)
def migrate() -> None:
    from ..setup import upgrade_database

    upgrade_database()
    click.echo("database is up to date")


@click.command(help="Check the database, Redis (persistence included), workers, failed jobs and channel accounts.")
@with_app(check_schema=False)
def doctor() -> None:
    from ..health import run_checks

    report = run_checks()
    for check in report.checks:
        click.echo(f"{check.symbol} {check.name:<22} {check.detail}")
    if report.errors:
        click.echo(f"\n{report.errors} problem(s) need attention", err=True)
    sys.exit(1 if report.errors else 0)


@click.command("seed-demo", help="Write demo data and configure the demo channel accounts.")
@click.option("--force", is_flag=True, help="Seed even if channel accounts exist.")
@with_app
def seed_demo(force: bool) -> None:
    from ..setup import seed_demo_channels

    created = seed_demo_channels(force=force)
    click.echo("\n".join(f"demo account {name!r} reads {path}" for name, path in created) or "channels already configured; nothing seeded")


COMMANDS = (migrate, doctor, seed_demo)
