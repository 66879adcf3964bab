"""The bell: each person's in-app notifications, their unread count on every page, marking them read."""
from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select, update

from ..extensions import db
from ..auth.models import User
from ..notifications.models import Notification
from ..notifications.words import notice_text
from ..timeutil import utcnow
from .blueprint import bp


@bp.app_context_processor
def _unread_notifications() -> dict:
    def unread() -> int:
        if not current_user.is_authenticated:
            return 0
        return db.session.scalar(select(func.count()).select_from(Notification)
                                 .where(Notification.user_id == current_user.id, Notification.read_at.is_(None))) or 0

    return {"unread_notifications": unread}


@bp.get("/notifications")
@login_required
def notifications():
    rows = list(db.session.scalars(select(Notification).where(Notification.user_id == current_user.id)
                                   .order_by(Notification.id.desc()).limit(200)))
    actors = {row.actor_id for row in rows if row.actor_id is not None}
    names = {user_id: name for user_id, name in db.session.execute(select(User.id, User.name).where(User.id.in_(actors)))}
    texts = {row.id: notice_text(row.kind, row.ticket_id, row.target, names.get(row.actor_id), row.text) for row in rows}
    return render_template("notifications.html", notifications=rows, texts=texts)


@bp.post("/notifications/read")
@login_required
def notifications_read():
    db.session.execute(update(Notification).where(Notification.user_id == current_user.id, Notification.read_at.is_(None))
                       .values(read_at=utcnow()))
    db.session.commit()
    return redirect(url_for("web.notifications"))
