"""Passwords a person chooses, and the ways an admin helps someone who lost theirs.

A generated password (the first admin, a user an admin added, a one-time password) must be changed at
the next sign-in. A reset link is signed with SECRET_KEY, expires, and works once: it names the
password it replaces (a hash of its hash), so setting any new password makes every earlier link void.
Every change ends all sessions of that user (inbox.security.sessions).
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ..audit import record
from ..extensions import db
from ..security.params import MAX_ID
from .models import User
from .sessions import announce_sessions_ended, end_sessions
from .users import MIN_PASSWORD_CHARS

RESET_SALT = "inbox-password-reset"
RESET_LINK_HOURS = 24
MAX_PASSWORD_CHARS = 1024


@dataclass
class PasswordProblem(ValueError):
    """What is wrong, and which form field it belongs to."""

    field: str
    message: str

    def __str__(self) -> str:
        return self.message


def check_new_password(password: str, confirm: str, user: User) -> None:
    if len(password) < MIN_PASSWORD_CHARS:
        raise PasswordProblem("new_password", f"at least {MIN_PASSWORD_CHARS} characters")
    if len(password) > MAX_PASSWORD_CHARS:
        raise PasswordProblem("new_password", f"at most {MAX_PASSWORD_CHARS} characters")
    if password.strip().casefold() in {user.email.casefold(), user.name.casefold()}:
        raise PasswordProblem("new_password", "not your email address or name")
    if user.check_password(password):
        raise PasswordProblem("new_password", "not the password you have now")
    if password != confirm:
        raise PasswordProblem("confirm_password", "the two new passwords differ")


def _set(user: User, password: str, *, by: User | None, must_change: bool, action: str) -> None:
    user.set_password(password)
    user.must_change_password = must_change
    end_sessions(user)
    record(action, by, user)
    db.session.commit()
    announce_sessions_ended(user.id)


def change_own_password(user: User, current: str, new: str, confirm: str) -> None:
    """The signed-in user's own change: the current password proves it is them. Ends every session,
    this one included (the view signs them in again)."""
    if not current or not user.check_password(current[:MAX_PASSWORD_CHARS]):
        raise PasswordProblem("current_password", "this is not your current password")
    check_new_password(new, confirm, user)
    _set(user, new, by=user, must_change=False, action="password_changed")


def set_one_time_password(user: User, by: User) -> str:
    """An admin gives `user` a generated password, shown once; it must be changed at the next sign-in."""
    password = secrets.token_urlsafe(12)
    _set(user, password, by=by, must_change=True, action="password_set_by_admin")
    return password


def set_password_from_cli(user: User, password: str | None) -> str:
    """`inbox users set-password`: the given password, or a generated one to change at the next sign-in."""
    chosen = password or secrets.token_urlsafe(12)
    if password is not None:
        if len(password) < MIN_PASSWORD_CHARS:
            raise PasswordProblem("password", f"password must have at least {MIN_PASSWORD_CHARS} characters")
        if len(password) > MAX_PASSWORD_CHARS:
            raise PasswordProblem("password", f"password must have at most {MAX_PASSWORD_CHARS} characters")
    _set(user, chosen, by=None, must_change=password is None, action="password_set_by_admin")
    return chosen


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=RESET_SALT)


def _fingerprint(user: User) -> str:
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def reset_token(user: User) -> str:
    return _serializer().dumps({"u": user.id, "p": _fingerprint(user)})


def user_for_reset_token(token: str, max_age_hours: float = RESET_LINK_HOURS) -> User | None:
    """The user a reset link is for, if it is genuine, not expired and its password is still the one it replaces."""
    if not token or len(token) > 512:
        return None
    try:
        data = _serializer().loads(token, max_age=int(max_age_hours * 3600))
    except (SignatureExpired, BadSignature):
        return None
    user_id = data.get("u") if isinstance(data, dict) else None
    if not isinstance(user_id, int) or isinstance(user_id, bool) or not 0 < user_id <= MAX_ID:
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.active or data.get("p") != _fingerprint(user):
        return None
    return user


def reset_with_token(user: User, new: str, confirm: str) -> None:
    check_new_password(new, confirm, user)
    _set(user, new, by=user, must_change=False, action="password_reset")
