"""The demo channel that really sends: the demo mailbox (Dovecot + SMTP sink + a simulated customer) with
the real poller, worker and ticket page. An agent's reply goes out over SMTP, the customer's answer comes
back over IMAP into the same ticket; a receive-only channel's composer records an answer given elsewhere."""
from __future__ import annotations

import os
import shutil
import tempfile
import time
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from sqlalchemy import select

from inbox.channels.poller import poll_once
from inbox.channels.settings import add_account
from inbox.demo.customer import OPENINGS, answer_to
from inbox.demo.dovecot import dovecot_path
from inbox.demo.mailbox import DEMO_ADDRESS, DEMO_HOST, DemoMailbox
from inbox.extensions import db
from inbox.security.outbound import ALLOWLIST_ENV
from inbox.tickets.events import EventType
from inbox.tickets.models import Ticket
from inbox.tickets.sla.models import SlaOutcome
from inbox.tickets.workspace.actions import has_delivered_reply
from tests.helpers import csrf_token
from tests.workspace import open_ticket

REPLY = "Please move the router away from the microwave and switch it to channel 36; that usually ends the drops."


@pytest.fixture
def demo_mailbox(monkeypatch):
    if dovecot_path() is None:
        pytest.fail("Dovecot is not installed: run `make test-servers` (installs dovecot-imapd) and try again")
    monkeypatch.setenv(ALLOWLIST_ENV, DEMO_HOST)
    root = Path(tempfile.mkdtemp(prefix="inbox-demo-mail-"))
    os.chmod(root, 0o755)  # Dovecot keeps the mail as its own user, who must be able to walk there
    mailbox = DemoMailbox(root / "mail", answer_after=0).start()
    yield mailbox
    mailbox.stop()
    shutil.rmtree(root, ignore_errors=True)


def _imap_count(mailbox: DemoMailbox) -> int:
    import imapclient

    client = imapclient.IMAPClient(DEMO_HOST, port=mailbox.settings.imap_port, ssl=False, timeout=10)
    try:
        client.login("support", mailbox.settings.password)
        return client.select_folder("INBOX", readonly=True)[b"EXISTS"]
    finally:
        client.logout()


def _wait_for(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"no {what} within {seconds:.0f} s")


def test_agent_reply_goes_out_and_the_demo_customer_answers_in_the_same_ticket(app, demo_mailbox, run_jobs, logged_in):
    assert _imap_count(demo_mailbox) == len(OPENINGS)  # the opening emails a newcomer finds
    add_account("Demo Mailbox", "email", demo_mailbox.settings.account_config())
    [outcome] = poll_once()
    assert outcome.error is None and outcome.fetched == len(OPENINGS)
    run_jobs()
    name, address, subject, _text = OPENINGS[0]
    ticket = db.session.scalars(select(Ticket).where(Ticket.subject == subject)).one()
    assert ticket.channel == "email"

    shown = logged_in.get(f"/tickets/{ticket.id}")
    page = shown.get_data(as_text=True)
    assert 'id="reply-send"' in page and 'id="outside-form"' not in page
    response = logged_in.post(f"/tickets/{ticket.id}/reply", data={"text": REPLY, "csrf_token": csrf_token(shown)})
    assert response.status_code == 302
    run_jobs()  # the delivery job sends over SMTP

    [sent_copy] = _wait_for(lambda: list(demo_mailbox.outbox.iterdir()), 10, "email in the SMTP sink")
    sent = message_from_bytes(sent_copy.read_bytes(), policy=policy.default)
    assert sent["To"].addresses[0].addr_spec == address and sent["From"].addresses[0].addr_spec == DEMO_ADDRESS
    assert sent["Subject"] == f"Re: {subject}" and REPLY in sent.get_body(("plain",)).get_content()
    db.session.expire_all()
    reply = next(m for m in db.session.get(Ticket, ticket.id).messages if m.direction == "outbound")
    assert reply.delivery_state == "sent" and reply.external_id == sent["Message-ID"].strip("<>")

    _wait_for(lambda: _imap_count(demo_mailbox) == len(OPENINGS) + 1, 15, "answer from the demo customer")
    [outcome] = poll_once()
    assert outcome.error is None and outcome.fetched == 1
    run_jobs()
    db.session.expire_all()
    ticket = db.session.get(Ticket, ticket.id)
    # an email's Date has whole seconds: an answer sent in the reply's own second may sort before it by time alone
    texts = [(m.direction, m.text.splitlines()[0]) for m in sorted(ticket.messages, key=lambda m: m.id)]
    assert texts[1:] == [("outbound", REPLY), ("inbound", "Thanks, that's clear. I'll try that this evening and let "
                                                             "you know if it happens again.")]
    assert db.session.scalar(select(Ticket.id).where(Ticket.id != ticket.id, Ticket.subject.like("Re:%"))) is None
    page = logged_in.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "let you know if it happens again" in page


def test_the_demo_customer_answers_only_mail_from_the_support_address_and_in_the_thread():
    from email.message import EmailMessage

    reply = EmailMessage()
    reply["From"], reply["To"], reply["Subject"] = DEMO_ADDRESS, "mayu.inoue@example.com", "Re: プラン変更について"
    reply["Message-ID"], reply["References"] = "<r2@novahikari.example>", "<first@example.com>"
    reply.set_content("工事は不要です。")
    answer = answer_to(reply, DEMO_ADDRESS)
    assert answer["Subject"] == "Re: プラン変更について" and answer["In-Reply-To"] == "<r2@novahikari.example>"
    assert answer["References"] == "<first@example.com> <r2@novahikari.example>"
    assert "ご回答ありがとうございます" in answer.get_content() and "> 工事は不要です。" in answer.get_content()
    stranger = EmailMessage()
    stranger["From"], stranger["To"], stranger["Subject"] = "someone@example.net", "mayu.inoue@example.com", "hi"
    stranger.set_content("hello")
    assert answer_to(stranger, DEMO_ADDRESS) is None


def test_a_receive_only_channel_offers_answered_outside_instead_of_send(app, logged_in):
    ticket = open_ticket("sms-1", "My phone was stolen, please suspend my number", channel="sms")
    shown = logged_in.get(f"/tickets/{ticket.id}")
    page = shown.get_data(as_text=True)
    assert 'id="outside-form"' in page and 'id="reply-send"' not in page and 'id="reply-form"' not in page
    assert "only receives" in page and "Nothing is sent." in page
    japanese = logged_in.get(f"/tickets/{ticket.id}", headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert "Inbox 以外で回答済み" in japanese and "受信のみ" in japanese and "only receives" not in japanese
    answer = "Called them back and suspended the number."
    response = logged_in.post(f"/tickets/{ticket.id}/answered-outside", data={"how": answer, "csrf_token": csrf_token(shown)})
    assert response.status_code == 302
    db.session.expire_all()
    ticket = db.session.get(Ticket, ticket.id)
    [event] = [e for e in ticket.events if e.type == EventType.ANSWERED_OUTSIDE]
    assert event.data["how"] == answer and has_delivered_reply(ticket) and ticket.status == "open"
    assert not [m for m in ticket.messages if m.direction == "outbound"]  # nothing was sent
    outcome = db.session.get(SlaOutcome, ticket.id)
    assert outcome.first_response_state == "met" and outcome.first_response_at is not None and outcome.frt_seconds >= 0
    assert answer in logged_in.get(f"/tickets/{ticket.id}").get_data(as_text=True)


def test_inbox_run_opens_the_guard_for_the_demo_mailbox_only_and_runs_the_history_once():
    import subprocess
    import sys

    from inbox.cli.run import Child, _allowing_demo_mailbox, supervise

    env = _allowing_demo_mailbox({ALLOWLIST_ENV: "hooks.internal, 10.0.0.7"})
    assert env[ALLOWLIST_ENV].split() == ["hooks.internal", "10.0.0.7", DEMO_HOST]
    for code, restarted in ((0, False), (3, True)):
        args = [sys.executable, "-c", f"raise SystemExit({code})"]
        child = Child("demo-history", args, {}, subprocess.Popen(args), once=True)
        child.process.wait(timeout=30)
        supervise(child, time.monotonic())
        assert (child.restart_at is not None) is restarted
