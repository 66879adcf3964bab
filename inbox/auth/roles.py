"""Server-side role checks: agent < lead < admin."""
from __future__ import annotations

import functools
from typing import Any, Callable

from flask import abort
from flask_login import current_user, login_required


def role_required(role: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Signed in, and at least `role`; otherwise 403 (or the login page when signed out)."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.has_role(role):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
