"""The SLA page's breach webhook field: a shortcut to the one "sla.breached" subscription it manages."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select

from ..audit import record
from ..auth.models import User
from ..extensions import db
from ..tickets.sla.models import SlaPolicyChange
from ..timeutil import utcnow
from ..translatable import N_
from .models import WebhookSubscription
from .service import WebhookError, check_target, create_subscription

BREACH_WEBHOOK_NAME = "SLA breach webhook"


def breach_webhook() -> Any:
    """The subscription the SLA page's breach webhook field edits (one of the webhook subscriptions)."""
    return db.session.scalar(select(WebhookSubscription).where(WebhookSubscription.name == BREACH_WEBHOOK_NAME)
                             .order_by(WebhookSubscription.id))


def set_webhook_url(url: str, by: User) -> None:
    """A URL creates or changes the "sla.breached" subscription, empty turns it off; recorded in the SLA
    change log and the audit log. Raises WebhookError for an address that is refused."""
    url = url.strip()
    if url and not url.startswith(("http://", "https://")):
        raise WebhookError(N_("the webhook URL must start with http:// or https://"))
    if url:
        url = check_target(url, N_("the webhook URL"))
    current = breach_webhook()
    before = current.url if current is not None and current.active else ""
    if before == url:
        return
    db.session.add(SlaPolicyChange(changed_by_id=by.id, changed_at=utcnow(), changes={"sla_webhook_url": [before, url]}))
    # hosts only: a webhook URL often carries its secret in the path
    record("sla_webhook_changed", by, ("webhook_subscriptions", current.id if current else None, BREACH_WEBHOOK_NAME),
           {"from_host": urlsplit(before).hostname, "to_host": urlsplit(url).hostname})
    if current is None:
        create_subscription(BREACH_WEBHOOK_NAME, url, ["sla.breached"], by)
        return
    if url:
        current.url, current.active = url, True
        if "sla.breached" not in current.events:
            current.events = [*current.events, "sla.breached"]
    else:
        current.active = False
    db.session.commit()
