"""Creating users from the CLI and at first start."""
from __future__ import annotations

import logging
import secrets

from sqlalchemy import func, select

from ..audit import record
from ..extensions import db
from ..translatable import N_, Label
from .models import ROLES, User
from .sessions import announce_sessions_ended, end_sessions

log = logging.getLogger(__name__)


class UserError(ValueError):
    pass


MIN_PASSWORD_CHARS = 8


def create_user(email: str, name: str, role: str, password: str | None = None, by: User | None = None) -> tuple[User, str]:
    """Returns the user and the password (generated when none is given, then changed at the first sign-in)."""
    email, name = email.strip().lower(), name.strip()
    if "@" not in email or len(email) > 255 or any(ord(ch) < 33 or ord(ch) == 127 for ch in email):
        raise UserError(N_("not an email address: %(email)s", email=repr(email)))
    if len(name) > 255 or any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        raise UserError(N_("names have at most 255 characters and no control characters"))
    if role not in ROLES:
        raise UserError(N_("role must be one of %(choices)s", choices=", ".join(ROLES)))
    if db.session.scalar(select(User).where(func.lower(User.email) == email)) is not None:
        raise UserError(N_("a user with email %(email)s already exists", email=email))
    generated = not password
    password = password or secrets.token_urlsafe(12)
    if len(password) < MIN_PASSWORD_CHARS:
        raise UserError(N_("password must have at least %(limit)s characters", limit=MIN_PASSWORD_CHARS))
    # a generated password was seen by whoever created the account: its owner picks their own at first sign-in
    user = User(email=email, name=name or email, role=role, must_change_password=generated)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    record("user_created", by, user, {"role": role})
    db.session.commit()
    return user, password


def ensure_admin(email: str = "admin@inbox.local") -> str | None:
    """Create the first admin if there is no admin; returns the generated password, once."""
    if db.session.scalar(select(User).where(User.role == "admin").limit(1)) is not None:
        return None
    _, password = create_user(email, "Admin", "admin")
    return password


def _active_admin_ids() -> set[int]:
    # locked on PostgreSQL so two admins demoting each other at once cannot both succeed
    rows = db.session.scalars(select(User.id).where(User.role == "admin", User.active.is_(True)).with_for_update())
    return set(rows)


def change_role(user: User, role: str, by: User) -> None:
    """Any role change an admin asks for, except one that would leave no active admin."""
    if role not in ROLES:
        raise UserError(N_("role must be one of %(choices)s", choices=", ".join(ROLES)))
    if role == user.role:
        raise UserError(N_("%(name)s already has the role %(role)s", name=user.name, role=Label("role", role)))
    if user.role == "admin" and _active_admin_ids() <= {user.id}:
        raise UserError(N_("this is the only active admin; make someone else admin first"))
    previous, user.role = user.role, role
    record("role_changed", by, user, {"from": previous, "to": role})
    db.session.commit()
    log.info("user %s role %s -> %s by user %s", user.id, previous, role, by.id)


def set_active(user: User, active: bool, by: User) -> None:
    """Deactivated users cannot sign in and are signed out on their next request; nothing of theirs is deleted."""
    if user.active == active:
        if active:
            raise UserError(N_("%(name)s is already active", name=user.name))
        raise UserError(N_("%(name)s is already deactivated", name=user.name))
    if not active and user.id == by.id:
        raise UserError(N_("you cannot deactivate yourself; ask another admin"))
    if not active and user.role == "admin" and _active_admin_ids() <= {user.id}:
        raise UserError(N_("this is the only active admin; make someone else admin first"))
    user.active = active
    if not active:
        end_sessions(user)
    record("user_activated" if active else "user_deactivated", by, user)
    db.session.commit()
    if not active:
        announce_sessions_ended(user.id)
    log.info("user %s %s by user %s", user.id, "activated" if active else "deactivated", by.id)


def change_password(user: User, password: str, by: User | None = None) -> None:
    """Set a new password and end every session of `user` (their other devices sign in again).

    The form that calls it (current password, typed twice) belongs to the account settings page."""
    if len(password) < MIN_PASSWORD_CHARS:
        raise UserError(N_("password must have at least %(limit)s characters", limit=MIN_PASSWORD_CHARS))
    if len(password) > 1024:
        raise UserError(N_("password must have at most 1024 characters"))
    user.set_password(password)
    end_sessions(user)
    record("password_changed", by, user)
    db.session.commit()
    announce_sessions_ended(user.id)
    log.info("user %s password changed by user %s", user.id, by.id if by is not None else "-")


def list_users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.active.desc(), User.name, User.id)))
