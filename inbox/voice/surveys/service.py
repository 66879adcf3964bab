"""Survey invitations on resolution, signed links, answers and per-channel settings. Each call owns its transaction."""
from __future__ import annotations

import logging
from typing import Any

from flask import current_app
from flask_babel import force_locale, gettext
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ...channels import CHANNEL_TYPES
from ...connectors.base import connector_for
from ...contacts.language import customer_language
from ...extensions import db
from ...links import external_url
from ...tickets.models import Ticket
from ...tickets.signals import announce, survey_answered
from ...tickets.workspace.actions import ActionError
from ...tickets.workspace.replies import queue_reply
from ...timeutil import utcnow
from ...translatable import N_
from .models import EXTRA_QUESTIONS, SurveyInvitation, SurveyResponse, SurveySetting
from .scores import SCALES

log = logging.getLogger(__name__)

TOKEN_SALT = "inbox.survey"
TOKEN_MAX_AGE = 60 * 60 * 24 * 60  # a customer may answer for 60 days


class SurveyError(ValueError):
    pass


class AlreadyAnswered(SurveyError):
    pass


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=TOKEN_SALT)


def survey_token(invitation: SurveyInvitation) -> str:
    """Signed (not stored): the ticket page can show the link again at any time."""
    return _serializer().dumps(invitation.id)


def invitation_for_token(token: str) -> SurveyInvitation | None:
    """None for a tampered, expired or unknown token; the page says so without telling which."""
    try:
        invitation_id = _serializer().loads(token, max_age=TOKEN_MAX_AGE)
    except BadSignature:  # SignatureExpired is a BadSignature
        return None
    if not isinstance(invitation_id, int):
        return None
    return db.session.get(SurveyInvitation, invitation_id)


def survey_url(invitation: SurveyInvitation) -> str | None:
    """On INBOX_PUBLIC_URL: the customer follows it from outside, whoever sent it."""
    return external_url("voice.survey", token=survey_token(invitation))


def setting_for(channel: str) -> SurveySetting | None:
    return db.session.scalar(select(SurveySetting).where(SurveySetting.channel == channel))


def invite_after_resolution(ticket: Ticket, by: Any) -> SurveyInvitation | None:
    """Create the ticket's survey invitation if its channel asks for one, and post it as a reply
    where the channel can take one. A ticket is surveyed once, however often it is resolved."""
    setting = setting_for(ticket.channel)
    if setting is None or not setting.enabled:
        return None
    if db.session.scalar(select(SurveyInvitation.id).where(SurveyInvitation.ticket_id == ticket.id)) is not None:
        return None
    invitation = SurveyInvitation(ticket_id=ticket.id, channel=ticket.channel, extra_question=setting.extra_question)
    db.session.add(invitation)
    try:
        db.session.commit()
    except IntegrityError:  # resolved twice at the same moment: the other request made it
        db.session.rollback()
        return None
    if setting.send_as_reply:
        _send_as_reply(invitation, ticket, by)
    return invitation


def channel_can_reply(ticket: Ticket) -> bool:
    """Only accounts that send (X, email; not a receive-only JSONL import) can post the survey."""
    try:
        return connector_for(ticket.account).can_reply()
    except KeyError:
        return False


def ticket_language(ticket: Ticket) -> str:
    """The language the customer of `ticket` writes in (their latest message that tells one)."""
    inbound = [m for m in ticket.messages if m.direction == "inbound"]
    return customer_language((m.lang, m.text) for m in sorted(inbound, key=lambda m: m.sent_at, reverse=True))


def invitation_language(invitation: SurveyInvitation) -> str:
    ticket = db.session.get(Ticket, invitation.ticket_id)
    return ticket_language(ticket) if ticket is not None else "en"


def team_name() -> str:
    return current_app.config.get("INBOX_TEAM_NAME") or ""


def invitation_text(url: str, language: str, team: str) -> str:
    """The invitation as the customer reads it: in their language, with the team's name when there is one."""
    with force_locale(language):
        if team:
            return gettext("Thanks for contacting %(team)s! How did we do? One tap: %(url)s", team=team, url=url)
        return gettext("Thanks for contacting us! How did we do? One tap: %(url)s", url=url)


def _send_as_reply(invitation: SurveyInvitation, ticket: Ticket, by: Any) -> None:
    url = survey_url(invitation)
    if url is None or not channel_can_reply(ticket):
        return
    try:
        text = invitation_text(url, ticket_language(ticket), team_name())
        message = queue_reply(ticket, by, text, purpose="survey")
    except ActionError as exc:  # the network cannot take it (length, channel without replies): link only
        log.info("survey for ticket %s not sent as a reply: %s", ticket.id, exc)
        return
    invitation.sent_via, invitation.reply_message_id = "reply", message.id
    db.session.commit()


def answer_problem(invitation: SurveyInvitation, csat: Any, extra: Any) -> tuple[int, int | None] | str:
    """Parsed (csat, extra score) or what is wrong with the answer; pure."""
    def parse(value: Any, scale: str) -> int | None:
        low, high = SCALES[scale]
        try:
            number = int(value)
        except (TypeError, ValueError):
            return None
        return number if low <= number <= high else None

    score = parse(csat, "csat")
    if score is None:
        return gettext("Please choose a rating from 1 to 5.")
    extra_score = None
    if invitation.extra_question and extra not in (None, ""):
        extra_score = parse(extra, invitation.extra_question)
        if extra_score is None:
            low, high = SCALES[invitation.extra_question]
            return gettext("Please choose a number from %(low)s to %(high)s for the second question, or leave it out.",
                           low=low, high=high)
    return score, extra_score


def answer_survey(invitation: SurveyInvitation, csat: Any, extra: Any = None) -> SurveyResponse:
    parsed = answer_problem(invitation, csat, extra)
    if isinstance(parsed, str):
        raise SurveyError(parsed)
    score, extra_score = parsed
    response = SurveyResponse(invitation_id=invitation.id, ticket_id=invitation.ticket_id, channel=invitation.channel,
                              csat=score, extra_question=invitation.extra_question if extra_score is not None else "",
                              extra_score=extra_score)
    db.session.add(response)
    try:
        db.session.flush()
        announce(db.session, survey_answered, response.ticket_id, {
            "response_id": response.id, "csat": response.csat, "extra_question": response.extra_question or None,
            "extra_score": response.extra_score}, response.answered_at or utcnow())
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise AlreadyAnswered(gettext("This survey has already been answered. Thank you!")) from None
    return response


def survey_settings() -> list[SurveySetting]:
    """One row per channel type, unsaved defaults (off) for channels never configured."""
    saved = {s.channel: s for s in db.session.scalars(select(SurveySetting))}
    return [saved.get(channel) or SurveySetting(channel=channel, enabled=False, extra_question="", send_as_reply=True)
            for channel in CHANNEL_TYPES]


def save_survey_settings(form: Any) -> None:
    for channel in CHANNEL_TYPES:
        extra = form.get(f"{channel}-extra", "")
        if extra not in EXTRA_QUESTIONS:
            raise SurveyError(N_("unknown extra question %(question)s", question=repr(extra)))
        setting = setting_for(channel) or SurveySetting(channel=channel)
        setting.enabled = form.get(f"{channel}-enabled") == "on"
        setting.extra_question = extra
        setting.send_as_reply = form.get(f"{channel}-reply") == "on"
        db.session.add(setting)
    db.session.commit()
