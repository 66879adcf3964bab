"""Admins' webhook subscriptions: add, change, rotate the secret, remove, and redeliver one delivery."""
from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import select, update

from ..audit import record
from ..auth.models import User
from ..extensions import db
from ..security.outbound import OutboundRefused, check_url, current_allowlist
from ..timeutil import utcnow
from ..translatable import N_
from .dispatch import cancel_delivery, queue_delivery
from .events import EVENT_TYPES
from .models import WebhookDelivery, WebhookSubscription
from .signing import new_secret

MAX_URL_CHARS = 2000
MAX_SUBSCRIPTIONS = 50


class WebhookError(ValueError):
    pass


def check_target(url: str, what: str = N_("the URL")) -> str:
    """The URL as it will be stored, or WebhookError: http(s) only, and not an address inside the network
    unless the admin's outbound allow-list names it (its DNS answer is checked again at each delivery).
    `what` is how the refusal names the URL ("the webhook URL" on the SLA page)."""
    url = (url or "").strip()
    if not url:
        raise WebhookError(N_("give the URL to post to"))
    if len(url) > MAX_URL_CHARS:
        raise WebhookError(N_("%(what)s can have at most %(limit)s characters", what=what, limit=MAX_URL_CHARS))
    try:
        check_url(url, current_allowlist(), resolve=None)
    except OutboundRefused as exc:
        raise WebhookError(N_("%(what)s is refused: %(reason)s", what=what, reason=exc)) from None
    return url


def check_events(events: list[str]) -> list[str]:
    chosen = [e for e in EVENT_TYPES if e in set(events)]
    unknown = sorted(set(events) - set(EVENT_TYPES))
    if unknown:
        raise WebhookError(N_("unknown event type %(event)s", event=repr(unknown[0][:40])))
    if not chosen:
        raise WebhookError(N_("choose at least one event"))
    return chosen


def _name(raw: str) -> str:
    name = " ".join((raw or "").split())[:120]
    if not name:
        raise WebhookError(N_("give the subscription a name"))
    return name


def create_subscription(name: str, url: str, events: list[str], by: User | None) -> WebhookSubscription:
    if db.session.scalar(select(db.func.count()).select_from(WebhookSubscription)) >= MAX_SUBSCRIPTIONS:
        raise WebhookError(N_("at most %(limit)s subscriptions", limit=MAX_SUBSCRIPTIONS))
    subscription = WebhookSubscription(name=_name(name), url=check_target(url), events=check_events(events), secret=new_secret(),
                                       active=True, created_by_id=by.id if by else None, created_at=utcnow(), updated_at=utcnow())
    db.session.add(subscription)
    db.session.flush()
    # the host only: a webhook URL often carries a token in its path
    record("webhook_changed", by, ("webhook_subscriptions", subscription.id, subscription.name),
           {"change": "created", "host": urlsplit(subscription.url).hostname, "events": subscription.events})
    db.session.commit()
    return subscription


def update_subscription(subscription: WebhookSubscription, name: str, url: str, events: list[str], active: bool,
                        by: User | None) -> None:
    before = (subscription.url, list(subscription.events), subscription.active)
    subscription.name, subscription.url = _name(name), check_target(url)
    subscription.events, subscription.active = check_events(events), active
    record("webhook_changed", by, ("webhook_subscriptions", subscription.id, subscription.name),
           {"change": "updated", "from_host": urlsplit(before[0]).hostname, "host": urlsplit(subscription.url).hostname,
            "events": subscription.events, "active": active})
    db.session.commit()


def rotate_secret(subscription: WebhookSubscription, by: User | None) -> str:
    subscription.secret = new_secret()
    record("webhook_changed", by, ("webhook_subscriptions", subscription.id, subscription.name), {"change": "secret rotated"})
    db.session.commit()
    return subscription.secret


def delete_subscription(subscription: WebhookSubscription, by: User | None) -> None:
    record("webhook_changed", by, ("webhook_subscriptions", subscription.id, subscription.name), {"change": "removed"})
    db.session.delete(subscription)
    db.session.commit()


def redeliver(delivery: WebhookDelivery, by: User | None) -> WebhookDelivery:
    """The same event (id and payload) sent again as a new delivery with its own attempts, to the
    subscription's current URL and secret. An original still waiting for a retry is replaced: its
    retry is called off (state "replaced"), so the receiver gets the event once from here on."""
    if not delivery.subscription.active:
        raise WebhookError(N_("the subscription is turned off; turn it on to redeliver"))
    again = WebhookDelivery(subscription_id=delivery.subscription_id, event_id=delivery.event_id, event_type=delivery.event_type,
                            ticket_id=delivery.ticket_id,
                            payload=delivery.payload, state="pending", attempts=0, created_at=utcnow(), history=[])
    db.session.add(again)
    db.session.flush()
    # one conditional UPDATE: a delivery job that wakes now finds the row replaced and sends nothing
    replaced = db.session.execute(update(WebhookDelivery).where(WebhookDelivery.id == delivery.id,
                                                                WebhookDelivery.state.in_(("pending", "retrying")))
                                  .values(state="replaced", next_attempt_at=None,
                                          error=f"replaced by delivery #{again.id} (redelivered)")
                                  .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    if replaced:
        cancel_delivery(delivery.id)
        db.session.refresh(delivery)
    queue_delivery(again.id)
    return again


def recent_deliveries(subscription_id: int, limit: int = 100) -> list[WebhookDelivery]:
    return list(db.session.scalars(select(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription_id)
                                   .order_by(WebhookDelivery.id.desc()).limit(limit)))
