"""Erasing a customer leaves no trace of their words or names in any table or search document; the
team's SLA figures stay exactly as they were."""
from __future__ import annotations

from datetime import date, timedelta, timezone

from sqlalchemy import select

from inbox.audit.models import AuditEntry
from inbox.extensions import db
from inbox.privacy.erase import TOMBSTONE
from inbox.tickets.models import ContactIdentity, Message, Ticket, TicketNote
from inbox.tickets.read.search_index import OpenTicketSearch
from inbox.tickets.sla.models import SlaBreach
from inbox.voice.surveys.models import SurveyResponse
from tests.privacy.conftest import TRACES, rows_mentioning
from tests.workspace import login, token, user


def _figures() -> str:
    from inbox.tickets.reports.csv_export import day_range, summary_csv
    from inbox.timeutil import utcnow

    now = utcnow()
    lo, hi = day_range(date(2000, 1, 1), (now + timedelta(days=2)).date(), timezone.utc)
    return "".join(summary_csv(lo, hi, timezone.utc, now))


def test_erasure_leaves_no_trace_in_any_table(app, client, customer):
    assert len(rows_mentioning(TRACES)) > 10  # the scan does see them before
    before = _figures()
    breaches = db.session.scalar(select(SlaBreach.id).where(SlaBreach.ticket_id == customer.open_ticket.id))
    admin = user("admin", "Ann Admin")
    login(client, admin.email)
    page = client.get(f"/admin/contacts/{customer.contact.id}/privacy").data.decode()
    assert "Zelda Quillfeather" in page and "4 message(s)" in page
    refused = client.post(f"/admin/contacts/{customer.contact.id}/erase", data={"confirm": "yes", "csrf_token": token(client)})
    assert refused.status_code == 302 and rows_mentioning(("Zelda",))
    response = client.post(f"/admin/contacts/{customer.contact.id}/erase", data={"confirm": "erase", "csrf_token": token(client)})
    assert response.status_code == 200
    html = response.data.decode()
    assert "erased" in html and 'id="export-files"' in html

    db.session.expire_all()
    assert rows_mentioning(TRACES) == []
    # the search documents of open tickets are rebuilt from the erased rows
    documents = list(db.session.scalars(select(OpenTicketSearch.document)))
    assert documents and not any(t.lower() in d.lower() for d in documents for t in TRACES)
    assert any("router keeps dropping" in d for d in documents)  # the other customer is untouched
    # nobody finds them by search any more
    assert f"/tickets/{customer.open_ticket.id}\"" not in client.get("/?view=all&q=Tromsø").data.decode()
    assert f"/tickets/{customer.open_ticket.id}\"" not in client.get("/?view=open&q=zq_quill").data.decode()
    # what the figures are made of stays
    assert _figures() == before
    assert db.session.get(SlaBreach, breaches) is not None
    assert db.session.scalar(select(SurveyResponse.csat)) == 2
    ticket = db.session.get(Ticket, customer.open_ticket.id)
    assert ticket.subject == TOMBSTONE and ticket.erased_at is not None and ticket.first_response_due_at is not None
    assert {m.text for m in db.session.scalars(select(Message).where(Message.ticket_id.in_(
        [customer.open_ticket.id, customer.resolved_ticket.id])))} == {TOMBSTONE}
    assert all(m.raw is None and m.url is None for m in db.session.scalars(select(Message).where(Message.ticket_id == ticket.id)))
    assert {i.handle for i in db.session.scalars(select(ContactIdentity).where(ContactIdentity.contact_id == customer.contact.id))} == {TOMBSTONE}
    other_note = db.session.scalars(select(TicketNote).where(TicketNote.ticket_id == customer.other_ticket.id)).one()
    assert other_note.body == f"Bob says he knows {TOMBSTONE} (unrelated)"
    assert db.session.get(Ticket, customer.other_ticket.id).contact.display_name == "Bob Other"
    # the erasure is audited by id, and lists the exports written before it
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "contact_erased")).one()
    assert entry.actor_id == admin.id and entry.target_id == str(customer.contact.id)
    assert entry.details["messages"] == 4 and entry.details["tickets"] == 2 and entry.details["identities"] == 1
    assert sorted(entry.details["export_files"]) == sorted(p.name for p in customer.export_dir.iterdir()
                                                           if "summary" not in p.name)
    assert all(name in html for name in entry.details["export_files"])
    # the pages still work, showing the tombstone
    assert TOMBSTONE in client.get(f"/tickets/{customer.open_ticket.id}").data.decode()
    assert "Erased" in client.get(f"/admin/contacts/{customer.contact.id}/privacy").data.decode()


def test_exports_that_held_their_words_are_written_again_without_them(app, client, customer, run_jobs):
    from inbox.voice.files import list_exports, stored_export

    def stored_text() -> str:
        db.session.expire_all()
        return "".join(stored_export(f.name).content.decode("utf-8-sig")
                       for week in list_exports() for f in week.files.values())

    assert any(trace in stored_text() for trace in TRACES)
    names = sorted(f.name for week in list_exports() for f in week.files.values())
    admin = user("admin", "Ann Admin")
    login(client, admin.email)
    html = client.post(f"/admin/contacts/{customer.contact.id}/erase",
                       data={"confirm": "erase", "csrf_token": token(client)}).data.decode()
    assert "are being" in html and "exported again" in html
    run_jobs()
    text = stored_text()
    assert text and not [trace for trace in TRACES if trace in text]
    # the same weeks' files, replaced whole (the week's other customers are still in them)
    assert sorted(f.name for week in list_exports() for f in week.files.values()) == names
    assert "message_id" in text and TOMBSTONE in text


def test_a_new_message_from_an_erased_account_starts_a_new_customer(app, customer):
    from inbox.privacy.erase import erase_contact
    from tests.privacy.conftest import AUTHOR_ID, HANDLE, _ingest

    erase_contact(customer.contact, None)
    ticket = _ingest("zm-9", "zconv-9", "hello again", 5, author=AUTHOR_ID, handle=HANDLE, name="Zelda")
    assert ticket.contact_id != customer.contact.id
    assert ticket.contact.identities[0].handle == HANDLE


def test_only_admins_erase_and_export(app, client, customer):
    lead = user("lead", "Lee Lead")
    login(client, lead.email)
    for url in (f"/admin/contacts/{customer.contact.id}/privacy", f"/admin/contacts/{customer.contact.id}/export.zip",
                "/admin/privacy?q=zq"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/admin/contacts/{customer.contact.id}/erase", data={"confirm": "erase", "csrf_token": token(client)}).status_code == 403
    assert rows_mentioning(("Zelda",))


def test_names_in_other_notes_are_erased_as_whole_words():
    from inbox.privacy.erase import _scrub

    assert _scrub("Ann called; announce it to ann@example and ANN", ["Ann"]) == \
        f"{TOMBSTONE} called; announce it to {TOMBSTONE}@example and {TOMBSTONE}"
    assert _scrub("ping @zq_quill_secret and zq_quill_secret_2", ["@zq_quill_secret", "zq_quill_secret"]) == \
        f"ping {TOMBSTONE} and zq_quill_secret_2"


def test_erasure_follows_merges(app, client, customer):
    """A contact merged into the customer was the same person under another name: erasing the customer
    erases that name too, on the merged contact, on the merge record (name and reason) and wherever
    they are shown (issue 24 item 9)."""
    from inbox.api.tokens import create_token
    from inbox.contacts.merge import merge_contacts
    from tests.privacy.conftest import _ingest

    admin = user("admin", "Ann Admin")
    earlier = _ingest("zs-1", "zsms-1", "text me back", 100, author="+15550001", handle="+15550001",
                      name="Zeb Quillby", channel="sms", label="neutral")
    merged_contact = earlier.contact_id
    # a merged contact merged in once more, by a second merge that still stands
    chained = _ingest("zs-2", "zsms-2", "another number", 90, author="+15550002", handle="+15550002",
                      name="Zebby Q-Quill", channel="sms", label="neutral")
    chained_contact = chained.contact_id
    merge_contacts(chained_contact, merged_contact, admin, "Zebby Q-Quill wrote from her second phone")
    merge_contacts(merged_contact, customer.contact.id, admin, "Zeb Quillby is Zelda's SMS name")
    # a merge undone since: that contact is somebody else, and keeps their name
    stranger = _ingest("zs-3", "zsms-3", "wrong person", 80, author="+15550003", handle="+15550003",
                       name="Otto Unrelated", channel="sms", label="neutral")
    from inbox.contacts.merge import undo_merge

    undo_merge(merge_contacts(stranger.contact_id, customer.contact.id, admin, "Otto, not Zelda Quillfeather").id, admin)
    traces = ("Zeb Quillby", "Quillby", "Zebby Q-Quill")
    login(client, admin.email)
    _, plaintext = create_token(admin, "privacy check", "read")
    api = {"Authorization": f"Bearer {plaintext}"}
    ticket_page = client.get(f"/tickets/{customer.open_ticket.id}").data.decode()
    assert "Zeb Quillby" in ticket_page  # "Merged here" on the customer panel
    assert "Zeb Quillby" in client.get(f"/api/v1/contacts/{merged_contact}", headers=api).data.decode()
    assert rows_mentioning(traces)
    assert "No customer matches." not in client.get("/admin/privacy?q=Quillby").data.decode()

    response = client.post(f"/admin/contacts/{customer.contact.id}/erase", data={"confirm": "erase", "csrf_token": token(client)})
    assert response.status_code == 200

    db.session.expire_all()
    assert rows_mentioning(traces + TRACES) == []
    assert not any(t in client.get(f"/tickets/{customer.open_ticket.id}").data.decode() for t in traces)
    assert "No customer matches." in client.get("/admin/privacy?q=Quillby").data.decode()
    for contact_id in (merged_contact, chained_contact):
        shown = client.get(f"/api/v1/contacts/{contact_id}", headers=api)
        assert shown.status_code == 200 and shown.get_json()["display_name"] == TOMBSTONE
    from inbox.contacts.models import ContactMerge

    reasons = {m.source_id: m.reason for m in db.session.scalars(select(ContactMerge))}
    assert reasons[merged_contact] == reasons[chained_contact] == TOMBSTONE
    # the undone merge's contact is another person: their name stays, ours leaves its reason
    assert db.session.get(Ticket, stranger.id).contact.display_name == "Otto Unrelated"
    assert reasons[stranger.contact_id] == f"Otto, not {TOMBSTONE}"


def _redis_text(prefix: str = "rq:") -> str:
    """Everything RQ keeps in Redis under `prefix`, job payloads unpacked (they are zlib-compressed pickles)."""
    import pickle
    import zlib

    from inbox.redis_client import get_redis

    redis = get_redis()

    def readable(raw: bytes) -> str:
        for unpack in (lambda b: repr(pickle.loads(zlib.decompress(b))), lambda b: repr(pickle.loads(b)),
                       lambda b: b.decode("utf-8", "replace")):
            try:
                return unpack(raw)
            except Exception:  # noqa: BLE001  (not that encoding: try the next)
                continue
        return ""

    parts = []
    for key in redis.scan_iter(prefix + "*"):
        kind = redis.type(key).decode()
        if kind == "string":
            parts.append(readable(redis.get(key)))
        elif kind == "hash":
            parts += [readable(v) for v in redis.hgetall(key).values()]
        elif kind == "list":
            parts += [readable(v) for v in redis.lrange(key, 0, -1)]
        elif kind == "stream":
            parts += [readable(v) for _, fields in redis.xrange(key) for v in fields.values()]
    return "\n".join(parts)


def test_finished_ingest_jobs_keep_no_customer_text(app, tmp_path, run_jobs):
    """A finished ingest job's arguments are the customer's words: RQ would keep them in Redis for the
    job's result TTL, out of reach of an erasure. Ingest keeps no finished job (issue 24 item 9)."""
    from inbox.channels.importer import import_jsonl
    from tests.helpers import ago, message, write_jsonl

    words = "my passport number is QX-77-REDIS"
    path = write_jsonl(tmp_path / "in.jsonl", [message("rq-1", "rqconv-1", words, ago(minutes=5), author="rq-author-1",
                                                       handle="@rq_secret_handle")])
    import_jsonl(path, "RQ check", "x")
    assert "QX-77-REDIS" in _redis_text()  # queued, the job carries them (the check sees job payloads)
    run_jobs()
    assert db.session.scalars(select(Message.text).where(Message.external_id == "rq-1")).one() == words
    left = _redis_text()
    assert "QX-77-REDIS" not in left and "rq_secret_handle" not in left


def test_messages_waiting_in_the_ingest_queue_are_erased_too(app, customer, tmp_path, run_jobs):
    """A batch queued (or failed, waiting for a retry) before the erasure holds their words: they are
    taken out of it, so Redis keeps none and no retry brings them back; the other messages stay."""
    from inbox.channels.importer import import_jsonl
    from inbox.jobqueue import INGEST_QUEUE, get_queue
    from inbox.privacy.erase import erase_contact
    from tests.helpers import ago, message, write_jsonl
    from tests.privacy.conftest import AUTHOR_ID, HANDLE

    records = [message("zq-late-1", "zconv-late", "Tromsø again, card QX-55-ZEBRA", ago(minutes=3), author=AUTHOR_ID, handle=HANDLE),
               message("other-late-1", "oconv-late", "my router is fine now", ago(minutes=2), author="bob-1", handle="@bob_other")]
    import_jsonl(write_jsonl(tmp_path / "late.jsonl", records), "X", "x")
    alone = [message("zq-late-2", "zconv-late2", "QX-55-ZEBRA once more", ago(minutes=1), author=AUTHOR_ID, handle=HANDLE)]
    import_jsonl(write_jsonl(tmp_path / "alone.jsonl", alone), "X", "x")
    assert len(get_queue(INGEST_QUEUE).get_job_ids()) == 2 and "QX-55-ZEBRA" in _redis_text()

    result = erase_contact(customer.contact, None)
    assert result.queued_messages == 2
    assert "QX-55-ZEBRA" not in _redis_text() and "Tromsø" not in _redis_text()
    assert len(get_queue(INGEST_QUEUE).get_job_ids()) == 1  # the batch left empty is gone
    run_jobs()
    stored = set(db.session.scalars(select(Message.external_id).where(Message.external_id.like("%-late-%"))))
    assert stored == {"other-late-1"}
    assert rows_mentioning(TRACES) == []
