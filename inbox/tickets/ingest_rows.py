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

from datetime import datetime
from typing import Any, Sequence

from sqlalchemy import Table, insert
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
