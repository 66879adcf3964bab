"""Survey settings per channel, invitations (one per ticket) and answers (one per ticket)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ...extensions import db
from ...timeutil import UtcDateTime, utcnow

EXTRA_QUESTIONS = ("", "nps", "ces")


class SurveySetting(db.Model):
    """Whether tickets of one channel type get a survey when resolved, and how."""

    __tablename__ = "survey_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), unique=True)
    enabled: Mapped[bool] = mapped_column(default=False)
    # "" (CSAT only), "nps" or "ces": asked after CSAT on the same page
    extra_question: Mapped[str] = mapped_column(String(8), default="")
    # post the link as a reply on the ticket's own thread; otherwise agents share the link themselves
    send_as_reply: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class SurveyInvitation(db.Model):
    __tablename__ = "survey_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    extra_question: Mapped[str] = mapped_column(String(8), default="")
    # "reply" once the link went out as a reply, "link" when it is only shown on the ticket page
    sent_via: Mapped[str] = mapped_column(String(8), default="link")
    reply_message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)

    ticket = relationship("Ticket")
    response: Mapped["SurveyResponse | None"] = relationship(back_populates="invitation", uselist=False)


class SurveyResponse(db.Model):
    __tablename__ = "survey_responses"
    # the database, not the page, guarantees one answer per ticket (two taps, two tabs, a replay)
    __table_args__ = (UniqueConstraint("ticket_id", name="uq_survey_response_ticket"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("survey_invitations.id"))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    channel: Mapped[str] = mapped_column(String(16))
    csat: Mapped[int] = mapped_column()
    extra_question: Mapped[str] = mapped_column(String(8), default="")
    extra_score: Mapped[int | None] = mapped_column(nullable=True)
    answered_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)

    invitation: Mapped[SurveyInvitation] = relationship(back_populates="response")
