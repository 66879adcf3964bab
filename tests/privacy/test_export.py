"""A customer's data as a download: everything held about them, in JSON and CSV, audited."""
from __future__ import annotations

import csv
import io
import json
import zipfile

from sqlalchemy import select

from inbox.audit.models import AuditEntry
from inbox.extensions import db
from tests.privacy.conftest import AUTHOR_ID, HANDLE, NAME, TEXTS
from tests.workspace import login, user


def test_admin_downloads_everything_held_about_a_customer(app, client, customer):
    admin = user("admin", "Ann Admin")
    login(client, admin.email)
    found = client.get("/admin/privacy?q=quill_secret").data.decode()
    assert f"/admin/contacts/{customer.contact.id}/privacy" in found and "Bob" not in found
    assert "No customer matches" in client.get("/admin/privacy?q=nobody-like-this").data.decode()
    ticket_page = client.get(f"/tickets/{customer.open_ticket.id}").data.decode()
    assert f"/admin/contacts/{customer.contact.id}/privacy" in ticket_page
    response = client.get(f"/admin/contacts/{customer.contact.id}/export.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert f"customer-{customer.contact.id}-" in response.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert sorted(archive.namelist()) == ["contact.json", "messages.csv", "tickets.csv"]
    data = json.loads(archive.read("contact.json"))
    assert data["contact"]["display_name"] == NAME
    assert [(i["channel"], i["external_id"], i["handle"]) for i in data["identities"]] == [("x", AUTHOR_ID, HANDLE)]
    assert sorted(t["id"] for t in data["tickets"]) == sorted([customer.open_ticket.id, customer.resolved_ticket.id])
    texts = [m["text"] for m in data["messages"]]
    assert all(t in texts for t in TEXTS) and any(t.startswith(f"Hi {NAME}") for t in texts)  # the reply to them too
    assert any(m["raw"] for m in data["messages"]) and any(m["url"] for m in data["messages"])
    notes = [n["body"] for n in data["notes"]]
    assert any(HANDLE in n for n in notes) and any("Bob says he knows" in n for n in notes)
    assert [c["label"] for c in data["sentiment_corrections"]] == ["neutral"]
    assert [(a["ticket_id"], a["csat"]) for a in data["survey_answers"]] == [(customer.resolved_ticket.id, 2)]
    assert "router keeps dropping" not in json.dumps(data, ensure_ascii=False)  # nobody else's messages
    messages = list(csv.reader(io.StringIO(archive.read("messages.csv").decode("utf-8-sig"))))
    assert messages[0][:3] == ["message_id", "ticket_id", "sent_at"] and len(messages) == 1 + len(data["messages"])
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "contact_exported")).one()
    assert entry.actor_id == admin.id and entry.target_label == f"customer #{customer.contact.id}"
    assert NAME not in repr((entry.target_label, entry.details))
