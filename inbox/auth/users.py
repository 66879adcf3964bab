"""Creating users from the CLI and at first start."""
from __future__ import annotations

import logging
import secrets

from sqlalchemy import func, select

from ..extensions import db
from .models import ROLES, User

log = logging.getLogger(__name__)


class UserError(ValueError):
    pass


def create_user(email: str, name: str, role: str, password: str | None = None) -> tuple[User, str]:
    """Returns the user and the password (generated when none is given)."""
    email, name = email.strip().lower(), name.strip()
    if "@" not in email or len(email) > 255 or any(ord(ch) < 33 or ord(ch) == 127 for ch in email):
        raise UserError(f"not an email address: {email!r}")
    if len(name) > 255 or any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        raise UserError("names have at most 255 characters and no control characters")
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}")
    if db.session.scalar(select(User).where(func.lower(User.email) == email)) is not None:
        raise UserError(f"a user with email {email} already exists")
    password = password or secrets.token_urlsafe(12)
    if len(password) < 8:
        raise UserError("password must have at least 8 characters")
    user = User(email=email, name=name or email, role=role)
    user.set_password(password)
    db.session.add(user)
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
        raise UserError(f"role must be one of {', '.join(ROLES)}")
    if role == user.role:
        raise UserError(f"{user.name} already has the role {role}")
    if user.role == "admin" and _active_admin_ids() <= {user.id}:
        raise UserError("this is the only active admin; make someone else admin first")
    previous, user.role = user.role, role
    db.session.commit()
    log.info("user %s role %s -> %s by user %s", user.id, previous, role, by.id)


def set_active(user: User, active: bool, by: User) -> None:
    """Deactivated users cannot sign in and are signed out on their next request; nothing of theirs is deleted."""
    if user.active == active:
        raise UserError(f"{user.name} is already {'active' if active else 'deactivated'}")
    if not active and user.id == by.id:
        raise UserError("you cannot deactivate yourself; ask another admin")
    if not active and user.role == "admin" and _active_admin_ids() <= {user.id}:
        raise UserError("this is the only active admin; make someone else admin first")
    user.active = active
    db.session.commit()
    log.info("user %s %s by user %s", user.id, "activated" if active else "deactivated", by.id)


def list_users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.active.desc(), User.name, User.id)))
