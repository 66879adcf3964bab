"""The contacts, identities and tickets an ingest batch creates, written as multi-row INSERTs.

Through the ORM's unit of work every new object costs its bookkeeping at the flush (and its SLA
outcome row another object): most of an ingest batch's time went there. A batch's new rows are
instead plain objects with the same attribute names as the mapped classes (the placement rules, the
priority rules and the SLA writer read them as they read a Ticket), and are inserted table by table
in one statement each (RETURNING the ids, in the order given), parents first. The ingest service
(tickets.ingest) tells the session hooks what the ORM would have seen (tickets created, their
search documents, their SLA state) — see `_Batch.finish`.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any, Sequence

from sqlalchemy import Table, bindparam, insert, inspect, update
from sqlalchemy.engine import Connection

from .models import Contact, ContactIdentity, SlaPolicy, Ticket
from .sla.models import SlaOutcome


class NewContact:
    __slots__ = ("display_name", "created_at", "id")

    def __init__(self, display_name: str, created_at: datetime) -> None:
        self.display_name, self.created_at, self.id = display_name, created_at, None


class NewIdentity:
    """A ContactIdentity the batch creates (with a new contact)."""

    __slots__ = ("contact", "channel", "external_id", "handle", "name", "followers", "updated_at", "id")

    def __init__(self, contact: NewContact, channel: str, external_id: str, handle: str, name: str,
                 followers: int | None, updated_at: datetime) -> None:
        self.contact, self.channel, self.external_id, self.handle = contact, channel, external_id, handle
        self.name, self.followers, self.updated_at, self.id = name, followers, updated_at, None

    @property
    def contact_id(self) -> int | None:
        return self.contact.id


_TICKET_COLUMNS = tuple(c.key for c in Ticket.__table__.columns if c.key != "id")


class NewTicket:
    """A Ticket the batch opens: every column of the table as an attribute, its policy, its (new) history."""

    def __init__(self, contact: Contact | NewContact, sla_policy: SlaPolicy | None, **values: Any) -> None:
        for key in _TICKET_COLUMNS:
            setattr(self, key, None)
        self.id: int | None = None
        self.contact = contact
        self.events: list[Any] = []  # recorded history: none yet (the batch's own rows are pending events)
        self.sla_outcome: SlaOutcome | None = None  # the SLA writer puts the outcome it computes here
        self.sla_policy = sla_policy
        for key, value in values.items():
            setattr(self, key, value)

    @property
    def sla_policy(self) -> SlaPolicy | None:
        return self._sla_policy

    @sla_policy.setter
    def sla_policy(self, policy: SlaPolicy | None) -> None:
        self._sla_policy = policy
        self.sla_policy_id = policy.id if policy is not None else None

    def row(self) -> dict[str, Any]:
        values = _with_defaults(Ticket.__table__, {key: getattr(self, key) for key in _TICKET_COLUMNS})
        values["contact_id"] = self.contact.id
        return values


def _with_defaults(table: Table, values: dict[str, Any]) -> dict[str, Any]:
    """Columns left None get their scalar default, as the ORM would have given them."""
    for column in table.columns:
        if values.get(column.key) is None and column.default is not None and column.default.is_scalar:
            values[column.key] = column.default.arg
    return values


def _insert_returning_ids(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> list[int]:
    """One multi-row INSERT (batched by SQLAlchemy's insertmanyvalues), the new ids in the rows' order."""
    if not rows:
        return []
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return list(connection.execute(statement, rows).scalars())


def _outcome_row(ticket: NewTicket) -> dict[str, Any]:
    outcome = ticket.sla_outcome
    values = _with_defaults(SlaOutcome.__table__, {c.key: getattr(outcome, c.key, None) for c in SlaOutcome.__table__.columns})
    values["ticket_id"] = ticket.id
    return values


def write_new(connection: Connection, contacts: Sequence[NewContact], identities: Sequence[NewIdentity],
              tickets: Sequence[NewTicket]) -> None:
    """Insert the batch's new rows, parents first, and give each object its id. The tickets' SLA columns and
    outcome must be computed already (sla.outcomes.refresh_new)."""
    ids = _insert_returning_ids(connection, Contact.__table__,
                                [{"display_name": c.display_name, "created_at": c.created_at, "erased_at": None} for c in contacts])
    for contact, new_id in zip(contacts, ids):
        contact.id = new_id
    ids = _insert_returning_ids(connection, ContactIdentity.__table__, [
        {"contact_id": i.contact.id, "channel": i.channel, "external_id": i.external_id, "handle": i.handle, "name": i.name,
         "followers": i.followers, "updated_at": i.updated_at} for i in identities])
    for identity, new_id in zip(identities, ids):
        identity.id = new_id
    ids = _insert_returning_ids(connection, Ticket.__table__, [t.row() for t in tickets])
    for ticket, new_id in zip(tickets, ids):
        ticket.id = new_id
    outcomes = [_outcome_row(t) for t in tickets if t.sla_outcome is not None]
    if outcomes:
        connection.execute(insert(SlaOutcome.__table__), outcomes)


def update_changed(connection: Connection, table: Table, objects: Sequence[Any], session: Any,
                   also: dict[str, Any] | None = None) -> int:
    """UPDATE the columns of these loaded ORM objects that the batch changed (only those: a column someone else
    moved meanwhile keeps their value), objects with the same changed columns in one executemany; then the
    session forgets the changes (expired, reloaded if read again) so that no flush writes them twice.
    `also` is written with every changed row (the `onupdate` values the ORM would add). Returns the rows."""
    key_column = next(iter(table.primary_key.columns))
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    columns = {c.key for c in table.columns}
    for obj in objects:
        state = inspect(obj)
        if state.key is None:  # pending: the flush inserts it
            continue
        changed = tuple(sorted(k for k in columns - state.unmodified if state.attrs[k].history.has_changes()))
        if not changed:
            continue
        row = {k: getattr(obj, k) for k in changed}
        row.update(also or {})
        row["_key"] = getattr(obj, key_column.key)
        groups[tuple(sorted(row))].append(row)
        session.expire(obj, list(changed))
    for keys, rows in groups.items():
        values = {k: bindparam(k) for k in keys if k != "_key"}
        connection.execute(update(table).where(key_column == bindparam("_key")).values(values), rows)
    return sum(len(rows) for rows in groups.values())
