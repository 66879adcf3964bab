"""The `inbox export` command group; each export adds its command here."""
from __future__ import annotations

from pathlib import Path

import click

from ..cli import with_app


@click.group(help="Write exports (CSV files).")
def export() -> None:
    pass


@export.command(help="Write a week's sentiment export: messages, day × channel summary and negative themes.")
@click.option("--week", default=None, help="ISO week like 2026-W47 (default: the previous week, workspace time zone).")
@click.option("--out", "out_dir", default=None, type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write to (default: INBOX_WEEKLY_EXPORT_DIR).")
@with_app
def weekly(week: str | None, out_dir: Path | None) -> None:
    from zoneinfo import ZoneInfo

    from flask import current_app

    from ..timeutil import utcnow
    from ..voice.export import export_week
    from ..voice.weeks import IsoWeek, previous_week

    try:
        chosen = IsoWeek.parse(week) if week else previous_week(utcnow(), ZoneInfo(current_app.config["INBOX_TIMEZONE"]))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--week") from None
    result = export_week(chosen, out_dir)
    for path in result.files:
        click.echo(str(path))
    click.echo(f"week {chosen}: {result.messages} message(s), {len(result.themes)} theme(s) in {result.seconds:.1f} s")


from ..tickets.export_cli import tickets  # noqa: E402

export.add_command(tickets)
