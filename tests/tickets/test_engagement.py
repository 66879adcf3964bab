"""A ticket's kind of engagement follows its messages (the strongest actionable one wins) until an agent
corrects it; the correction is kept for retraining; the list filters by it, the CSV and the API carry it,
and rules can test it."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select

from inbox.automation.rules import Facts, matches
from inbox.channels import get_or_create_account
from inbox.connectors.jsonl import message_from_record
from inbox.extensions import db
from inbox.sentiment import Sentiment
from inbox.tickets.ingest import ingest_messages
from inbox.tickets.models import EngagementCorrection, Ticket
from inbox.tickets.reports.csv_export import ticket_csv
from inbox.tickets.rules.engagement import next_engagement
from inbox.tickets.workspace.actions import ActionError, correct_engagement
from tests.helpers import csrf_token, message

AT = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)


def _say(conv: str, n: int, text: str, kind: str | None) -> Ticket:
    account, _ = get_or_create_account("X", "jsonl", "x")
    record = message(f"m-{conv}-{n}", conv, text, AT + timedelta(minutes=n), author=f"a-{conv}", kind="dm")
    ingest_messages(account, [message_from_record(record)], [Sentiment("neutral", 0.8, "test-fixture", kind, 0.9 if kind else None)],
                    timedelta(days=7))
    return db.session.scalars(select(Ticket).where(Ticket.conversation_key == conv)).one()


def test_next_engagement_is_pure_and_respects_the_agent():
    assert next_engagement(None, False, "praise") == "praise"
    assert next_engagement("praise", False, "complaint") == "complaint"
    assert next_engagement("complaint", False, "praise") == "complaint"
    assert next_engagement("praise", True, "complaint") == "praise"
    assert next_engagement("question", False, None) == "question"


def test_the_ticket_takes_its_strongest_message_kind(app):
    ticket = _say("c1", 0, "thanks for the quick reply", "praise")
    assert ticket.engagement == "praise" and ticket.messages[0].engagement == "praise"
    ticket = _say("c1", 1, "but the refund never arrived", "complaint")
    assert ticket.engagement == "complaint"
    ticket = _say("c1", 2, "ok thanks", "noise")
    assert ticket.engagement == "complaint"
    assert [m.engagement_score for m in ticket.messages] == [0.9, 0.9, 0.9]


def test_an_agent_correction_is_stored_and_sticks(app, agent):
    ticket = _say("c2", 0, "how do I reset my pin", "question")
    correct_engagement(ticket, "request", agent)
    stored = db.session.scalars(select(EngagementCorrection)).one()
    assert (stored.label, stored.previous, stored.message_id) == ("request", "question", ticket.messages[0].id)
    ticket = _say("c2", 1, "this is a disgrace", "complaint")
    assert ticket.engagement == "request" and ticket.engagement_by_agent
    assert any(e.type == "engagement_corrected" for e in ticket.events)
    try:
        correct_engagement(ticket, "spam", agent)
        raise AssertionError("an unknown kind was accepted")
    except ActionError:
        pass


def test_list_filter_csv_and_api_carry_the_kind(logged_in):
    complaint = _say("c3", 0, "parcel lost again", "complaint")
    _say("c4", 0, "love the new app", "praise")
    page = logged_in.get("/?view=all&kind=complaint").data.decode()
    assert f'data-ticket-id="{complaint.id}"' in page and "love the new app" not in page
    assert "engagement-complaint" in page
    refused = logged_in.get("/?view=all&kind=spam").data.decode()
    assert "love the new app" in refused  # an unknown kind is not applied, and said so
    ticket_response = logged_in.get(f"/tickets/{complaint.id}")
    assert 'name="kind"' in ticket_response.data.decode()
    response = logged_in.post(f"/tickets/{complaint.id}/kind", data={"kind": "question", "csrf_token": csrf_token(ticket_response)})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Ticket, complaint.id).engagement == "question"
    export = "".join(ticket_csv(AT - timedelta(days=1), AT + timedelta(days=1), ZoneInfo("UTC"), AT + timedelta(hours=1)))
    export = export.lstrip("\ufeff").splitlines()
    header = export[0].split(",")
    row = next(line.split(",") for line in export[1:] if line.startswith(f"{complaint.id},"))
    assert row[header.index("kind")] == "question"


def test_rules_can_test_the_kind():
    facts = Facts(channel="x", account_id=1, kind="dm", language="en", sentiment="negative", text="refund please",
                  followers=None, engagement="request")
    assert matches({"engagements": ["request", "complaint"]}, facts)
    assert not matches({"engagements": ["praise"]}, facts)
    assert matches({"engagements": []}, facts)
    assert not matches({"engagements": ["request"]}, Facts(channel="x", account_id=1, kind="dm", language="en",
                                                          sentiment=None, text="", followers=None))
