"""Installation-wide settings an admin edits in the UI, as key → text rows (the outbound allow-list, the
assignment mode, the SLA breach webhook address)."""
from __future__ import annotations

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .extensions import db


class AppSetting(db.Model):
    """Installation-wide settings an admin edits in the UI ."""

    __tablename__ = "app_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")


def setting_value(key: str, default: str = "") -> str:
    """The stored value of `key`, or `default` when none was ever saved."""
    row = db.session.get(AppSetting, key)
    return row.value if row is not None else default
