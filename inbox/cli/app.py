"""What every command that touches the database shares: an application context, and a clear word
instead of a traceback when the database is unreachable or was never migrated."""
from __future__ import annotations

import functools
from typing import Any, Callable

import click

from ..app import create_app
from ..health import schema_problem


def with_app(fn: Callable[..., Any] | None = None, *, check_schema: bool = True) -> Callable[..., Any]:
    """Run the command inside an application context (and, unless told otherwise, on a migrated database)."""

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(command)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            app = create_app()
            with app.app_context():
                if check_schema:
                    problem = schema_problem()
                    if problem:
                        raise click.ClickException(problem)
                return command(*args, **kwargs)

        return wrapper

    return decorate(fn) if fn is not None else decorate
