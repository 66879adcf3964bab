"""When Redis or the database is away, pages say so (503) instead of failing with a 500."""
from __future__ import annotations

import logging
from typing import Any

from flask import Flask, render_template, request
from flask_babel import lazy_gettext
from redis.exceptions import RedisError
from sqlalchemy.exc import OperationalError

from ..extensions import db

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30


def _unavailable(what: Any, exc: Exception):  # type: ignore[no-untyped-def]

    try:
        db.session.rollback()
    except Exception:  # the connection is already gone; the next request gets a fresh one
        pass
    log.error("%s %s: %s unavailable (%s)", request.method, request.path, what, str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__)
    wants_json = request.accept_mimetypes.best == "application/json" or request.path.startswith("/api/")
    if wants_json:
        return {"error": f"{what} is unavailable; try again shortly"}, 503, {"Retry-After": str(RETRY_AFTER_SECONDS)}
    # standalone page: base.html itself reads the database (the bell)
    return render_template("unavailable.html", what=what, retry=RETRY_AFTER_SECONDS), 503, {"Retry-After": str(RETRY_AFTER_SECONDS)}


def register(app: Flask) -> None:
    @app.errorhandler(RedisError)
    def redis_down(exc: RedisError):  # type: ignore[no-untyped-def]
        return _unavailable(lazy_gettext("The job queue (Redis)"), exc)

    @app.errorhandler(OperationalError)
    def database_down(exc: OperationalError):  # type: ignore[no-untyped-def]
        return _unavailable(lazy_gettext("The database"), exc)
