"""Read-side queries for the inbox list and the ticket page.

The list is read in keyset pages: each view is a range scan of an index already in the view's order
(migration d5f0a2b8c6e1), continued from the last row shown, so page 1 000 costs what page 1 does.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from typing import Any, Mapping

from flask_babel import lazy_gettext
from sqlalchemy import (
    ColumnElement,
    bindparam,
    exists,
    false,
    literal,
    select,
    true,
    tuple_,
)
from sqlalchemy.orm import joinedload, selectinload

from ...channels import CHANNEL_TYPES
from ...extensions import db
from ...security.params import parse_id
from ...timeutil import utcnow
from ...translatable import N_, message_of
from ..models import (
    ENGAGEMENTS,
    OPEN_STATUSES,
    PRIORITIES,
    SENTIMENT_LABELS,
    TICKET_STATUSES,
    Contact,
    Message,
    Tag,
    Ticket,
    ticket_tags,
)
from ..workspace.actions import ActionError
from ..workspace.tags import normalize_tag
from .search import SearchError, normalise_query, one_of, search_conditions

# The tabs, in order: key -> title.
VIEWS: dict[str, Any] = {  # titles in the reader's language (lazy: rendered per request)
    "mine": lazy_gettext("Mine"),
    "unassigned": lazy_gettext("Unassigned"),
    "open": lazy_gettext("All open"),
    "at_risk": lazy_gettext("At risk"),
    "breached": lazy_gettext("Breached"),
    "pending": lazy_gettext("Pending"),
    "resolved": lazy_gettext("Resolved"),
}
# Reached from the lead dashboard's numbers and bars; not a tab of its own.
FILTER_VIEWS: dict[str, Any] = {"all": lazy_gettext("All tickets")}
DEFAULT_VIEW = "open"
CLOSED_STATUSES = ("resolved", "closed")
PAGE_SIZE = 50
MAX_SEARCH_TERMS = 8
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_SIGNED_INT = re.compile(r"-?[0-9]{1,18}")


def _statuses(values: tuple[str, ...]) -> ColumnElement[bool]:
    """`status IN ('new', 'open', 'pending')` written out literally, so the planner can match the partial
    indexes (whose predicate is exactly this) whatever plan caching the driver does."""
    return Ticket.status.in_(bindparam(f"statuses_{'_'.join(values)}", list(values), expanding=True, literal_execute=True))


IS_OPEN = _statuses(OPEN_STATUSES)
IS_CLOSED = _statuses(CLOSED_STATUSES)


def view_conditions(view: str, user_id: int | None, now: datetime) -> list[ColumnElement[bool]]:
    """What puts a ticket in a view (also what the tab counts count)."""
    if view == "mine":
        return [IS_OPEN, Ticket.assignee_id == user_id] if user_id is not None else [false()]
    if view == "unassigned":
        return [IS_OPEN, Ticket.assignee_id.is_(None)]
    if view == "open":
        return [IS_OPEN]
    if view == "at_risk":
        # the one definition (tickets.sla): a running clock past its policy's warning fraction, not yet due
        return [IS_OPEN, Ticket.due_at > now, Ticket.sla_warn_at <= now]
    if view == "breached":
        return [IS_OPEN, Ticket.due_at <= now]
    if view == "pending":
        return [Ticket.status == "pending"]
    if view == "resolved":
        return [IS_CLOSED]
    if view == "all":
        return [true()]
    raise ValueError(f"unknown view {view!r}")


@dataclass(frozen=True)
class ListCursor:
    """Keyset position: the sort time (due time; resolution time in Resolved) and id of the last row shown.

    Times travel as whole microseconds since the epoch, so a cursor lands exactly on ties in the sort time."""

    at: datetime | None
    ticket_id: int

    def encode(self) -> str:
        at = "-" if self.at is None else str((self.at - _EPOCH) // timedelta(microseconds=1))
        return f"{at}_{self.ticket_id}"

    @classmethod
    def decode(cls, raw: str | None) -> "ListCursor | None":
        """None for anything that is not a cursor we made (the list then starts at its first page)."""
        if not raw or len(raw) > 64:
            return None
        head, sep, tail = raw.partition("_")
        ticket_id = parse_id(tail) if sep else None
        if ticket_id is None:
            return None
        if head == "-":
            return cls(None, ticket_id)
        if not _SIGNED_INT.fullmatch(head):
            return None
        try:
            return cls(_EPOCH + timedelta(microseconds=int(head)), ticket_id)
        except OverflowError:
            return None


@dataclass(frozen=True)
class TicketFilter:
    """Narrowing within a view: ?channel=&status=&sentiment=&priority=&kind=&tag=&assignee=&week=&q=.

    Made only by `from_args`, which drops what it cannot use and says why in `problems`."""

    channel: str | None = None
    status: str | None = None
    sentiment: str | None = None
    priority: str | None = None
    tag: str | None = None
    assignee_id: int | None = None  # 0: nobody
    week_start: datetime | None = None
    week_end: datetime | None = None
    search: str = ""
    search_refused: bool = False  # the search text itself was refused: show nothing rather than an unsearched list
    problems: tuple[str, ...] = ()
    # the accepted arguments, as given: carried into page links and the filter form
    args: tuple[tuple[str, str], ...] = ()
    engagement: str | None = None  # ?kind=: the ticket's kind of engagement

    @property
    def active(self) -> bool:
        return bool(self.args)

    def terms(self) -> list[str]:
        return self.search.split()

    def conditions(self) -> list[ColumnElement[bool]]:
        """Everything but the tag and the search terms, which need lookups first (tag_condition, search_conditions)."""
        where: list[ColumnElement[bool]] = []
        if self.channel:
            where.append(Ticket.channel == self.channel)
        if self.status:
            where.append(Ticket.status == self.status)
        if self.sentiment:
            where.append(Ticket.last_sentiment == self.sentiment)
        if self.priority:
            where.append(Ticket.priority == self.priority)
        if self.engagement:
            where.append(Ticket.engagement == self.engagement)
        if self.assignee_id is not None:
            where.append(Ticket.assignee_id == self.assignee_id if self.assignee_id else Ticket.assignee_id.is_(None))
        if self.week_start is not None and self.week_end is not None:
            where.append(Ticket.opened_at >= self.week_start)
            where.append(Ticket.opened_at < self.week_end)
        if self.search_refused:
            where.append(false())
        return where

    @classmethod
    def from_args(cls, args: Mapping[str, str], zone: tzinfo, me: int | None = None) -> "TicketFilter":
        """Unknown or malformed values are left out (and reported), like any other hostile query string."""
        problems: list[str] = []
        accepted: list[tuple[str, str]] = []

        def choice(name: str, allowed: tuple[str, ...], label: str) -> str | None:
            raw = (args.get(name) or "").strip()
            if not raw:
                return None
            value = raw.lower()
            if value not in allowed:
                problems.append(N_("Unknown %(what)s “%(value)s”: not applied.", what=label, value=raw[:40]))
                return None
            accepted.append((name, value))
            return value

        channel = choice("channel", CHANNEL_TYPES, N_("channel"))
        status = choice("status", TICKET_STATUSES, N_("status"))
        sentiment = choice("sentiment", SENTIMENT_LABELS, N_("sentiment"))
        priority = choice("priority", PRIORITIES, N_("priority"))
        engagement = choice("kind", ENGAGEMENTS, N_("kind"))

        tag = None
        raw_tag = (args.get("tag") or "").strip()
        if raw_tag:
            try:
                # the same folding as when a tag is stored: "ＲＥＦＵＮＤ" finds "refund"
                tag = normalize_tag(raw_tag)
                accepted.append(("tag", tag))
            except ActionError:
                problems.append(N_("A tag has at most 64 characters and no control characters: not applied."))

        assignee_id = None
        raw_assignee = (args.get("assignee") or "").strip()
        if raw_assignee:
            if raw_assignee == "me" and me is not None:
                assignee_id = me
            elif raw_assignee == "none":
                assignee_id = 0
            elif raw_assignee.isascii() and raw_assignee.isdigit() and len(raw_assignee) < 10:
                assignee_id = int(raw_assignee)
            else:
                problems.append(N_("Unknown assignee “%(value)s”: not applied.", value=raw_assignee[:40]))
            if assignee_id is not None:
                accepted.append(("assignee", raw_assignee))

        start = end = None
        week = (args.get("week") or "").strip()
        if week:
            try:
                year, number = week.split("-W")
                monday = date.fromisocalendar(int(year), int(number), 1)
                start = datetime.combine(monday, time(0), tzinfo=zone).astimezone(timezone.utc)
                end = datetime.combine(monday + timedelta(days=7), time(0), tzinfo=zone).astimezone(timezone.utc)
                accepted.append(("week", week))
            except (ValueError, OverflowError):
                problems.append(N_("Not an ISO week “%(value)s” (like 2026-W47): not applied.", value=week[:40]))

        search, refused = "", False
        try:
            search = normalise_query(args.get("q"))
            if len(search.split()) > MAX_SEARCH_TERMS:
                raise SearchError(N_("Search takes at most %(limit)s words.", limit=MAX_SEARCH_TERMS))
        except SearchError as exc:
            problems.append(message_of(exc))
            search, refused = "", True
        if search:
            accepted.append(("q", search))
        return cls(channel, status, sentiment, priority, tag, assignee_id, start, end, search, refused, tuple(problems), tuple(accepted),
                   engagement=engagement)


TAG_CAP = 2000


def tag_condition(name: str) -> ColumnElement[bool]:
    """Tickets with this tag. A tag on few tickets becomes their ids (the view reads just those); a
    common one is checked per ticket while walking the view, after the filters the index carries."""
    tag_id = db.session.scalar(select(Tag.id).where(Tag.name == name))
    if tag_id is None:
        return false()
    tagged = list(db.session.scalars(select(ticket_tags.c.ticket_id).where(ticket_tags.c.tag_id == tag_id).limit(TAG_CAP + 1)))
    if len(tagged) <= TAG_CAP:
        return one_of(tagged) if tagged else false()
    return exists(select(literal(1)).where(ticket_tags.c.ticket_id == Ticket.id, ticket_tags.c.tag_id == tag_id).offset(0))


def _sort_key(view: str) -> tuple[Any, bool]:
    """(time column or None for id only, descending) — the order each view is read in."""
    if view == "resolved":
        return Ticket.resolved_at, True
    if view == "all":
        return None, True
    return Ticket.due_at, False


def list_tickets(view: str, after: ListCursor | None = None, limit: int | None = None, filters: TicketFilter | None = None,
                 user_id: int | None = None, now: datetime | None = None) -> tuple[list[Ticket], ListCursor | None]:
    """One page of a view: open views by their next deadline (most urgent first, no deadline last, then
    id), Resolved by resolution time (newest first), "all" newest first; with `after`, the page after it.

    Two steps: the page's ids from the view's index (an index-only scan: filters are on columns the
    index carries), then those tickets with what the rows show."""
    limit = limit or PAGE_SIZE
    where = view_conditions(view, user_id, now or utcnow())
    if filters is not None:
        where += filters.conditions()
        if filters.search and not filters.search_refused:
            where += search_conditions(filters.terms(), open_view=view not in ("resolved", "all"))
        if filters.tag:
            where.append(tag_condition(filters.tag))
    key, descending = _sort_key(view)
    positions = _keyset_page(where, key, descending, after, limit + 1)
    tickets = _load([ticket_id for ticket_id, _ in positions[:limit]])
    if len(positions) <= limit:
        return tickets, None
    ticket_id, at = positions[limit - 1]
    return tickets, ListCursor(at, ticket_id)


def _load(ids: list[int]) -> list[Ticket]:
    if not ids:
        return []
    # the one-per-ticket rows (contact, assignee) joined, the many (identities, tags) in one query each:
    # three round trips per page instead of five
    found = {t.id: t for t in db.session.scalars(select(Ticket).where(Ticket.id.in_(ids)).options(
        joinedload(Ticket.contact).selectinload(Contact.identities),
        selectinload(Ticket.tags),
        joinedload(Ticket.assignee),
    )).unique()}
    return [found[i] for i in ids if i in found]


def _keyset_page(where: list[ColumnElement[bool]], key: Any, descending: bool, after: ListCursor | None,
                 want: int) -> list[tuple[int, datetime | None]]:
    """(id, sort time) of the next `want` tickets. Rows with a sort time come first (in time, then id
    order), rows without one last (in id order).

    Each part is its own query with a row-value bound `(time, id) > (t, i)`, which PostgreSQL and SQLite
    both turn into the start of an index range; an OR of both parts in one query would not be."""
    by_id = Ticket.id.desc() if descending else Ticket.id.asc()
    if key is None:
        query = select(Ticket.id).where(*where)
        if after is not None:
            query = query.where(Ticket.id < after.ticket_id if descending else Ticket.id > after.ticket_id)
        return [(i, None) for i in db.session.scalars(query.order_by(by_id).limit(want))]
    rows: list[tuple[int, datetime | None]] = []
    order = (key.desc(), Ticket.id.desc()) if descending else (key.asc(), Ticket.id.asc())
    if after is None or after.at is not None:
        timed = select(Ticket.id, key).where(*where, key.is_not(None))
        if after is not None:
            here, mark = tuple_(key, Ticket.id), tuple_(literal(after.at, key.type), literal(after.ticket_id))
            timed = timed.where(here < mark if descending else here > mark)
        rows = [(i, at) for i, at in db.session.execute(timed.order_by(*order).limit(want))]
    if len(rows) < want:
        untimed = select(Ticket.id).where(*where, key.is_(None))
        if after is not None and after.at is None:
            untimed = untimed.where(Ticket.id < after.ticket_id if descending else Ticket.id > after.ticket_id)
        # all sort times here are NULL: ordering by (time, id) anyway is what lets the database read the
        # view's (time, id) index in order instead of walking every ticket by id
        rows += [(i, None) for i in db.session.scalars(untimed.order_by(*order).limit(want - len(rows)))]
    return rows


def ticket_page(ticket_id: int) -> Ticket | None:
    return db.session.scalar(
        select(Ticket)
        .where(Ticket.id == ticket_id)
        .options(
            selectinload(Ticket.messages).selectinload(Message.corrections),
            selectinload(Ticket.events),
            selectinload(Ticket.contact).selectinload(Contact.identities),
        )
    )

