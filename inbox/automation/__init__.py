"""Automation rules: a pure evaluation (rules.py), the service that applies what fires, admin pages."""
from __future__ import annotations

from flask import Flask

from . import listeners


def install(app: Flask) -> None:
    """Called by create_app: arriving messages and SLA changes queue the rules (and automatic assignment)."""
    listeners.install()
