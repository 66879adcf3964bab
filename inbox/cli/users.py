"""`inbox create-user`."""
from __future__ import annotations

import click

from .app import with_app


@click.command("create-user", help="Create a user and print the password (generated unless given).")
@click.argument("email")
@click.option("--name", default="")
@click.option("--role", type=click.Choice(["agent", "lead", "admin"]), default="agent", show_default=True)
@click.option("--password", default=None, help="Omit to generate one.")
@with_app
def create_user(email: str, name: str, role: str, password: str | None) -> None:
    from ..auth.users import UserError, create_user as create

    try:
        user, secret = create(email, name or email.split("@")[0], role, password)
    except UserError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"created {user.role} {user.email}" + ("" if password else f" with password: {secret}"))


COMMANDS = (create_user,)
