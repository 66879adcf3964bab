"""Sessions that end when they should.

Each user has a session version. The id Flask-Login keeps in the session cookie and in the remember
cookie is "<user id>:<version>", so raising the version (sign-out, password change, deactivation)
turns every session and remember cookie of that user, on every device, into a stranger's on its
next request. Open live streams hear of it on a Redis channel and close at once.
"""
from __future__ import annotations

import logging

from flask import current_app, has_app_context
from sqlalchemy import select

from ..extensions import db
from ..redis_client import pubsub_channel
from ..security.params import MAX_ID
from .models import User

log = logging.getLogger(__name__)

SESSIONS_ENDED_CHANNEL = "inbox:sessions-ended"


def session_token(user_id: int, version: int) -> str:
    return f"{user_id}:{version}"


def parse_session_token(raw: str) -> tuple[int, int] | None:
    """(user id, version) from a cookie value, or None for anything else (an old plain id included)."""
    user_id, sep, version = raw.partition(":")
    if not sep or not (user_id.isascii() and user_id.isdigit() and version.isascii() and version.isdigit()):
        return None
    if len(user_id) > 10 or len(version) > 10:
        return None
    return int(user_id), int(version)


def load_session_user(raw: str) -> User | None:
    """The signed-in user for a session or remember-cookie id, if that session is still valid."""
    parsed = parse_session_token(raw)
    if parsed is None:
        return None
    user_id, version = parsed
    if not 0 < user_id <= MAX_ID:
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.active or user.session_version != version:
        return None
    return user


def session_still_valid(user: User) -> bool:
    """Re-read from the database: whether the version this request signed in with is still current."""
    version = db.session.scalar(select(User.session_version).where(User.id == user.id, User.active.is_(True)))
    return version is not None and version == user.session_version


def end_sessions(user: User) -> None:
    """Invalidate every session of `user` in the caller's transaction; the caller commits, then calls
    `announce_sessions_ended` so open live streams stop."""
    user.session_version = (user.session_version or 0) + 1


def announce_sessions_ended(user_id: int) -> None:
    """Tell open live streams (inbox.live) of this user to close; best effort, the version check
    on the stream's next reconnect catches a lost message."""
    if not has_app_context():
        return
    live = current_app.extensions.get("inbox_live")
    if live is None:
        return
    try:
        live.redis.publish(pubsub_channel(live.redis, SESSIONS_ENDED_CHANNEL), str(user_id))
    except Exception as exc:  # committed is committed; the next request is refused anyway
        log.warning("could not announce the end of user %s's sessions: %s", user_id, exc)


def end_sessions_now(user: User) -> None:
    """Invalidate and commit (sign-out everywhere), then announce."""
    end_sessions(user)
    db.session.commit()
    announce_sessions_ended(user.id)
