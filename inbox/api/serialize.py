"""Rows to API shapes: one function per resource, used by every operation that returns it."""
from __future__ import annotations

from ..auth.models import User as UserRow
from ..tickets.models import Contact as ContactRow
from ..tickets.models import TicketNote

# the API's ticket and message are what webhooks carry too: one shape, in tickets.read.representation
from ..tickets.read.representation import message_view as message  # noqa: F401
from ..tickets.read.representation import sla_state  # noqa: F401
from ..tickets.read.representation import ticket_view as ticket  # noqa: F401
from . import schemas


def note(row: TicketNote) -> schemas.Note:
    return schemas.Note(id=row.id, author_id=row.author_id, body=row.body, created_at=row.created_at)


def contact(row: ContactRow, ticket_ids: list[int]) -> schemas.Contact:
    return schemas.Contact(
        id=row.id, display_name=row.display_name, erased=row.erased_at is not None, ticket_ids=ticket_ids,
        identities=[schemas.Identity(id=i.id, channel=i.channel, handle=i.handle, name=i.name, followers=i.followers)
                    for i in row.identities])


def user(row: UserRow, viewer: UserRow) -> schemas.User:
    shows_email = viewer.has_role("admin") or viewer.id == row.id
    return schemas.User(id=row.id, name=row.name, role=row.role, active=row.active, email=row.email if shows_email else None)
