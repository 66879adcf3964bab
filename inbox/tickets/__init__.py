"""The domain's ground floor: tickets, their messages and history, the rules (status, placement,
priority), the SLA engine, the workspace's services, the read side and reports. Nothing here imports
from a floor above; what happens elsewhere after a change is a signal (tickets.signals)."""
from __future__ import annotations

from flask import Flask

from . import hooks


def install(app: Flask) -> None:
    """Called by create_app: the one set of session hooks (SLA writer, change tracking, signals)."""
    hooks.install()
