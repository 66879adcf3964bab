"""The web UI: thin views over the services. Importing the view modules registers their routes."""
from __future__ import annotations

from flask import Flask

from ..notifications.alerts import browser_alerts
from . import (  # noqa: F401  (each module adds its routes to the blueprints)
    account,
    admin,
    api_tokens,
    attachments,
    audit,
    auth,
    automation,
    channels,
    contacts,
    dashboard,
    hooks,
    inbox_list,
    live,
    notifications,
    pipeline,
    privacy,
    sla_admin,
    surveys,
    views,
    voice,
    webhooks,
)
from .blueprint import auth_bp, bp, live_bp, voice_bp


def register(app: Flask) -> None:
    """Called by create_app: the web UI's blueprints."""
    for blueprint in (auth_bp, bp, voice_bp, live_bp):
        app.register_blueprint(blueprint)
    hooks.register(app)  # pushed networks' webhooks: no session, no CSRF, a signature instead
    app.jinja_env.globals["browser_alerts"] = browser_alerts
