"""Signing in: throttled, audited, and as slow for an unknown address as for a known one."""
from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from redis.exceptions import RedisError
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from ..audit import record
from ..audit.models import AuditEntry
from ..extensions import db
from ..timeutil import utcnow
from .models import User
from .sessions import end_sessions_now
from .throttle import Refusal, throttle

log = logging.getLogger(__name__)

_dummy_hash: str | None = None
# refused attempts are counted on one audit line per throttled account (or address) and window: a
# line each would let anyone grow the audit table without limit by retrying a locked account
REFUSALS_WINDOW = timedelta(minutes=15)


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
        _record_refusal(email, address, refused)
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


def _record_refusal(email: str, address: str, refused: Refusal) -> None:
    """Count this refusal on the window's audit line of what is throttled (the account, or the
    address whatever account it types), starting a line when there is none."""
    throttled = email if refused.scope == "account" else (address or "-")
    key = f"{refused.scope}:" + hashlib.sha256(throttled.encode("utf-8", "surrogatepass")).hexdigest()[:40]
    now = utcnow()
    line = db.session.scalar(select(AuditEntry).where(
        AuditEntry.action == "sign_in_throttled", AuditEntry.target_type == "sign_in_scope", AuditEntry.target_id == key,
        AuditEntry.at >= now - REFUSALS_WINDOW).order_by(AuditEntry.id.desc()).limit(1).with_for_update())
    if line is None:
        record("sign_in_throttled", email, ("sign_in_scope", key, refused.scope),
               {"scope": refused.scope, "retry_after": refused.retry_after, "count": 1, "last_at": now.isoformat()})
        return
    details = dict(line.details or {})
    details.update(count=int(details.get("count", 1)) + 1, retry_after=refused.retry_after, last_at=now.isoformat())
    line.details = details


def sign_out_everywhere(user: User) -> None:
    """Signing out ends every session and remember cookie of the user, on every device."""
    record("sign_out", user, user)
    end_sessions_now(user)


def _safe(call, *args: str) -> None:  # type: ignore[no-untyped-def]
    try:
        call(*args)
    except RedisError as exc:
        log.error("sign-in throttle unavailable, not counted: %s", exc)
