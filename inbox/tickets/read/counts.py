"""Ticket counts for the inbox tabs, cached briefly in Redis.

Counting a view is an index-only scan of its partial index: the open-side views together take
~10-25 ms at a million tickets, Resolved (900 k of them) over 100 ms. So the counts live in Redis
under a generation number: any committed change to a ticket bumps the generation (the old entries
are simply never read again), and entries expire after COUNT_TTL_SECONDS anyway, which also covers
writes that bypass the application and the at-risk window moving with the clock. A large Resolved
count is kept for up to RESOLVED_TTL_SECONDS across changes (see _usable_resolved).
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from redis.exceptions import RedisError
from sqlalchemy import func, select

from ...extensions import db
from ...redis_client import get_redis
from ...timeutil import utcnow
from ..models import Ticket
from ..signals import TicketChanges
from .queries import VIEWS, view_conditions

log = logging.getLogger(__name__)

COUNT_TTL_SECONDS = 30
RESOLVED_TTL_SECONDS = 60
RESOLVED_EXACT_BELOW = 10_000
GENERATION_KEY = "inbox:view-counts:gen"
RESOLVED_KEY = "inbox:view-counts:resolved"
_OPEN_VIEWS = tuple(v for v in VIEWS if v not in ("mine", "resolved"))


def count_views(views: tuple[str, ...], user_id: int | None, now: datetime) -> dict[str, int]:
    """One round trip: a scalar subquery per view, each answered from that view's index."""
    columns = [
        select(func.count()).select_from(Ticket).where(*view_conditions(view, user_id, now)).scalar_subquery().label(view)
        for view in views
    ]
    row = db.session.execute(select(*columns)).one()
    return {view: int(row._mapping[view] or 0) for view in views}


def view_counts(user_id: int | None, now: datetime | None = None) -> dict[str, int]:
    """Counts for every tab; Redis down means counting every time, never an error page."""
    now = now or utcnow()
    try:
        redis = get_redis()
        generation = int(redis.get(GENERATION_KEY) or 0)
        open_key = f"inbox:view-counts:{generation}:open"
        mine_key = f"inbox:view-counts:{generation}:mine:{user_id}"
        open_raw, mine_raw, resolved_raw = redis.mget([open_key, mine_key, RESOLVED_KEY])
    except RedisError as exc:
        log.warning("view counts not cached: %s", exc)
        return count_views(tuple(VIEWS), user_id, now)
    counts: dict[str, int] = {}
    fresh: dict[str, tuple[str, int]] = {}
    if open_raw is None:
        counts.update(count_views(_OPEN_VIEWS, user_id, now))
        fresh[open_key] = (",".join(str(counts[v]) for v in _OPEN_VIEWS), COUNT_TTL_SECONDS)
    else:
        counts.update(zip(_OPEN_VIEWS, map(int, open_raw.split(b","))))
    if mine_raw is None:
        counts["mine"] = count_views(("mine",), user_id, now)["mine"]
        fresh[mine_key] = (str(counts["mine"]), COUNT_TTL_SECONDS)
    else:
        counts["mine"] = int(mine_raw)
    resolved = _usable_resolved(resolved_raw, generation)
    if resolved is None:
        resolved = count_views(("resolved",), user_id, now)["resolved"]
        fresh[RESOLVED_KEY] = (f"{resolved},{generation}", RESOLVED_TTL_SECONDS)
    counts["resolved"] = resolved
    if fresh:
        try:
            pipe = redis.pipeline(transaction=False)
            for key, (value, ttl) in fresh.items():
                pipe.set(key, value, ex=ttl)
            pipe.execute()
        except RedisError as exc:
            log.warning("view counts not cached: %s", exc)
    return {view: counts[view] for view in VIEWS}


def _usable_resolved(raw: bytes | None, generation: int) -> int | None:
    """The Resolved count only grows, and past RESOLVED_EXACT_BELOW it costs a scan of most of the
    table: from there on a count up to RESOLVED_TTL_SECONDS old is shown even after changes."""
    if raw is None:
        return None
    count, counted_at = (int(part) for part in raw.split(b","))
    return count if counted_at == generation or count >= RESOLVED_EXACT_BELOW else None


def invalidate_view_counts() -> None:
    get_redis().incr(GENERATION_KEY)


def drop_stale_counts(_sender: Any, event: TicketChanges) -> None:
    """Receiver of `tickets_changed` (connected by tickets.read.install): any committed change to a
    ticket — a row the ORM flushed, or a set-based statement — starts a new generation of counts."""
    if not event.tickets and not event.bulk:
        return
    try:
        invalidate_view_counts()
    except RedisError as exc:  # the commit stands; the counts catch up within COUNT_TTL_SECONDS
        log.warning("view counts not invalidated: %s", exc)
