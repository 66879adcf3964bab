"""The ticket page and everything an agent does to tickets (the rules live in inbox.tickets), and /healthz."""
from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import (
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from ..auth.models import User
from ..config import workspace_zone
from ..contacts.panel import customer_panel
from ..extensions import db
from ..health import run_checks
from ..labels import label
from ..security.params import parse_id
from ..timeutil import utcnow
from ..tickets.models import ENGAGEMENTS, PRIORITIES, Message, Ticket
from ..tickets.read.sla_words import explain
from ..tickets.read.thread import (
    customer_history,
    load_ticket,
    sla_clocks,
    ticket_thread,
)
from ..tickets.sla.outcomes import replay_ticket
from ..tickets.workspace.actions import (
    ActionError,
    NotAllowed,
    has_delivered_reply,
    mark_answered_outside,
    reopen_ticket,
    resolve_ticket,
    set_pending,
    set_priority,
)
from ..tickets.workspace.actions import correct_engagement
from ..tickets.workspace.actions import correct_sentiment as correct
from ..tickets.workspace.assignment import (
    assign_ticket,
    assignable_users,
    may_assign,
    take_ticket,
    unassign_ticket,
)
from ..tickets.workspace.bulk import bulk_apply, parse_ticket_ids, unanswered_among
from ..tickets.workspace.canned import active_canned, render_canned
from ..tickets.workspace.notes import add_note
from ..tickets.workspace.replies import channel_sends_replies, queue_reply, retry_reply
from ..tickets.workspace.tags import add_tags, known_tags, remove_tag
from .blueprint import bp
from .filters import TARGET_WORDS, local_time
from .i18n import error_text
from .next_url import safe_next


def _render_ticket(ticket_id: int, status: int = 200, **drafts: str) -> tuple[str, int]:
    ticket = load_ticket(ticket_id)
    if ticket is None:
        abort(404)
    earlier, earlier_total = customer_history(ticket)
    context: dict[str, Any] = {
        "ticket": ticket,
        "thread": ticket_thread(ticket, when=local_time),
        "earlier": earlier,
        "earlier_total": earlier_total,
        "clocks": sla_clocks(ticket),
        "clock_names": TARGET_WORDS,
        "canned": [(c, render_canned(c, ticket, current_user)) for c in active_canned()],
        "priorities": PRIORITIES,
        "engagements": ENGAGEMENTS,
        "known_tags": known_tags(),
        "users": assignable_users() if current_user.has_role("lead") else [],
        "can_take": ticket.assignee_id != current_user.id and may_assign(current_user, ticket, current_user),
        "can_unassign": ticket.assignee_id is not None and may_assign(current_user, ticket, None),
        "can_send": channel_sends_replies(ticket),
        **customer_panel(ticket),
    }
    return render_template("ticket.html", draft=drafts.get("draft", ""), note_draft=drafts.get("note_draft", ""), **context), status


def _ticket_or_404(ticket_id: int) -> Ticket:
    found = db.session.get(Ticket, ticket_id)
    if found is None:
        abort(404)
    return found


def _back(ticket_id: int, anchor: str = "") -> Response:
    """To the form's `next` (the list, when acting from there), else the ticket page."""
    return redirect(safe_next(request.form.get("next"), url_for("web.ticket", ticket_id=ticket_id) + anchor))


def _act(ticket_id: int, action: Any, success: str, anchor: str = "") -> Response:
    """Run one action: success or the reason it was refused as a flash, then back."""
    try:
        action(_ticket_or_404(ticket_id))
        flash(success, "success")
    except ActionError as exc:
        flash(error_text(exc), "error")
    return _back(ticket_id, anchor)


@bp.get("/tickets/<int:ticket_id>")
@login_required
def ticket(ticket_id: int):
    return _render_ticket(ticket_id)


@bp.post("/tickets/<int:ticket_id>/reply")
@login_required
def reply(ticket_id: int):
    text = request.form.get("text", "")
    try:
        queue_reply(_ticket_or_404(ticket_id), current_user, text)
        flash(_("Reply queued for sending."), "success")
    except ActionError as exc:
        flash(_("Reply not sent: %(reason)s", reason=error_text(exc)), "error")
        return _render_ticket(ticket_id, 422, draft=text)
    return redirect(url_for("web.ticket", ticket_id=ticket_id))


@bp.post("/tickets/<int:ticket_id>/notes")
@login_required
def add_ticket_note(ticket_id: int):
    body = request.form.get("body", "")
    try:
        note = add_note(_ticket_or_404(ticket_id), body, current_user)
    except ActionError as exc:
        flash(_("Note not added: %(reason)s", reason=error_text(exc)), "error")
        return _render_ticket(ticket_id, 422, note_draft=body)
    flash(_("Note added."), "success")
    return redirect(url_for("web.ticket", ticket_id=ticket_id) + f"#n{note.id}")


@bp.post("/tickets/<int:ticket_id>/resolve")
@login_required
def resolve(ticket_id: int):
    ticket = _ticket_or_404(ticket_id)
    if ticket.is_open and request.form.get("confirm") != "1" and not has_delivered_reply(ticket):
        # the customer got no answer: resolving now records the first response as missed, so ask first
        return render_template("resolve_confirm.html", ticket=ticket, next=request.form.get("next", "")), 200
    return _act(ticket_id, lambda t: resolve_ticket(t, current_user), _("Ticket #%(id)s resolved.", id=ticket_id))


@bp.get("/tickets/<int:ticket_id>/resolve")
@login_required
def resolve_reloaded(ticket_id: int):
    # the confirmation page is the answer to a POST: reloading or opening its address shows the ticket, unchanged
    _ticket_or_404(ticket_id)
    return redirect(url_for("web.ticket", ticket_id=ticket_id))


@bp.post("/messages/<int:message_id>/retry")
@login_required
def retry_message(message_id: int):
    message = db.session.get(Message, message_id)
    if message is None or message.ticket_id is None:
        abort(404)
    try:
        retry_reply(message, current_user)
        flash(_("Reply queued for sending again."), "success")
    except ActionError as exc:
        flash(error_text(exc), "error")
    return redirect(url_for("web.ticket", ticket_id=message.ticket_id) + f"#m{message.id}")


@bp.post("/tickets/<int:ticket_id>/answered-outside")
@login_required
def answered_outside(ticket_id: int):
    if "at" not in request.form:  # the composer of a receive-only channel: answered just now
        return _act(ticket_id, lambda t: mark_answered_outside(t, current_user, utcnow(), request.form.get("how", "")),
                    _("Recorded: the customer was answered outside Inbox."))
    raw = request.form.get("at", "").strip()
    try:
        local = datetime.fromisoformat(raw)
        zone = workspace_zone()
        at = (local if local.tzinfo else local.replace(tzinfo=zone)).astimezone(ZoneInfo("UTC"))
    except (ValueError, OverflowError):
        flash(_("Not recorded: give the date and time the customer was answered."), "error")
        return redirect(url_for("web.ticket", ticket_id=ticket_id))
    return _act(ticket_id, lambda t: mark_answered_outside(t, current_user, at, request.form.get("how", "")),
                _("Recorded: the customer was answered outside Inbox."))


@bp.post("/tickets/<int:ticket_id>/reopen")
@login_required
def reopen(ticket_id: int):
    return _act(ticket_id, lambda t: reopen_ticket(t, current_user), _("Ticket #%(id)s is open again.", id=ticket_id))


@bp.post("/tickets/<int:ticket_id>/take")
@login_required
def take(ticket_id: int):
    return _act(ticket_id, lambda t: take_ticket(t, current_user), _("Ticket #%(id)s is yours.", id=ticket_id))


@bp.post("/tickets/<int:ticket_id>/unassign")
@login_required
def unassign(ticket_id: int):
    return _act(ticket_id, lambda t: unassign_ticket(t, current_user), _("Ticket #%(id)s is unassigned.", id=ticket_id))


def _form_user(field: str) -> User | None:
    """The user a form names by id ("" or "none": nobody); an unknown id is a 404 like any missing row."""
    raw = request.form.get(field, "").strip()
    if raw in ("", "none"):
        return None
    user_id = parse_id(raw)
    if user_id is None:
        abort(400, description=_("“%(field)s” must be a user id.", field=field))
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.post("/tickets/<int:ticket_id>/assign")
@login_required
def assign(ticket_id: int):
    assignee = _form_user("assignee_id")
    ticket = _ticket_or_404(ticket_id)
    # checked here as well as in the service: reassigning is a lead's job, whatever the form says
    if not may_assign(current_user, ticket, assignee):
        abort(403)
    who = assignee.name if assignee is not None else _("nobody")
    return _act(ticket_id, lambda t: assign_ticket(t, assignee, current_user), _("Ticket #%(id)s assigned to %(name)s.", id=ticket_id, name=who))


@bp.post("/tickets/<int:ticket_id>/priority")
@login_required
def change_priority(ticket_id: int):
    priority = request.form.get("priority", "")
    return _act(ticket_id, lambda t: set_priority(t, priority, current_user), _("Priority set to %(priority)s.", priority=label("priority", priority)))


@bp.post("/tickets/<int:ticket_id>/kind")
@login_required
def change_engagement(ticket_id: int):
    kind = request.form.get("kind", "")
    return _act(ticket_id, lambda t: correct_engagement(t, kind, current_user),
                _("Kind set to %(kind)s; it will be used when the model is retrained.", kind=label("engagement", kind)))


@bp.post("/tickets/<int:ticket_id>/tags")
@login_required
def add_ticket_tags(ticket_id: int):
    try:
        added = add_tags(_ticket_or_404(ticket_id), request.form.get("tags", ""), current_user)
        flash(_("Tagged %(tags)s.", tags=", ".join(added)), "success")
    except ActionError as exc:
        flash(error_text(exc), "error")
    return _back(ticket_id)


@bp.post("/tickets/<int:ticket_id>/tags/remove")
@login_required
def remove_ticket_tag(ticket_id: int):
    name = request.form.get("tag", "")
    return _act(ticket_id, lambda t: remove_tag(t, name, current_user), _("Tag removed."))


@bp.post("/messages/<int:message_id>/sentiment")
@login_required
def correct_sentiment(message_id: int):
    message = db.session.get(Message, message_id)
    if message is None or message.ticket_id is None:
        abort(404)
    try:
        correct(message, request.form.get("label", ""), current_user)
        flash(_("Sentiment corrected; it will be used when the model is retrained."), "success")
    except ActionError as exc:
        flash(error_text(exc), "error")
    return redirect(url_for("web.ticket", ticket_id=message.ticket_id) + f"#m{message.id}")


@bp.post("/tickets/bulk")
@login_required
def bulk():
    back = safe_next(request.form.get("next"), url_for("web.inbox"))
    action = request.form.get("action", "")
    assignee_id = request.form.get("assignee_id")
    if action == "assign" and not current_user.has_role("lead") and (assignee_id or "").strip() not in ("me", str(current_user.id), "none"):
        abort(403)
    try:
        ids = parse_ticket_ids(request.form.getlist("ticket_ids"))
        if action == "resolve" and request.form.get("confirm") != "1":
            unanswered = unanswered_among(ids)
            if unanswered:
                return render_template("bulk_resolve_confirm.html", ids=ids, unanswered=unanswered, back=back), 200
        result = bulk_apply(action, ids, current_user, assignee_id=assignee_id, tag=request.form.get("tag"))
    except NotAllowed:
        abort(403)
    except ActionError as exc:
        flash(_("Nothing changed: %(reason)s", reason=error_text(exc)), "error")
        return redirect(back)
    flash(result.summary(), "success" if result.done else "error")
    return redirect(back)


@bp.get("/healthz")
def healthz():
    """For load balancers and operators: 200 when the database and Redis answer, 503 otherwise; the
    body also says whether Redis persists its data, how many workers run and how many jobs failed."""
    report = run_checks()
    healthy = report.level_of("database") == "ok" and report.level_of("redis") == "ok"
    body = {"status": "ok" if healthy else "unhealthy", "database": report.level_of("database"),
            "redis": report.level_of("redis"), "checks": {c.name: {"state": c.level, "detail": c.detail} for c in report.checks},
            **report.facts}
    return jsonify(body), (200 if healthy else 503)


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico whatever the page links; the icon is the SVG in static/."""
    return redirect(url_for("static", filename="favicon.svg"), 301)


@bp.app_template_global()
def sla_history(ticket: Ticket) -> list[str]:
    """The ticket's clocks replayed from its events, as sentences ("First response due …, answered …: met")."""
    return [explain(clock, workspace_zone(), when=local_time) for clock in replay_ticket(ticket).clocks]


@bp.post("/tickets/<int:ticket_id>/pending")
@login_required
def pending(ticket_id: int):
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None:
        abort(404)
    try:
        set_pending(ticket, current_user)
        flash(_("Ticket #%(id)s is waiting on the customer; its clocks are paused.", id=ticket_id), "success")
    except ActionError as exc:
        flash(error_text(exc), "error")
    return redirect(url_for("web.ticket", ticket_id=ticket_id))
