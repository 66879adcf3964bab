"""Imports every model so that metadata (and Alembic) sees all tables."""
from .auth.models import User  # noqa: F401
from .channels.models import ChannelAccount, RejectedMessage  # noqa: F401
from .tickets.models import (  # noqa: F401
    BusinessCalendar,
    Contact,
    ContactIdentity,
    Message,
    SentimentCorrection,
    SlaPolicy,
    Ticket,
    TicketEvent,
)
from .tickets.attachments import MessageAttachment  # noqa: F401
from .contacts.models import ContactMerge  # noqa: F401
from .tickets.sla_models import AppSetting, Notification, SlaBreach, SlaPolicyChange  # noqa: F401
from .voice.surveys.models import SurveyInvitation, SurveyResponse, SurveySetting  # noqa: F401
from .tickets import sla_sync  # noqa: F401,E402  (keeps due times in step with recorded events)
from .tickets import search_index  # noqa: F401,E402  (open tickets' search documents, kept in step on flush)
from .tickets import counts  # noqa: F401,E402  (inbox tab counts dropped from the cache when tickets change)
