"""The API's request and response shapes. The same Pydantic models validate what comes in, build what
goes out and generate the OpenAPI document (spec.py), so the document cannot drift from the code."""
from __future__ import annotations

import re
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..channels.models import CHANNEL_TYPES
from ..tickets.models import SENTIMENT_LABELS
from ..tickets.read.queries import FILTER_VIEWS, VIEWS
from ..tickets.read.representation import (  # noqa: F401  (part of the API's shapes)
    ContactRef,
    Message,
    Priority,
    SlaState,
    Status,
    Ticket,
)

# a query string with NUL is refused before any route (inbox.security): the document says so
NO_NUL = r"^[^\x00]*$"
Channel = Literal[CHANNEL_TYPES]  # type: ignore[valid-type]
Sentiment = Literal[SENTIMENT_LABELS]  # type: ignore[valid-type]
View = Literal[tuple(VIEWS) + tuple(FILTER_VIEWS)]  # type: ignore[valid-type]
ClockState = Literal["none", "running", "paused", "met", "missed"]


def _not_null(schema: dict) -> None:  # type: ignore[type-arg]
    """In the document, a field that may be left out but not sent as null (its 422 says so)."""
    variants = schema.pop("anyOf", None)
    if variants:
        schema.update(next(v for v in variants if v.get("type") != "null"))
    schema.pop("default", None)


class Body(BaseModel):
    """Request bodies: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


class Query(BaseModel):
    model_config = ConfigDict(extra="ignore")


# -- tickets -------------------------------------------------------------------------------------

class TicketListQuery(Query):
    view: View = Field("open", description="The inbox tab: mine, unassigned, open, at_risk, breached, pending, resolved, or all.")
    channel: Channel | None = None
    status: Status | None = None
    sentiment: Sentiment | None = None
    priority: Priority | None = None
    tag: str | None = Field(None, min_length=1, max_length=256, pattern=NO_NUL)
    assignee: str | None = Field(None, pattern=r"^(me|none|[0-9]{1,9})$", description="me, none, or a user id.")
    week: str | None = Field(None, pattern=r"^(19[7-9][0-9]|2[0-9]{3})-W(0[1-9]|[1-4][0-9]|5[0-3])$", description="Tickets opened in this ISO week, like 2026-W47.")
    q: str | None = Field(None, max_length=500, pattern=NO_NUL, description="Search in message text and customer handles (all words must appear).")
    after: str | None = Field(None, pattern=r"^(-|-?[0-9]{1,18})_[0-9]{1,10}$",
                              description="The `next` cursor of the previous page. A value this API did not return (a ticket "
                                          "id of 0 or past 2147483647, a time outside the years 1–9999) is refused with 422.")
    limit: int = Field(50, ge=1, le=200)


class TicketPage(BaseModel):
    items: list[Ticket]
    next: str | None = Field(description="Cursor for the next page (pass it as `after`); null on the last page.")


class TagChanges(Body):
    add: list[str] = Field(default_factory=list, max_length=20)
    remove: list[str] = Field(default_factory=list, max_length=20)


class TicketUpdate(Body):
    status: Literal["open", "pending", "resolved"] | None = Field(
        None, description="open reopens a pending or resolved ticket; resolved on a ticket whose customer got no reply "
                          "needs confirm_unanswered (it records the first response as missed).")
    confirm_unanswered: bool = False
    priority: Priority | None = None
    assignee_id: int | None = Field(None, ge=0, le=2**31 - 1, json_schema_extra=_not_null,
                                    description="A user id; 0 unassigns. Leave out to keep; null is refused with 422.")
    tags: TagChanges | None = None


# -- messages and notes --------------------------------------------------------------------------

class MessageList(BaseModel):
    items: list[Message]


class ReplyCreate(Body):
    text: str = Field(min_length=1, max_length=10_000)


class Note(BaseModel):
    id: int
    author_id: int
    body: str
    created_at: datetime


class NoteList(BaseModel):
    items: list[Note]


class NoteCreate(Body):
    body: str = Field(min_length=1, max_length=10_000)


# -- contacts and users --------------------------------------------------------------------------

class Identity(BaseModel):
    id: int
    channel: str
    handle: str
    name: str
    followers: int | None


class Contact(BaseModel):
    id: int
    display_name: str
    erased: bool
    identities: list[Identity]
    ticket_ids: list[int] = Field(description="The contact's tickets, newest first (at most 100).")


class ContactMerge(Body):
    source_id: int = Field(ge=1, le=2**31 - 1, description="The contact merged into this one (it ends up empty).")
    reason: str = Field("", max_length=200)


class MergeResult(BaseModel):
    merge_id: int
    contact: Contact
    moved_identity_ids: list[int]
    moved_ticket_ids: list[int]


class User(BaseModel):
    id: int
    name: str
    role: Literal["agent", "lead", "admin"]
    active: bool
    email: str | None = Field(description="Shown to admins and to the user themself.")


class UserList(BaseModel):
    items: list[User]


# -- SLA and reports ------------------------------------------------------------------------------

class SlaOutcome(BaseModel):
    ticket_id: int
    policy_id: int | None
    first_response_state: ClockState
    first_response_missed_reason: str | None
    first_response_due_at: datetime | None
    first_response_at: datetime | None
    frt_seconds: float | None
    frt_business_seconds: float | None
    next_response_state: ClockState
    next_response_due_at: datetime | None
    next_response_met: int
    next_response_missed: int
    resolution_state: ClockState
    resolution_due_at: datetime | None
    resolved_at: datetime | None
    ttr_seconds: float | None
    ttr_business_seconds: float | None
    history: list[str] = Field(description="The replayed clocks in words, as on the ticket page.")


# reports work with days from 1970-01-01 to 2999-12-31; anything else (another year, "0", a timestamp) is a 422
REPORT_DAY = r"^(19[7-9][0-9]|2[0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"


class RangeQuery(Query):
    start: date | None = Field(None, alias="from", json_schema_extra={"pattern": REPORT_DAY},
                               description="First day (workspace time zone), YYYY-MM-DD from 1970-01-01 to 2999-12-31 "
                                           "(otherwise 422); default 8 weeks ago.")
    end: date | None = Field(None, alias="to", json_schema_extra={"pattern": REPORT_DAY},
                             description="Last day, YYYY-MM-DD from 1970-01-01 to 2999-12-31 (otherwise 422); default today.")

    @field_validator("start", "end", mode="before")
    @classmethod
    def _a_calendar_day(cls, value: object) -> object:
        """Only a written day: pydantic would read "0" or a number of seconds as a day of 1970."""
        if value is None or isinstance(value, date):
            return value
        if not isinstance(value, str) or not re.fullmatch(REPORT_DAY, value):
            raise ValueError("a day written YYYY-MM-DD, from 1970-01-01 to 2999-12-31")
        return value


class Figures(BaseModel):
    tickets: int
    resolved: int
    answered: int
    frt_mean_seconds: float | None
    frt_business_mean_seconds: float | None
    nrt_mean_seconds: float | None
    ttr_mean_seconds: float | None
    ttr_business_mean_seconds: float | None
    met: int
    missed: int
    compliance_percent: float | None


class Group(BaseModel):
    key: str
    figures: Figures


class SlaReport(BaseModel):
    start: date
    end: date
    time_zone: str
    total: Figures
    by_channel: list[Group]
    by_assignee: list[Group] = Field(description="Keyed by user id; \"none\" for unassigned tickets.")
    by_week: list[Group]


class AgentLoad(BaseModel):
    assignee_id: int | None
    name: str
    open_tickets: int


class Dashboard(BaseModel):
    breached: int
    at_risk: int
    unassigned: int
    oldest_unassigned_ticket_ids: list[int]
    load: list[AgentLoad]


class ExportFile(BaseModel):
    name: str
    size: int
    url: str


class WeekExport(BaseModel):
    week: str
    complete: bool
    files: list[ExportFile]


class ExportList(BaseModel):
    items: list[WeekExport]


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[dict[str, str | None]] | None = None
