"""Admin → Webhooks: subscriptions per event type, their signing secret, the delivery log and redelivery."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.roles import role_required
from ..auth.security_settings import allowlist_text
from ..extensions import db
from ..webhooks.events import EVENT_TYPES
from ..webhooks.models import WebhookDelivery, WebhookSubscription
from ..webhooks.service import (
    WebhookError,
    create_subscription,
    delete_subscription,
    recent_deliveries,
    redeliver,
    rotate_secret,
    update_subscription,
)
from .blueprint import bp
from .i18n import error_text


def _subscription_or_404(subscription_id: int) -> WebhookSubscription:
    found = db.session.get(WebhookSubscription, subscription_id)
    if found is None:
        abort(404)
    return found


def _list(form: dict | None = None, status: int = 200):  # type: ignore[no-untyped-def]
    rows = list(db.session.scalars(db.select(WebhookSubscription).order_by(WebhookSubscription.id)))
    return render_template("admin/webhooks.html", subscriptions=rows, event_types=EVENT_TYPES, form=form or {},
                           allowlist=allowlist_text()), status


@bp.get("/admin/webhooks")
@role_required("admin")
def admin_webhooks():
    return _list()


@bp.post("/admin/webhooks")
@role_required("admin")
def admin_webhook_create():
    form = {"name": request.form.get("name", ""), "url": request.form.get("url", ""), "events": request.form.getlist("events")}
    try:
        subscription = create_subscription(form["name"], form["url"], form["events"], current_user)
    except WebhookError as exc:
        flash(_("Not added: %(reason)s", reason=error_text(exc)), "error")
        return _list(form, 422)
    flash(_("Subscription added. Give its signing secret to the receiving side."), "success")
    return redirect(url_for("web.admin_webhook", subscription_id=subscription.id))


@bp.get("/admin/webhooks/<int:subscription_id>")
@role_required("admin")
def admin_webhook(subscription_id: int):
    subscription = _subscription_or_404(subscription_id)
    return render_template("admin/webhook.html", subscription=subscription, event_types=EVENT_TYPES,
                           deliveries=recent_deliveries(subscription.id))


@bp.post("/admin/webhooks/<int:subscription_id>")
@role_required("admin")
def admin_webhook_update(subscription_id: int):
    subscription = _subscription_or_404(subscription_id)
    try:
        update_subscription(subscription, request.form.get("name", ""), request.form.get("url", ""),
                            request.form.getlist("events"), request.form.get("active") == "1", current_user)
        flash(_("Subscription saved."), "success")
    except WebhookError as exc:
        db.session.rollback()
        flash(_("Not saved: %(reason)s", reason=error_text(exc)), "error")
    return redirect(url_for("web.admin_webhook", subscription_id=subscription_id))


@bp.post("/admin/webhooks/<int:subscription_id>/secret")
@role_required("admin")
def admin_webhook_secret(subscription_id: int):
    rotate_secret(_subscription_or_404(subscription_id), current_user)
    flash(_("New signing secret made; deliveries from now on are signed with it."), "success")
    return redirect(url_for("web.admin_webhook", subscription_id=subscription_id))


@bp.post("/admin/webhooks/<int:subscription_id>/delete")
@role_required("admin")
def admin_webhook_delete(subscription_id: int):
    delete_subscription(_subscription_or_404(subscription_id), current_user)
    flash(_("Subscription removed."), "success")
    return redirect(url_for("web.admin_webhooks"))


@bp.post("/admin/webhook-deliveries/<int:delivery_id>/redeliver")
@role_required("admin")
def admin_webhook_redeliver(delivery_id: int):
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        abort(404)
    try:
        again = redeliver(delivery, current_user)
        flash(_("Event %(event)s queued for delivery again (delivery #%(id)s).", event=delivery.event_id, id=again.id),
              "success")
    except WebhookError as exc:
        flash(error_text(exc), "error")
    return redirect(url_for("web.admin_webhook", subscription_id=delivery.subscription_id))
