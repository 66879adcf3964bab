"""`inbox export weekly|tickets`: the CSV exports, for any week or date range."""
from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click

from ..config import workspace_zone
from ..tickets.reports.csv_export import day_range, summary_csv, ticket_csv
from ..timeutil import utcnow
from ..voice.export import export_week
from ..voice.weeks import IsoWeek, previous_week
from .app import with_app


@click.group(help="Write exports (CSV files).")
def export() -> None:
    pass


@export.command(help="Write a week's sentiment export (messages, day × channel summary, negative themes) to the "
                     "database, where the Exports page serves it; with --out, also to a folder.")
@click.option("--week", default=None, help="ISO week like 2026-W47 (default: the previous week, workspace time zone).")
@click.option("--out", "out_dir", default=None, type=click.Path(file_okay=False, path_type=Path),
              help="Also write the files to this folder.")
@with_app
def weekly(week: str | None, out_dir: Path | None) -> None:
    try:
        chosen = IsoWeek.parse(week) if week else previous_week(utcnow(), workspace_zone())
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--week") from None
    result = export_week(chosen, out_dir)
    for path in result.files:
        click.echo(str(path))
    click.echo(f"week {chosen}: {result.messages} message(s), {len(result.themes)} theme(s) in {result.seconds:.1f} s")


@export.command("tickets", help="One row per ticket opened in the range (or, with --summary, one row per day).")
@click.option("--from", "start", required=True, type=click.DateTime(["%Y-%m-%d"]), help="First day, in the workspace time zone.")
@click.option("--to", "end", required=True, type=click.DateTime(["%Y-%m-%d"]), help="Last day (inclusive).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write here instead of standard output.")
@click.option("--summary", is_flag=True, help="Day-by-day summary instead of one row per ticket.")
@with_app
def tickets(start: datetime, end: datetime, out: Path | None, summary: bool) -> None:
    if end < start:
        raise click.BadParameter("--to is before --from")
    zone = workspace_zone()
    lo, hi = day_range(start.date(), end.date(), zone)
    lines = (summary_csv if summary else ticket_csv)(lo, hi, zone, utcnow())
    if out is None:
        for line in lines:
            sys.stdout.write(line)
        return
    with open(out, "w", encoding="utf-8", newline="") as fh:
        count = -1
        for count, line in enumerate(lines):
            fh.write(line)
    click.echo(f"wrote {max(count, 0)} row(s) to {out}", err=True)


COMMANDS = (export,)
