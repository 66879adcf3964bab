"""The inbox list: view tabs with counts, filters, search, keyset pages, and the rows fragment for live refresh."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import current_app, render_template, request
from flask_login import login_required

from ..tickets.queries import FILTER_VIEWS, VIEWS, ListCursor, TicketFilter, list_tickets, view_counts
from . import bp


@bp.get("/")
@login_required
def inbox():
    view = request.args.get("view", "open")
    if view not in VIEWS and view not in FILTER_VIEWS:
        view = "open"
    after = ListCursor.decode(request.args.get("after"))
    filters = TicketFilter.from_args(request.args, ZoneInfo(current_app.config["INBOX_TIMEZONE"]))
    tickets, next_cursor = list_tickets(view, after, filters=filters)
    return render_template(
        "inbox.html",
        tickets=tickets,
        view=view,
        views=VIEWS,
        title=VIEWS.get(view) or FILTER_VIEWS[view],
        filter_args={k: request.args[k] for k in ("channel", "assignee", "week") if request.args.get(k)} if filters.active else {},
        counts=view_counts(),
        next_cursor=next_cursor.encode() if next_cursor else None,
    )
