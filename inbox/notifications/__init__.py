"""In-app notifications: the bell's rows, who gets which, and telling their open pages."""
from __future__ import annotations

from flask import Flask

from . import listeners


def install(app: Flask) -> None:
    """Called by create_app: notifications follow assignments and SLA sweeps."""
    listeners.install()
