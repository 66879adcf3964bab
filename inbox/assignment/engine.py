"""Automatic assignment against the database, safe under any number of concurrent workers.

Each ticket is handed out by one guarded UPDATE: it still has no assignee, and the agent is still
under capacity (counted inside the same statement). On PostgreSQL the agent's user row is locked
first, so two transactions assigning to the same agent run one after the other and the second
counts the first's ticket; on SQLite the UPDATE is the first statement of its transaction, which
takes the one writer lock, so the count and the write are one step there too."""
from __future__ import annotations

import logging
import os
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from ..app_settings import AppSetting
from ..auth.models import User
from ..extensions import db
from ..tickets.events import EventType
from ..tickets.models import OPEN_STATUSES, Ticket, TicketEvent
from ..timeutil import utcnow
from .choose import MODES, Agent, available, ranked, ticket_order

log = logging.getLogger(__name__)

MODE_SETTING = "assignment_mode"
REASSIGN_SETTING = "assignment_reassign_away"
MAX_PER_RUN = 500


def online_window() -> timedelta:
    return timedelta(minutes=int(os.environ.get("INBOX_ASSIGN_ONLINE_MINUTES") or 15))


def setting(key: str, default: str) -> str:
    row = db.session.get(AppSetting, key)
    return row.value if row is not None and row.value else default


def save_settings(mode: str, reassign_away: bool) -> None:
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}")
    for key, value in ((MODE_SETTING, mode), (REASSIGN_SETTING, "1" if reassign_away else "0")):
        row = db.session.get(AppSetting, key) or AppSetting(key=key, value="")
        row.value = value
        db.session.add(row)
    db.session.commit()


def _open_load() -> dict[int, int]:
    return dict(db.session.execute(select(Ticket.assignee_id, func.count()).where(
        Ticket.status.in_(OPEN_STATUSES), Ticket.assignee_id.is_not(None)).group_by(Ticket.assignee_id)).all())


def agents(now: datetime) -> list[Agent]:
    """Every active user who works tickets, with their load now."""
    load = _open_load()
    return [Agent(u.id, load.get(u.id, 0), u.capacity, u.last_auto_assigned_at, u.away, u.last_seen_at, u.active)
            for u in db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.id))]


def _unassigned(limit: int) -> list[tuple[int, str, datetime | None, datetime]]:
    rows = db.session.execute(select(Ticket.id, Ticket.priority, Ticket.due_at, Ticket.opened_at).where(
        Ticket.status.in_(OPEN_STATUSES), Ticket.assignee_id.is_(None)).order_by(Ticket.opened_at).limit(limit)).all()
    return sorted(((r[0], r[1], r[2], r[3]) for r in rows), key=lambda r: ticket_order(r[1], r[2], r[3]))


def try_assign(ticket_id: int, agent_id: int, capacity: int | None, now: datetime, how: str = "auto",
               data: dict | None = None) -> bool:
    """Give `ticket_id` to `agent_id` if it is still unassigned (and, with a capacity, the agent still has
    room); the assignment event is recorded in the same transaction. Commits; False when it lost a race."""
    db.session.rollback()  # a fresh transaction: on SQLite the guarded UPDATE must be its first statement
    try:
        if db.session.get_bind().dialect.name == "postgresql":
            db.session.execute(select(User.id).where(User.id == agent_id).with_for_update())
        guard = [Ticket.id == ticket_id, Ticket.assignee_id.is_(None), Ticket.status.in_(OPEN_STATUSES)]
        if capacity is not None:
            held_table = Ticket.__table__.alias("held_tickets")
            held = select(func.count()).select_from(held_table).where(
                held_table.c.assignee_id == agent_id, held_table.c.status.in_(OPEN_STATUSES)).scalar_subquery()
            guard.append(held < capacity)
        result = db.session.execute(update(Ticket).where(*guard).values(assignee_id=agent_id, updated_at=now)
                                    .execution_options(synchronize_session=False))
        if result.rowcount != 1:
            db.session.rollback()
            return False
        if how == "auto":
            # the real time of this handout (not the run's `now`): the round-robin turn order needs distinct times
            db.session.execute(update(User).where(User.id == agent_id).values(last_auto_assigned_at=max(now, utcnow())))
        ticket = db.session.get(Ticket, ticket_id)
        db.session.refresh(ticket)
        db.session.add(TicketEvent(ticket=ticket, type=EventType.ASSIGNMENT, actor_id=None, at=now,
                                   data={"from": None, "to": agent_id, "how": how, **(data or {})}))
        db.session.commit()
        return True
    except BaseException:
        db.session.rollback()
        raise


def assign_waiting(now: datetime | None = None, ticket_ids: list[int] | None = None) -> list[tuple[int, int]]:
    """Hand out unassigned open tickets, most urgent and oldest first, while anyone has room.
    Returns (ticket id, agent id) for each assignment made."""
    now = now or utcnow()
    mode = setting(MODE_SETTING, "off")
    if mode == "off":
        return []
    made: list[tuple[int, int]] = []
    waiting = _unassigned(MAX_PER_RUN)
    if ticket_ids is not None:
        wanted = set(ticket_ids)
        waiting = [w for w in waiting if w[0] in wanted]
    window = online_window()
    for ticket_id, *_ in waiting:
        db.session.expire_all()
        candidates = ranked([a for a in agents(now) if available(a, now, window)], mode)
        if not candidates:
            break
        for agent in candidates:
            if try_assign(ticket_id, agent.id, agent.capacity, now):
                made.append((ticket_id, agent.id))
                break
            db.session.expire_all()
            if db.session.scalar(select(Ticket.assignee_id).where(Ticket.id == ticket_id)) is not None:
                break  # another worker gave it to someone: next ticket
    if made:
        log.info("auto-assigned %d ticket(s)", len(made))
    return made


def release_away(user: User, now: datetime | None = None) -> list[int]:
    """An agent went away: their open tickets go back to Unassigned (recorded), to be handed out again."""
    now = now or utcnow()
    ids = list(db.session.scalars(select(Ticket.id).where(Ticket.assignee_id == user.id, Ticket.status.in_(OPEN_STATUSES))))
    for ticket in db.session.scalars(select(Ticket).where(Ticket.id.in_(ids))):
        ticket.assignee_id = None
        db.session.add(TicketEvent(ticket=ticket, type=EventType.ASSIGNMENT, actor_id=None, at=now,
                                   data={"from": user.id, "to": None, "how": "away"}))
    db.session.commit()
    return ids


def set_away(user: User, away: bool) -> list[int]:
    """The agent's own switch; with the reassign setting on, going away releases their open tickets."""
    user.away = away
    db.session.commit()
    released: list[int] = []
    if away and setting(REASSIGN_SETTING, "0") == "1":
        released = release_away(user)
    return released
