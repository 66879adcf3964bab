from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import String, false, true
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..timeutil import UtcDateTime, utcnow

ROLES = ("agent", "lead", "admin")


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(255), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="agent")
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # raised to end every session and remember cookie of this user (inbox.security.sessions)
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    # automatic assignment (inbox.assignment): away agents get none; capacity = most open tickets at once
    away: Mapped[bool] = mapped_column(default=False, server_default="0")
    capacity: Mapped[int] = mapped_column(default=10, server_default="10")
    last_seen_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_auto_assigned_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # None: follow the browser's Accept-Language / the team's INBOX_TIMEZONE (inbox.auth.preferences)
    locale: Mapped[str | None] = mapped_column(String(8), nullable=True)
    timezone: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # a password someone else chose (generated, or set by an admin): changed at the next sign-in
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())
    # which live events become a browser notification (inbox.live.alerts); the bell counts them all
    alert_assigned: Mapped[bool] = mapped_column(default=True, server_default=true())
    alert_at_risk: Mapped[bool] = mapped_column(default=True, server_default=true())
    alert_breached: Mapped[bool] = mapped_column(default=True, server_default=true())

    def get_id(self) -> str:
        """What Flask-Login keeps in the session and remember cookies: the id and the session version."""
        return f"{self.id}:{self.session_version or 0}"

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active

    def has_role(self, role: str) -> bool:
        return ROLES.index(self.role) >= ROLES.index(role)
