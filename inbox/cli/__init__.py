"""The `inbox` command line: one group, each concern's commands in its own module."""
from __future__ import annotations

import click

from . import channels, exports, ops, run, sentiment, tickets, users


@click.group(help="Inbox: social-media customer care. Configuration comes from the environment (see README).")
def main() -> None:
    pass


for module in (run, ops, channels, tickets, users, exports, sentiment):
    for command in module.COMMANDS:
        main.add_command(command)
