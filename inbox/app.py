"""The application factory: every extension, listener and blueprint is installed here, explicitly."""
from __future__ import annotations

import logging
import os
from typing import Any, Mapping

from flask import Flask
from flask_babel import lazy_gettext
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from . import automation, jobs, live, models, notifications, tickets, voice, webhooks
from .api import init_app as init_api
from .assignment.presence import init_app as init_presence
from .config import (
    MIGRATIONS_DIR,
    PROJECT_ROOT,
    ConfigError,
    deployment_problems,
    instance_path,
    load_config,
)
from .extensions import csrf, db, login_manager, migrate
from .tickets import read as ticket_reads
from .web import register as register_web
from .web.filters import register_filters
from .web.hardening import init_app as init_security
from .web.hardening import install_converters
from .web.i18n import init_app as init_i18n
from .web.outages import register as register_outage_pages

assert models  # every table is registered with the metadata


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    """Build the web/worker application. Nothing connects to Redis or the database until used."""
    app = Flask(
        __name__,
        instance_path=str(instance_path()),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.from_mapping(load_config())
    if overrides:
        app.config.from_mapping(overrides)
        if overrides.get("SECRET_KEY"):
            app.config["INBOX_SECRET_KEY_SOURCE"] = "override"
    problems = deployment_problems(app.config)
    if problems:
        raise ConfigError("Inbox cannot start:\n  - " + "\n  - ".join(problems))
    os.makedirs(app.instance_path, exist_ok=True)
    _install_proxy_fix(app)

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = lazy_gettext("Please sign in to continue.")

    _configure_sqlite(app)
    # The one set of session hooks (SLA writer in the flush, signals after the commit), then everything that
    # listens to the signals, each package installing its own receivers. Web, worker and CLI all build this.
    tickets.install(app)
    ticket_reads.install(app)  # search documents, tab counts
    live.install(app)  # committed changes published to open pages
    notifications.install(app)  # assigned to you, at risk, breached
    voice.install(app)  # the survey after a resolution
    jobs.install(app)  # a queued reply's delivery job
    webhooks.install(app)
    automation.install(app)  # rules and automatic assignment for arriving messages

    install_converters(app)  # before the blueprints: their <int:…> routes take ids of ours only
    init_security(app)
    register_web(app)
    init_api(app)
    init_presence(app)
    init_i18n(app)
    register_filters(app)
    register_outage_pages(app)
    if not app.debug and not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return app


def _install_proxy_fix(app: Flask) -> None:
    """Behind a reverse proxy, trust its X-Forwarded-* headers (client address for sign-in limits and
    the audit log, https for secure cookies) for exactly as many proxies as configured, no more."""
    trusted = {arg: count for arg, count in app.config["INBOX_PROXY_FIX"].items() if count > 0}
    if not trusted:
        return
    app.wsgi_app = ProxyFix(app.wsgi_app, **{arg: trusted.get(arg, 0) for arg in app.config["INBOX_PROXY_FIX"]})  # type: ignore[method-assign]


def _configure_sqlite(app: Flask) -> None:
    """WAL lets the web, worker and poller processes share one SQLite file."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    def on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    with app.app_context():
        engine: Engine = db.engine
        event.listen(engine, "connect", on_connect)
