"""One customer across channels: proven identities linked at ingest, likely matches suggested on
the customer panel, merges by an agent recorded and undone."""
from __future__ import annotations

from sqlalchemy import func, select

from inbox.channels.importer import import_jsonl
from inbox.contacts.merge import merge_contacts, undo_merge
from inbox.contacts.models import ContactMerge
from inbox.contacts.suggestions import clues, phone_key
from inbox.extensions import db
from inbox.tickets.models import Contact, ContactIdentity, Ticket, TicketEvent
from tests.helpers import ago, csrf_token, message, write_jsonl

JANA_EMAIL = "jana.novak@example.org"
JANA_PHONE = "+4915112345678"


def sms(external_id: str, text: str, minutes: float, email: str | None = None) -> dict:
    record = message(external_id, JANA_PHONE, text, ago(minutes=minutes), kind="sms", author=JANA_PHONE, handle=JANA_PHONE)
    record["author"]["name"] = "Jana Novak"
    if email:
        record["author"]["email"] = email
    return record


def mail(external_id: str, text: str, minutes: float, sender: str = JANA_EMAIL, name: str = "Jana Novak") -> dict:
    record = message(external_id, f"thread-{external_id}", text, ago(minutes=minutes), kind="email", author=sender, handle=sender)
    record["author"]["name"] = name
    return record


def tweet(external_id: str, text: str, minutes: float) -> dict:
    record = message(external_id, f"conv-{external_id}", text, ago(minutes=minutes), author="2244994945", handle="@jana_n")
    record["author"]["name"] = "Jana Novak"
    return record


def ingest(tmp_path, run_jobs, name: str, channel: str, records: list[dict]) -> None:
    path = write_jsonl(tmp_path / f"{name}.jsonl", records)
    import_jsonl(path, name, channel)
    run_jobs()


def contact_of(channel: str, external_id: str) -> int:
    return db.session.scalar(select(ContactIdentity.contact_id).where(ContactIdentity.channel == channel,
                                                                      ContactIdentity.external_id == external_id))


def test_an_sms_record_that_names_the_email_links_both_ways(app, run_jobs, tmp_path):
    ingest(tmp_path, run_jobs, "Mailbox", "email", [mail("m1", "Where is my order?", 60)])
    ingest(tmp_path, run_jobs, "SMS", "sms", [sms("s1", "Any news on my order?", 30, email=JANA_EMAIL.upper())])
    assert contact_of("sms", JANA_PHONE) == contact_of("email", JANA_EMAIL)
    assert db.session.scalar(select(func.count()).select_from(Contact).where(Contact.identities.any())) == 1

    # the other order: the SMS first creates the email identity, the email later finds it
    ingest(tmp_path, run_jobs, "SMS 2", "sms", [{**sms("s2", "hello", 20, email="ola@example.org"),
                                                 "author": {"id": "+4917000000001", "handle": "+4917000000001", "name": "Ola",
                                                            "email": "ola@example.org"}, "conversation": "+4917000000001"}])
    ingest(tmp_path, run_jobs, "Mailbox 2", "email", [mail("m2", "It's Ola", 10, sender="ola@example.org", name="Ola")])
    assert contact_of("sms", "+4917000000001") == contact_of("email", "ola@example.org")
    tickets = db.session.scalars(select(Ticket).where(Ticket.contact_id == contact_of("email", "ola@example.org")))
    assert {t.channel for t in tickets} == {"sms", "email"}


def test_one_batch_naming_the_same_email_twice_links_once(app, run_jobs, tmp_path):
    ingest(tmp_path, run_jobs, "SMS", "sms", [sms("s1", "first", 30, email=JANA_EMAIL), sms("s2", "second", 20, email=JANA_EMAIL)])
    assert db.session.scalar(select(func.count()).select_from(ContactIdentity).where(ContactIdentity.channel == "email")) == 1
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 1


def test_an_address_written_in_the_text_is_only_a_suggestion(app, run_jobs, tmp_path):
    ingest(tmp_path, run_jobs, "Mailbox", "email", [mail("m1", "Hi", 60)])
    ingest(tmp_path, run_jobs, "SMS", "sms", [sms("s1", f"my email is {JANA_EMAIL}", 30)])
    assert contact_of("sms", JANA_PHONE) != contact_of("email", JANA_EMAIL)


def test_clues_and_phone_keys():
    found = clues(["Jana Novak", "Jo"], [("sms", "+49 151 1234-5678", "")],
                  ["call me on 0151 12345678 or write to Jana@Example.org, I'm @jana_n on X and @jana@mastodon.social"])
    assert found.phones == {phone_key("+4915112345678")}
    assert found.emails == {"jana@example.org"}
    assert found.handles == {"@jana_n", "@jana@mastodon.social"}
    assert found.names == {"jana novak"}


def test_panel_suggests_merges_and_undoes(app, run_jobs, tmp_path, logged_in, agent):
    ingest(tmp_path, run_jobs, "X export", "x", [tweet("t1", "Your app crashes on login", 90)])
    ingest(tmp_path, run_jobs, "SMS", "sms", [sms("s1", "Hi, still broken", 80)])
    ingest(tmp_path, run_jobs, "Mailbox", "email", [
        mail("m1", "Still crashing. I'm @jana_n on X.\n\nJana Novak\n+49 151 1234 5678", 60)])
    email_ticket = db.session.scalar(select(Ticket).where(Ticket.channel == "email"))
    page = logged_in.get(f"/tickets/{email_ticket.id}").get_data(as_text=True)
    assert "Might be the same person" in page
    assert "the customer mentioned @jana_n (X)" in page and "the same phone number" in page
    assert "None: this is their first ticket." in page

    x_contact = contact_of("x", "2244994945")
    response = logged_in.post(f"/contacts/{email_ticket.contact_id}/merge", data={
        "csrf_token": csrf_token(logged_in.get(f"/tickets/{email_ticket.id}")), "other_id": str(x_contact),
        "ticket_id": str(email_ticket.id), "reason": "mentioned handle"})
    assert response.status_code == 302
    page = logged_in.get(f"/tickets/{email_ticket.id}").get_data(as_text=True)
    x_ticket = db.session.scalar(select(Ticket).where(Ticket.channel == "x"))
    assert f'href="/tickets/{x_ticket.id}"' in page and "@jana_n" in page
    assert "Merged here" in page
    [record] = db.session.scalars(select(ContactMerge))
    assert record.merged_by_id == agent.id and record.ticket_ids == [x_ticket.id]
    assert db.session.scalar(select(func.count()).select_from(TicketEvent).where(TicketEvent.type == "contact_merged")) == 1

    logged_in.post(f"/contact-merges/{record.id}/undo", data={
        "csrf_token": csrf_token(logged_in.get(f"/tickets/{email_ticket.id}")), "ticket_id": str(email_ticket.id)})
    db.session.expire_all()
    assert contact_of("x", "2244994945") == x_contact
    assert db.session.get(Ticket, x_ticket.id).contact_id == x_contact
    assert db.session.get(ContactMerge, record.id).undone_by_id == agent.id


def test_merge_refuses_nonsense(app, run_jobs, tmp_path, agent):
    import pytest

    from inbox.contacts.merge import MergeError

    ingest(tmp_path, run_jobs, "Mailbox", "email", [mail("m1", "Hi", 60)])
    contact = contact_of("email", JANA_EMAIL)
    with pytest.raises(MergeError):
        merge_contacts(contact, contact, agent)
    with pytest.raises(MergeError):
        merge_contacts(contact + 1000, contact, agent)
    ingest(tmp_path, run_jobs, "SMS", "sms", [sms("s1", "hi", 30)])
    record = merge_contacts(contact_of("sms", JANA_PHONE), contact, agent)
    undo_merge(record.id, agent)
    with pytest.raises(MergeError, match="already undone"):
        undo_merge(record.id, agent)
