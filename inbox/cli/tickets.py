"""`inbox tickets`: the tickets as text or JSON lines."""
from __future__ import annotations

import json

import click

from ..tickets.read.export import ticket_rows
from .app import with_app


@click.command(help="List tickets.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per ticket.")
@with_app
def tickets(as_json: bool) -> None:
    for row in ticket_rows():
        if as_json:
            click.echo(json.dumps(row, ensure_ascii=False))
        else:
            click.echo(f"#{row['id']:<6} {row['channel']:<8} {row['status']:<9} {row['priority']:<7} {row['customer_handle'] or '':<24} "
                       f"{row['message_count']:>3} msg  {row['first_sentiment'] or '-':<9} due {row['first_response_due_at'] or '-'}")


COMMANDS = (tickets,)
