"""The `inbox` command line: one group, each concern's commands in its own module."""
from __future__ import annotations

import click

from ..config import ConfigError
from . import channels, exports, ops, roles, run, sentiment, tickets, users


class InboxGroup(click.Group):
    """Says what configuration is missing in one message instead of a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            raise click.ClickException(str(exc)) from None


@click.group(cls=InboxGroup, help="Inbox: social-media customer care. Configuration comes from the environment (see README).")
def main() -> None:
    pass


for module in (run, roles, ops, channels, tickets, users, exports, sentiment):
    for command in module.COMMANDS:
        main.add_command(command)
