"""Admin pages for one customer's personal data (export, erase) and the security settings."""
from __future__ import annotations

import os

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ..audit import record_now
from ..auth.roles import role_required
from ..auth.security_settings import SettingError, allowlist_text, save_allowlist
from ..extensions import db
from ..privacy.archive import contact_archive, summary
from ..privacy.contacts import contact_rows, find_contacts
from ..privacy.erase import erase_contact
from ..security.outbound import ALLOWLIST_ENV
from ..tickets.models import Contact
from .blueprint import bp
from .i18n import error_text

ERASE_WORD = "erase"


def _contact_or_404(contact_id: int) -> Contact:
    contact = db.session.get(Contact, contact_id)
    if contact is None:
        abort(404)
    return contact


@bp.get("/admin/privacy")
@role_required("admin")
def privacy_search():
    query = request.args.get("q", "")[:200]
    return render_template("privacy_search.html", q=query, found=find_contacts(query) if query.strip() else None)


@bp.get("/admin/contacts/<int:contact_id>/privacy")
@role_required("admin")
def contact_privacy(contact_id: int):
    contact = _contact_or_404(contact_id)
    rows = contact_rows(contact)
    return render_template("contact_privacy.html", contact=contact, rows=rows, counts=summary(rows), erase_word=ERASE_WORD,
                           retention_days=current_app.config.get("RETENTION_DAYS") or None)


@bp.get("/admin/contacts/<int:contact_id>/export.zip")
@role_required("admin")
def contact_export(contact_id: int):
    contact = _contact_or_404(contact_id)
    name, data = contact_archive(contact)
    record_now("contact_exported", current_user, contact, {"bytes": len(data)})
    return Response(data, mimetype="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


@bp.post("/admin/contacts/<int:contact_id>/erase")
@role_required("admin")
def contact_erase(contact_id: int):
    contact = _contact_or_404(contact_id)
    if request.form.get("confirm", "").strip().lower() != ERASE_WORD:
        flash(_("Nothing erased: type “%(word)s” to confirm.", word=ERASE_WORD), "error")
        return redirect(url_for("web.contact_privacy", contact_id=contact_id))
    result = erase_contact(contact, current_user)
    flash(_("Customer #%(id)s erased: %(messages)s, %(tickets)s, %(accounts)s.", id=contact_id,
            messages=ngettext("%(num)s message", "%(num)s messages", result.messages),
            tickets=ngettext("%(num)s ticket", "%(num)s tickets", result.tickets),
            accounts=ngettext("%(num)s account", "%(num)s accounts", result.identities)), "success")
    return render_template("contact_erased.html", contact=contact, result=result)


@bp.route("/admin/security", methods=["GET", "POST"])
@role_required("admin")
def security_settings():
    text = allowlist_text()
    if request.method == "POST":
        text = request.form.get("allowlist", "")[:10_000]
        try:
            save_allowlist(text, current_user)
            flash(_("Outbound allow-list saved."), "success")
            return redirect(url_for("web.security_settings"))
        except SettingError as exc:
            flash(_("Not saved: %(reason)s", reason=error_text(exc)), "error")
            return render_template("security_settings.html", allowlist=text, env_allow=os.environ.get(ALLOWLIST_ENV, ""),
                                   retention_days=current_app.config.get("RETENTION_DAYS") or None), 422
    return render_template("security_settings.html", allowlist=text, env_allow=os.environ.get(ALLOWLIST_ENV, ""),
                           retention_days=current_app.config.get("RETENTION_DAYS") or None)
