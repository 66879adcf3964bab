"""Imports every model so that metadata (and Alembic) sees all tables."""
from .api.models import ApiToken  # noqa: F401
from .app_settings import AppSetting  # noqa: F401
from .audit.models import AuditEntry  # noqa: F401
from .auth.models import User  # noqa: F401
from .automation.models import AutomationRule  # noqa: F401
from .channels.models import ChannelAccount, RejectedMessage  # noqa: F401
from .contacts.models import ContactMerge  # noqa: F401
from .notifications.models import Notification  # noqa: F401
from .tickets.attachments import MessageAttachment  # noqa: F401
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
from .tickets.read.search_index import OpenTicketSearch  # noqa: F401
from .tickets.sla.models import SlaBreach, SlaOutcome, SlaPolicyChange, SlaWarning  # noqa: F401
from .voice.files import StoredExport  # noqa: F401
from .voice.surveys.models import SurveyInvitation, SurveyResponse, SurveySetting  # noqa: F401
from .webhooks.models import WebhookDelivery, WebhookSubscription  # noqa: F401
