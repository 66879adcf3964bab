"""Outgoing webhooks: subscriptions per event type, signed deliveries retried by RQ, the delivery log."""
from __future__ import annotations

from flask import Flask

from . import dispatch


def install(app: Flask) -> None:
    """Called by create_app: committed ticket events become deliveries."""
    dispatch.install()
