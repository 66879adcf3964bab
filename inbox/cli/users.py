"""`inbox create-user`."""
from __future__ import annotations

import click
from sqlalchemy import func, select

from ..auth.models import User
from ..auth.passwords import PasswordProblem, set_password_from_cli
from ..auth.users import UserError
from ..auth.users import create_user as create
from ..extensions import db
from .app import with_app


@click.command("create-user", help="Create a user and print the password (generated unless given).")
@click.argument("email")
@click.option("--name", default="")
@click.option("--role", type=click.Choice(["agent", "lead", "admin"]), default="agent", show_default=True)
@click.option("--password", default=None, help="Omit to generate one.")
@with_app
def create_user(email: str, name: str, role: str, password: str | None) -> None:
    try:
        user, secret = create(email, name or email.split("@")[0], role, password)
    except UserError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"created {user.role} {user.email}" + ("" if password else f" with password: {secret}"))



@click.group("users", help="Manage users.")
def users() -> None:
    pass


@users.command("set-password", help="Set a user's password: the one given (--password or prompted), or a generated "
                                    "one-time password they change at their next sign-in. Ends all their sessions.")
@click.argument("email")
@click.option("--password", default=None, help="Omit with --generate to make a one-time password.")
@click.option("--generate", is_flag=True, help="Generate a one-time password and print it once.")
@with_app
def set_password(email: str, password: str | None, generate: bool) -> None:
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None:
        raise click.ClickException(f"no user with email {email}")
    if not generate and password is None:
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    try:
        chosen = set_password_from_cli(user, None if generate else password)
    except PasswordProblem as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"password of {user.email} set; every session of theirs ended"
               + (f"; one-time password (changed at next sign-in): {chosen}" if generate else ""))


COMMANDS = (create_user, users)
