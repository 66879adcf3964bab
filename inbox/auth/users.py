"""Creating users from the CLI and at first start."""
from __future__ import annotations

import secrets

from sqlalchemy import func, select

from ..extensions import db
from .models import ROLES, User


class UserError(ValueError):
    pass


def create_user(email: str, name: str, role: str, password: str | None = None) -> tuple[User, str]:
    """Returns the user and the password (generated when none is given)."""
    email = email.strip().lower()
    if "@" not in email or len(email) > 255:
        raise UserError(f"not an email address: {email!r}")
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}")
    if db.session.scalar(select(User).where(func.lower(User.email) == email)) is not None:
        raise UserError(f"a user with email {email} already exists")
    password = password or secrets.token_urlsafe(12)
    if len(password) < 8:
        raise UserError("password must have at least 8 characters")
    user = User(email=email, name=name.strip() or email, role=role)
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
