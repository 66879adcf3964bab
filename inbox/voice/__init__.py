"""The customer's voice: the weekly sentiment export, recurring themes, the trend page and surveys."""
from __future__ import annotations

from flask import Flask

from .surveys import listeners as survey_listeners


def install(app: Flask) -> None:
    """Called by create_app: surveys follow resolutions."""
    survey_listeners.install()
