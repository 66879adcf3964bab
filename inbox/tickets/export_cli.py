"""`inbox export tickets`: SLA exports for any date range, the same files the dashboard offers."""
from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from ..cli import with_app


@click.command("tickets", help="One row per ticket opened in the range (or, with --summary, one row per day).")
@click.option("--from", "start", required=True, type=click.DateTime(["%Y-%m-%d"]), help="First day, in the workspace time zone.")
@click.option("--to", "end", required=True, type=click.DateTime(["%Y-%m-%d"]), help="Last day (inclusive).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write here instead of standard output.")
@click.option("--summary", is_flag=True, help="Day-by-day summary instead of one row per ticket.")
@with_app
def tickets(start: datetime, end: datetime, out: Path | None, summary: bool) -> None:
    from flask import current_app

    from .csv_export import day_range, summary_csv, ticket_csv
    from ..timeutil import utcnow

    if end < start:
        raise click.BadParameter("--to is before --from")
    zone = ZoneInfo(current_app.config["INBOX_TIMEZONE"])
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
