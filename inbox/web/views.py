from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import text

from ..extensions import db
from ..queue import get_redis
from ..tickets.actions import ActionError, reopen_ticket, resolve_ticket
from ..tickets.models import Ticket
from ..tickets.replies import queue_reply
from ..tickets.queries import earlier_tickets, ticket_page
from . import bp


@bp.get("/tickets/<int:ticket_id>")
@login_required
def ticket(ticket_id: int):
    found = ticket_page(ticket_id)
    if found is None:
        abort(404)
    return render_template("ticket.html", ticket=found, earlier=earlier_tickets(found))


def _ticket_or_404(ticket_id: int) -> Ticket:
    found = db.session.get(Ticket, ticket_id)
    if found is None:
        abort(404)
    return found


@bp.post("/tickets/<int:ticket_id>/reply")
@login_required
def reply(ticket_id: int):
    text = request.form.get("text", "")
    try:
        queue_reply(_ticket_or_404(ticket_id), current_user, text)
        flash("Reply queued for sending.", "success")
    except ActionError as exc:
        flash(f"Reply not sent: {exc}", "error")
        found = ticket_page(ticket_id)
        return render_template("ticket.html", ticket=found, earlier=earlier_tickets(found), draft=text), 422
    return redirect(url_for("web.ticket", ticket_id=ticket_id))


@bp.post("/tickets/<int:ticket_id>/resolve")
@login_required
def resolve(ticket_id: int):
    try:
        resolve_ticket(_ticket_or_404(ticket_id), current_user)
        flash(f"Ticket #{ticket_id} resolved.", "success")
    except ActionError as exc:
        flash(str(exc), "error")
    return redirect(url_for("web.ticket", ticket_id=ticket_id))


@bp.post("/tickets/<int:ticket_id>/reopen")
@login_required
def reopen(ticket_id: int):
    try:
        reopen_ticket(_ticket_or_404(ticket_id), current_user)
        flash(f"Ticket #{ticket_id} reopened.", "success")
    except ActionError as exc:
        flash(str(exc), "error")
    return redirect(url_for("web.ticket", ticket_id=ticket_id))


@bp.get("/healthz")
def healthz():
    """Reachability of the database and Redis, for load balancers and `make run`."""
    checks: dict[str, str] = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # any failure means unhealthy; the reason helps the operator
        db.session.rollback()
        checks["database"] = f"error: {type(exc).__name__}"
    try:
        get_redis().ping()
        checks["redis"] = "ok"
    except Exception as exc:
        checks["redis"] = f"error: {type(exc).__name__}"
    healthy = all(v == "ok" for v in checks.values())
    return jsonify(status="ok" if healthy else "unhealthy", **checks), (200 if healthy else 503)


@bp.post("/messages/<int:message_id>/sentiment")
@login_required
def correct_sentiment(message_id: int):
    from ..tickets.actions import correct_sentiment as correct
    from ..tickets.models import Message

    message = db.session.get(Message, message_id)
    if message is None or message.ticket_id is None:
        abort(404)
    try:
        correct(message, request.form.get("label", ""), current_user)
        flash("Sentiment corrected; it will be used when the model is retrained.", "success")
    except ActionError as exc:
        flash(str(exc), "error")
    return redirect(url_for("web.ticket", ticket_id=message.ticket_id) + f"#m{message.id}")
