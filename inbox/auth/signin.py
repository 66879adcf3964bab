"""Signing in: throttled, audited, and as slow for an unknown address as for a known one."""
from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

from redis.exceptions import RedisError
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from ..audit import record
from ..extensions import db
from .models import User
from .sessions import end_sessions_now
from .throttle import Refusal, throttle

log = logging.getLogger(__name__)

_dummy_hash: str | None = None


def _dummy() -> str:
    """A hash of nothing anyone knows, made like real ones, so checking it costs what checking theirs does."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = generate_password_hash(secrets.token_urlsafe(16))
    return _dummy_hash


@dataclass(frozen=True)
class SignIn:
    user: User | None = None
    refused: Refusal | None = None


def find_user(email: str) -> User | None:
    # NUL never occurs in a stored address, and PostgreSQL refuses it even in a query
    if "\x00" in email:
        return None
    return db.session.scalar(select(User).where(func.lower(User.email) == email))


def sign_in(email: str, password: str, address: str) -> SignIn:
    """The user when the password is right and nothing throttles this account or address."""
    email = email.strip().lower()[:255]
    limiter = throttle()
    try:
        refused = limiter.refusal(email, address)
    except RedisError as exc:  # a Redis outage must not lock everyone out; it is logged loudly
        log.error("sign-in throttle unavailable, not applied: %s", exc)
        refused = None
    if refused is not None:
        record("sign_in_throttled", email, None, {"scope": refused.scope, "retry_after": refused.retry_after})
        db.session.commit()
        return SignIn(refused=refused)
    user = find_user(email)
    # always one hash check: an unknown or deactivated account answers as slowly as a known one
    matches = check_password_hash(user.password_hash if user is not None else _dummy(), password)
    if user is not None and user.active and matches:
        _safe(limiter.succeeded, email)
        record("sign_in", user, user)
        db.session.commit()
        return SignIn(user=user)
    _safe(limiter.failed, email, address)
    record("sign_in_failed", user if user is not None else email, None,
           {"reason": "deactivated" if user is not None and not user.active and matches else "wrong email or password"})
    db.session.commit()
    return SignIn()


def sign_out_everywhere(user: User) -> None:
    """Signing out ends every session and remember cookie of the user, on every device."""
    record("sign_out", user, user)
    end_sessions_now(user)


def _safe(call, *args: str) -> None:  # type: ignore[no-untyped-def]
    try:
        call(*args)
    except RedisError as exc:
        log.error("sign-in throttle unavailable, not counted: %s", exc)
