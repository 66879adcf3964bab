"""Merging two contacts from the customer panel, and undoing a merge."""
from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from ..contacts.merge import MergeError, merge_contacts, undo_merge
from ..security.params import parse_id
from .blueprint import bp
from .i18n import error_text


def _back():
    ticket_id = parse_id(request.form.get("ticket_id"))
    target = url_for("web.ticket", ticket_id=ticket_id) + "#h-customer" if ticket_id is not None else url_for("web.inbox")
    return redirect(target)


@bp.post("/contacts/<int:contact_id>/merge")
@login_required
def merge_contact(contact_id: int):
    other = parse_id(request.form.get("other_id"))
    if other is None:
        flash(_("Choose the contact to merge."), "error")
        return _back()
    try:
        record = merge_contacts(other, contact_id, current_user, request.form.get("reason", "")[:200])
    except MergeError as exc:
        flash(error_text(exc), "error")
        return _back()
    moved = ngettext("%(num)s account", "%(num)s accounts", len(record.identity_ids))
    tickets = ngettext("%(num)s ticket", "%(num)s tickets", len(record.ticket_ids))
    flash(_("Merged %(name)s: %(accounts)s and %(tickets)s moved. You can undo this on the customer panel.",
            name=record.source_name, accounts=moved, tickets=tickets), "success")
    return _back()


@bp.post("/contact-merges/<int:merge_id>/undo")
@login_required
def undo_contact_merge(merge_id: int):
    try:
        record = undo_merge(merge_id, current_user)
    except MergeError as exc:
        flash(error_text(exc), "error")
        return _back()
    flash(_("Merge undone: %(name)s is a separate contact again.", name=record.source_name), "success")
    return _back()
