"""The audit page (admins): who did what, when and from where, newest first, filtered."""
from __future__ import annotations

from flask import render_template, request, url_for
from sqlalchemy import select

from ..audit import ACTIONS
from ..audit.queries import AuditFilter, audit_page
from ..auth.models import User
from ..auth.roles import role_required
from ..config import workspace_zone
from ..extensions import db
from ..security.params import parse_id
from .blueprint import bp


@bp.get("/admin/audit")
@role_required("admin")
def audit_log():
    filters = AuditFilter.from_args(request.args)
    before = parse_id(request.args.get("before"))
    entries, next_before = audit_page(filters, workspace_zone(), before)
    carried = dict(filters.args)
    users = list(db.session.execute(select(User.id, User.name).order_by(User.name)))
    return render_template(
        "admin_audit.html", entries=entries, filters=filters, actions=ACTIONS, users=users,
        next_url=url_for("web.audit_log", before=next_before, **carried) if next_before else None,
        first_url=url_for("web.audit_log", **carried) if before else None,
    )
