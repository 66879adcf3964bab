"""Inbox: a social-media customer-care inbox. `inbox.app.create_app` builds the application."""
from __future__ import annotations

from typing import Any

from .config import MIGRATIONS_DIR

__all__ = ["MIGRATIONS_DIR", "create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        # `from inbox import create_app` (scripts of earlier releases), without every module of the
        # deferred: application being imported whenever any one of them is
        from .app import create_app

        return create_app
    raise AttributeError(name)
