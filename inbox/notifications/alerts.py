"""Alerts for one person: the bell's unread count and the browser notifications it may raise.

Notifications are rows (notifications.models) written by this package's listeners once the change is
committed: "assigned to you" when someone else assigns you a ticket, "at risk" and "breached" after
each SLA sweep (once per deadline, see tickets.sla.sweep). Each recipient's open pages then hear of
their new rows on the Redis channel `inbox:notifications`; the stream (live.stream) passes on only the signed-in user's.
Which kinds raise a browser notification is the user's setting; the bell counts every one.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import func, select

from ..auth.models import User
from ..extensions import db
from ..redis_client import pubsub_channel
from .models import Notification

log = logging.getLogger(__name__)

NOTIFY_CHANNEL = "inbox:notifications"
# notification kind -> the user's setting that lets it raise a browser notification
ALERT_SETTINGS: dict[str, str] = {"assigned": "alert_assigned", "sla_at_risk": "alert_at_risk", "sla_breach": "alert_breached"}
# a page is told of at most this many new rows at once; the rest are counted ("and 40 more")
MAX_ITEMS_PER_USER = 5
# rows read back for one publication (the sweep may write thousands; counts still cover them all)
MAX_ROWS_READ = 2000


def browser_alerts(user: Any) -> list[str]:
    """The notification kinds `user` wants as browser notifications."""
    return [kind for kind, setting in ALERT_SETTINGS.items() if getattr(user, setting, True)]


def set_browser_alerts(user: User, kinds: Iterable[str]) -> None:
    wanted = set(kinds)
    for kind, setting in ALERT_SETTINGS.items():
        setattr(user, setting, kind in wanted)
    db.session.commit()


def unread_counts(user_ids: Iterable[int]) -> dict[int, int]:
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    rows = db.session.execute(
        select(Notification.user_id, func.count()).where(Notification.user_id.in_(ids), Notification.read_at.is_(None))
        .group_by(Notification.user_id))
    counts = dict.fromkeys(ids, 0)
    counts.update({user_id: count for user_id, count in rows})
    return counts


def payloads(rows: Iterable[tuple[int, int, int | None, str, str]], counts: dict[int, int]) -> list[dict[str, Any]]:
    """One message per recipient from (id, user id, ticket id, kind, text) rows: the newest items and how many more."""
    per_user: dict[int, list[dict[str, Any]]] = {}
    for row_id, user_id, ticket_id, kind, text, *words in rows:
        item = {"id": row_id, "ticket_id": ticket_id, "kind": kind, "text": text}
        if words:  # the key's parameters: the page says the notice in its reader's language (live.js)
            item.update(zip(("target", "by"), words))
        per_user.setdefault(user_id, []).append(item)
    messages = []
    for user_id, items in sorted(per_user.items()):
        items.sort(key=lambda item: item["id"], reverse=True)
        messages.append({"user_id": user_id, "unread": counts.get(user_id, 0),
                         "items": items[:MAX_ITEMS_PER_USER], "more": max(0, len(items) - MAX_ITEMS_PER_USER)})
    return messages


def publish_notifications(*, after_id: int | None = None, ids: Iterable[int] = ()) -> int:
    """After a commit: tell each recipient's open pages of the rows with id > after_id (or these ids).
    Best effort like every live message: the bell is right again at the next page load."""
    if not has_app_context():
        return 0
    live = current_app.extensions.get("inbox_live")
    if live is None:
        return 0
    query = (select(Notification.id, Notification.user_id, Notification.ticket_id, Notification.kind, Notification.text,
                    Notification.target, User.name).outerjoin(User, User.id == Notification.actor_id))
    if after_id is not None:
        query = query.where(Notification.id > after_id)
    else:
        wanted = list(ids)
        if not wanted:
            return 0
        query = query.where(Notification.id.in_(wanted))
    rows = list(db.session.execute(query.order_by(Notification.id).limit(MAX_ROWS_READ)))
    if not rows:
        return 0
    messages = payloads(rows, unread_counts(row[1] for row in rows))
    try:
        pipe = live.redis.pipeline(transaction=False)
        for message in messages:
            pipe.publish(pubsub_channel(live.redis, NOTIFY_CHANNEL), json.dumps(message, separators=(",", ":"), ensure_ascii=False))
        pipe.execute()
    except Exception as exc:  # noqa: BLE001  committed is committed; a lost message only delays the bell
        log.warning("could not publish %d notification message(s): %s", len(messages), exc)
        return 0
    return len(messages)


def for_user(raw: bytes | str | None, user_id: int | None) -> dict[str, Any] | None:
    """The stream's filter: the message if it is for `user_id`, without the recipient field."""
    if user_id is None or raw is None:
        return None
    try:
        message = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(message, dict) or message.get("user_id") != user_id:
        return None
    message.pop("user_id")
    return message
