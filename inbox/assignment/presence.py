"""Who is signed in and working: each signed-in request marks the user seen (at most once a minute);
signing out clears it. Automatic assignment only picks agents seen within INBOX_ASSIGN_ONLINE_MINUTES.

Written in a session of its own, so a page's unfinished transaction is never committed by it."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import Flask, Response
from flask_login import current_user, user_logged_out
from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value

from ..auth.models import User
from ..extensions import db
from ..timeutil import utcnow

log = logging.getLogger(__name__)

TOUCH_EVERY = timedelta(minutes=1)


def _write(user: User, value: datetime | None) -> None:
    """A best-effort mark that never makes a page wait on a lock held elsewhere (a quarter second at most)."""
    with db.engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        try:
            if sqlite:
                conn.exec_driver_sql("PRAGMA busy_timeout=250")
            else:
                conn.exec_driver_sql("SET LOCAL lock_timeout = '250ms'")
            conn.execute(update(User).where(User.id == user.id).values(last_seen_at=value))
            conn.commit()
        finally:
            if sqlite:
                conn.exec_driver_sql("PRAGMA busy_timeout=30000")
    set_committed_value(user, "last_seen_at", value)


def _seen(response: Response) -> Response:
    try:
        user = current_user._get_current_object()
        if user is None or not user.is_authenticated:
            return response
        now = utcnow()
        if user.last_seen_at is None or now - user.last_seen_at >= TOUCH_EVERY:
            _write(user, now)
    except Exception as exc:  # noqa: BLE001  the database is away: the page (or outage page) still answers
        log.debug("last seen not recorded: %s", exc)
    return response


def _signed_out(_app: Flask, user: User | None = None, **_: object) -> None:
    if user is not None and getattr(user, "id", None):
        _write(user, None)


def init_app(app: Flask) -> None:
    app.after_request(_seen)
    user_logged_out.connect(_signed_out, app)
