"""The inbox list: view tabs with counts, filters, search, keyset pages, and the rows fragment for live refresh."""
from __future__ import annotations

import json
from typing import Any

from flask import (
    Response,
    make_response,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..auth.models import User
from ..channels import CHANNEL_TYPES
from ..config import workspace_zone
from ..extensions import db
from ..tickets.models import ENGAGEMENTS, PRIORITIES, SENTIMENT_LABELS, TICKET_STATUSES, Tag
from ..tickets.read.counts import view_counts
from ..tickets.read.queries import (
    DEFAULT_VIEW,
    FILTER_VIEWS,
    VIEWS,
    ListCursor,
    TicketFilter,
    list_tickets,
)
from ..tickets.read.snippets import opening_lines
from .blueprint import bp

FRAGMENT_HEADER = "X-Inbox-Fragment"
MAX_TAG_CHOICES = 200


@bp.get("/")
@login_required
def inbox() -> Response:
    view = request.args.get("view", DEFAULT_VIEW)
    if view not in VIEWS and view not in FILTER_VIEWS:
        view = DEFAULT_VIEW
    after = ListCursor.decode(request.args.get("after"))
    filters = TicketFilter.from_args(request.args, workspace_zone(), me=current_user.id)
    tickets, next_cursor = list_tickets(view, after, filters=filters, user_id=current_user.id)
    carried = dict(filters.args)
    next_url = url_for("web.inbox", view=view, after=next_cursor.encode(), **carried) if next_cursor else None
    counts = view_counts(current_user.id)
    context: dict[str, Any] = {"tickets": tickets, "view": view, "filters": filters, "snippets": opening_lines(tickets)}
    status = 400 if filters.search_refused else 200
    if request.headers.get(FRAGMENT_HEADER) == "rows":
        response = make_response(render_template("_ticket_rows.html", **context), status)
        # what the live script needs to keep the rest of the page in step without a second request
        response.headers["X-Inbox-Next"] = next_url or ""
        response.headers["X-Inbox-Counts"] = json.dumps(counts, separators=(",", ":"))
    else:
        response = make_response(render_template(
            "inbox.html",
            **context,
            views=VIEWS,
            title=VIEWS.get(view) or FILTER_VIEWS[view],
            counts=counts,
            carried=carried,
            next_url=next_url,
            first_url=url_for("web.inbox", view=view, **carried) if after else None,
            # where the bulk form returns to: this page, rebuilt from what was accepted (never the raw query)
            here=url_for("web.inbox", view=view, after=after.encode() if after else None, **carried),
            choices=(choices := _choices()),
            assignable=_assignable(choices["users"]),
        ), status)
    response.headers["Vary"] = FRAGMENT_HEADER
    return response


def _choices() -> dict[str, Any]:
    tags = list(db.session.scalars(select(Tag.name).order_by(Tag.name).limit(MAX_TAG_CHOICES)))
    users = list(db.session.execute(select(User.id, User.name).where(User.active.is_(True)).order_by(User.name)))
    return {"channel": CHANNEL_TYPES, "status": TICKET_STATUSES, "sentiment": SENTIMENT_LABELS, "priority": PRIORITIES,
            "kind": ENGAGEMENTS, "tag": tags, "users": users}


def _assignable(users: list[Any]) -> list[tuple[str, str]]:
    """Bulk-assign targets: agents take tickets themselves; leads and admins give them to anyone."""
    targets = [("me", _("Me"))]
    if current_user.has_role("lead"):
        targets += [(str(uid), name) for uid, name in users if uid != current_user.id]
        targets.append(("none", _("Nobody (unassign)")))
    return targets
