"""Everything held about one customer, as a download: a zip with one JSON file (all of it) and CSV
files of their messages and tickets for a spreadsheet. What GDPR Art. 15/20 and APPI Art. 33 ask."""
from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import datetime
from typing import Any

from sqlalchemy import select

from ..csvsafe import safe_row
from ..extensions import db
from ..tickets.models import Contact, SentimentCorrection, TicketEvent
from ..timeutil import utcnow
from ..voice.surveys.models import SurveyInvitation, SurveyResponse
from .contacts import ContactRows, contact_rows

MESSAGE_COLUMNS = ["message_id", "ticket_id", "sent_at", "direction", "kind", "author_handle", "author_name", "text",
                   "language", "url", "sentiment"]
TICKET_COLUMNS = ["ticket_id", "channel", "status", "priority", "subject", "opened_at", "first_response_at", "resolved_at",
                  "tags"]


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def contact_data(contact: Contact) -> dict[str, Any]:
    """The archive's JSON document."""
    rows = contact_rows(contact)
    message_ids = [m.id for m in rows.messages]
    corrections = list(db.session.scalars(select(SentimentCorrection).where(SentimentCorrection.message_id.in_(message_ids))
                                          .order_by(SentimentCorrection.id))) if message_ids else []
    invitations = list(db.session.scalars(select(SurveyInvitation).where(SurveyInvitation.ticket_id.in_(rows.ticket_ids))
                                          .order_by(SurveyInvitation.id))) if rows.ticket_ids else []
    answers = list(db.session.scalars(select(SurveyResponse).where(SurveyResponse.ticket_id.in_(rows.ticket_ids))
                                      .order_by(SurveyResponse.id))) if rows.ticket_ids else []
    events = list(db.session.scalars(select(TicketEvent).where(TicketEvent.ticket_id.in_(rows.ticket_ids))
                                     .order_by(TicketEvent.id))) if rows.ticket_ids else []
    return {
        "exported_at": utcnow().isoformat(),
        "contact": {"id": contact.id, "display_name": contact.display_name, "created_at": _when(contact.created_at),
                    "erased_at": _when(contact.erased_at)},
        "identities": [{"channel": i.channel, "external_id": i.external_id, "handle": i.handle, "name": i.name,
                        "followers": i.followers, "updated_at": _when(i.updated_at)} for i in rows.identities],
        "tickets": [{"id": t.id, "channel": t.channel, "status": t.status, "priority": t.priority, "subject": t.subject,
                     "opened_at": _when(t.opened_at), "first_response_at": _when(t.first_response_at),
                     "resolved_at": _when(t.resolved_at), "due_at": _when(t.due_at), "first_sentiment": t.first_sentiment,
                     "last_sentiment": t.last_sentiment, "tags": [tag.name for tag in t.tags]} for t in rows.tickets],
        "messages": [_message(m) for m in rows.messages],
        "notes": [{"id": n.id, "ticket_id": n.ticket_id, "body": n.body, "created_at": _when(n.created_at)} for n in rows.notes],
        "ticket_events": [{"ticket_id": e.ticket_id, "type": e.type, "at": _when(e.at), "data": e.data} for e in events],
        "sentiment_corrections": [{"message_id": c.message_id, "label": c.label, "created_at": _when(c.created_at)}
                                  for c in corrections],
        "surveys": [{"ticket_id": inv.ticket_id, "sent_via": inv.sent_via, "created_at": _when(inv.created_at)}
                    for inv in invitations],
        "survey_answers": [{"ticket_id": a.ticket_id, "csat": a.csat, "extra_question": a.extra_question or None,
                            "extra_score": a.extra_score, "answered_at": _when(a.answered_at)} for a in answers],
    }


def _message(m: Any) -> dict[str, Any]:
    return {"id": m.id, "ticket_id": m.ticket_id, "direction": m.direction, "kind": m.kind, "external_id": m.external_id,
            "author_handle": m.author_handle, "author_name": m.author_name, "text": m.text, "sent_at": _when(m.sent_at),
            "url": m.url, "language": m.lang, "sentiment": m.sentiment_label, "sentiment_score": m.sentiment_score,
            "raw": m.raw}


def _csv(header: list[str], rows: list[list[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(safe_row(row) for row in rows)
    return "\ufeff" + out.getvalue()


def contact_archive(contact: Contact) -> tuple[str, bytes]:
    """(file name, zip bytes): contact.json with everything, messages.csv and tickets.csv."""
    data = contact_data(contact)
    messages = [[m["id"], m["ticket_id"], m["sent_at"], m["direction"], m["kind"], m["author_handle"], m["author_name"],
                 m["text"], m["language"], m["url"], m["sentiment"]] for m in data["messages"]]
    tickets = [[t["id"], t["channel"], t["status"], t["priority"], t["subject"], t["opened_at"], t["first_response_at"],
                t["resolved_at"], " ".join(t["tags"])] for t in data["tickets"]]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("contact.json", json.dumps(data, ensure_ascii=False, indent=2))
        archive.writestr("messages.csv", _csv(MESSAGE_COLUMNS, messages))
        archive.writestr("tickets.csv", _csv(TICKET_COLUMNS, tickets))
    return f"customer-{contact.id}-{utcnow():%Y%m%d}.zip", buffer.getvalue()


def summary(rows: ContactRows) -> dict[str, int]:
    return {"identities": len(rows.identities), "tickets": len(rows.tickets), "messages": len(rows.messages),
            "notes": len(rows.notes)}
