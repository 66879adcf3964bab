"""Email end to end against real servers: Dovecot (IMAP) with the real fixture messages in it,
aiosmtpd receiving our replies; poller, worker and ticket page as in production."""
from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import format_datetime

from sqlalchemy import func, select

from inbox.channels.models import RejectedMessage
from inbox.channels.poller import poll_once
from inbox.channels.settings import add_account
from inbox.connectors.email.fixtures import recorded_email
from inbox.extensions import db
from inbox.security.outbound import ALLOWLIST_ENV
from inbox.tickets.attachments import MessageAttachment
from inbox.tickets.models import Message, Ticket
from inbox.tickets.workspace.replies import queue_reply
from tests.helpers import ago


def email_account(mailbox, smtp=None, **extra):
    return add_account("Support mailbox", "email", mailbox.config(smtp.port if smtp else None, **extra))


def customer_mail(body: str, subject: str = "Order 42 never arrived", sender: str = "Jana Novak <jana@example.org>",
                  message_id: str = "<order42@example.org>", minutes_ago: float = 60, **headers: str) -> bytes:
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = sender
    message["To"] = "support@inbox.example"
    message["Subject"] = subject
    message["Date"] = format_datetime(ago(minutes=minutes_ago))
    message["Message-ID"] = message_id
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message.as_bytes()


def tickets() -> list[Ticket]:
    return list(db.session.scalars(select(Ticket).order_by(Ticket.id)))


def test_fixture_mail_becomes_tickets_titled_by_subject(app, mailbox, run_jobs):
    mailbox.deliver(recorded_email("multi_charset/japanese_iso_2022.eml"), recorded_email("multi_charset/japanese_shift_jis.eml"),
                    recorded_email("plain_emails/raw_email_reply.eml"), recorded_email("rfc6532/utf8_headers.eml"))
    account = email_account(mailbox)
    [outcome] = poll_once()
    assert outcome.error is None and outcome.fetched == 4
    db.session.refresh(account)
    assert account.cursor["last_uid"] == 4 and account.cursor["uidvalidity"] > 0
    run_jobs()
    by_title = {t.subject: t for t in tickets()}
    assert set(by_title) == {"まみむめも", "test", "Re: Test reply email", "Säying Hello"}
    japanese = by_title["まみむめも"]
    assert japanese.channel == "email" and japanese.kind == "email"
    assert japanese.sla_policy.first_response_minutes == 24 * 60
    assert japanese.messages[0].text == "すみません。"
    assert japanese.contact.identities[0].external_id == "raasdnil@gmail.com"
    assert by_title["Säying Hello"].contact.identities[0].external_id == "jdöe@mächine.example"

    assert poll_once()[0].fetched == 0  # nothing new
    mailbox.deliver(customer_mail("Where is my parcel?"))
    assert poll_once()[0].fetched == 1
    db.session.refresh(account)
    assert account.cursor["last_uid"] == 5


def test_reply_goes_out_threaded_and_the_answer_joins_the_ticket(app, mailbox, smtp, run_jobs, agent):
    mailbox.deliver(customer_mail("Hello, order 42 never arrived.\n\n-- \nJana"))
    email_account(mailbox, smtp)
    poll_once()
    run_jobs()
    [ticket] = tickets()
    assert ticket.subject == "Order 42 never arrived"
    assert ticket.messages[0].text == "Hello, order 42 never arrived."

    reply = queue_reply(ticket, agent, "Sorry! A new parcel is on its way.")
    run_jobs()
    db.session.refresh(reply)
    assert reply.delivery_state == "sent"
    [envelope] = smtp.handler.received
    sent = message_from_bytes(envelope.content, policy=policy.default)
    assert envelope.rcpt_tos == ["jana@example.org"]
    assert sent["Subject"] == "Re: Order 42 never arrived"
    assert sent["In-Reply-To"] == "<order42@example.org>"
    assert sent["References"] == "<order42@example.org>"
    assert sent["From"] == "Acme Support <support@inbox.example>"
    assert reply.external_id == sent["Message-ID"].strip("<>")

    # the customer's client sets only In-Reply-To (our reply's Message-ID): still the same ticket
    mailbox.deliver(customer_mail("Thanks, got it!", subject="Re: Order 42 never arrived", message_id="<thanks@example.org>",
                                  minutes_ago=-1, In_Reply_To=sent["Message-ID"]))
    poll_once()
    run_jobs()
    [ticket] = tickets()
    assert [m.text for m in ticket.messages] == ["Hello, order 42 never arrived.", "Sorry! A new parcel is on its way.", "Thanks, got it!"]


def test_subject_fallback_only_with_the_same_sender(app, mailbox, run_jobs):
    mailbox.deliver(customer_mail("My invoice is wrong.", subject="Invoice 7", message_id="<inv@example.org>"))
    email_account(mailbox)
    poll_once()
    run_jobs()
    # a webmail that dropped the headers, same sender: joins; someone else with the same subject: a new ticket
    mailbox.deliver(customer_mail("Any news?", subject="RE: Invoice 7", message_id="<inv2@example.org>", minutes_ago=5),
                    customer_mail("Me too!", subject="Re: Invoice 7", sender="Other <other@example.net>", message_id="<inv3@example.org>"))
    poll_once()
    run_jobs()
    by_sender = {t.contact.identities[0].external_id: t for t in tickets()}
    assert by_sender["jana@example.org"].message_count == 2
    assert by_sender["other@example.net"].message_count == 1


def test_bounce_marks_the_reply_failed_and_opens_no_ticket(app, mailbox, smtp, run_jobs, agent):
    mailbox.deliver(customer_mail("Hello?"))
    email_account(mailbox, smtp)
    poll_once()
    run_jobs()
    [ticket] = tickets()
    reply = queue_reply(ticket, agent, "We are on it.")
    run_jobs()
    db.session.refresh(reply)
    our_id = reply.external_id
    # the real bounce fixture, pointed at the message we sent
    bounce = recorded_email("multipart_report_emails/report_530.eml").replace(b"200712232303.lBNN3jDq002941@mail12.rrrr.com.au", our_id.encode())
    mailbox.deliver(bounce, recorded_email("multipart_report_emails/report_422.eml"))
    [outcome] = poll_once()
    assert outcome.fetched == 0 and outcome.rejected == 2
    run_jobs()
    db.session.refresh(reply)
    assert reply.delivery_state == "failed" and reply.delivery_error.startswith("bounced: 5.3.0")
    assert len(tickets()) == 1
    reasons = [r.reason for r in db.session.scalars(select(RejectedMessage))]
    assert any("delivery failure report" in r and our_id in r for r in reasons)


def test_auto_replies_and_list_mail_open_no_ticket(app, mailbox, run_jobs):
    mailbox.deliver(customer_mail("I am out of office.", message_id="<ooo@example.org>", Auto_Submitted="auto-replied"),
                    customer_mail("Weekly digest", message_id="<list@example.org>", List_Id="<news.example.org>"),
                    customer_mail("A real question", message_id="<real@example.org>"))
    email_account(mailbox)
    [outcome] = poll_once()
    assert outcome.fetched == 1 and outcome.rejected == 2
    run_jobs()
    assert [t.subject for t in tickets()] == ["Order 42 never arrived"]


def test_attachments_are_stored_listed_and_downloaded_safely(app, mailbox, run_jobs, logged_in):
    big = EmailMessage(policy=policy.SMTP)
    big["From"], big["To"], big["Subject"], big["Message-ID"] = "jana@example.org", "support@inbox.example", "Damage", "<big@example.org>"
    big.set_content("Photos attached.")
    big.add_attachment(b"\x89PNG" + b"\x00" * (20 * 1024 * 1024), maintype="image", subtype="png", filename="huge.png")
    big.add_attachment(b"<script>alert(1)</script>", maintype="text", subtype="html", filename="note.html")
    mailbox.deliver(recorded_email("multi_charset/japanese_attachment.eml"), big.as_bytes())
    email_account(mailbox)
    [outcome] = poll_once()
    assert outcome.error is None and outcome.fetched == 2
    run_jobs()
    files = {a.filename: a for a in db.session.scalars(select(MessageAttachment))}
    assert set(files) == {"てすと.txt", "note.html"}  # huge.png listed, not kept
    damage = db.session.scalar(select(Ticket).where(Ticket.subject == "Damage"))
    page = logged_in.get(f"/tickets/{damage.id}").get_data(as_text=True)
    assert "huge.png" in page and "not kept" in page
    assert "note.html" in page and "<script>alert(1)" not in page
    response = logged_in.get(f"/attachments/{files['note.html'].id}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.data == b"<script>alert(1)</script>"
    text = logged_in.get(f"/attachments/{files['てすと.txt'].id}")
    assert text.headers["Content-Type"].startswith("text/plain")
    assert "filename*=UTF-8''" in text.headers["Content-Disposition"]


def test_full_original_is_viewable_and_escaped(app, mailbox, run_jobs, logged_in):
    mailbox.deliver(customer_mail("New part <b>bold</b>\n\nOn Mon, Acme <s@inbox.example> wrote:\n> old <i>quote</i>"))
    email_account(mailbox)
    poll_once()
    run_jobs()
    [ticket] = tickets()
    page = logged_in.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "New part &lt;b&gt;bold&lt;/b&gt;" in page
    assert "&gt; old &lt;i&gt;quote&lt;/i&gt;" in page  # in the full original, escaped
    assert "<b>bold</b>" not in page


def test_wrong_password_needs_attention_in_plain_words(app, mailbox):
    account = email_account(mailbox, password="not-the-password")
    [outcome] = poll_once()
    assert outcome.error.startswith("needs attention")
    db.session.refresh(account)
    assert account.status == "needs_attention"
    assert "rejected the user name or password" in account.status_detail
    assert "Traceback" not in account.status_detail and "Error" not in account.status_detail


def test_unreachable_server_is_an_error_in_plain_words(app, mailbox):
    from tests.connectors.email.servers import free_port

    account = email_account(mailbox, imap_port=free_port())
    [outcome] = poll_once()
    db.session.refresh(account)
    assert account.status == "error"
    assert account.status_detail.startswith("could not reach the IMAP server 127.0.0.1:") and "connection refused" in account.status_detail


def test_smtp_refusals(app, mailbox, smtp, run_jobs, agent):
    mailbox.deliver(customer_mail("Hi"), customer_mail("Hello", sender="nobody@example.net", message_id="<n@example.net>",
                                                        subject="Other"))
    email_account(mailbox, smtp)
    poll_once()
    run_jobs()
    by_sender = {t.contact.identities[0].external_id: t for t in tickets()}
    first, second = by_sender["jana@example.org"], by_sender["nobody@example.net"]
    smtp.handler.refuse.add("nobody@example.net")
    refused = queue_reply(second, agent, "Answer")
    run_jobs()
    db.session.refresh(refused)
    assert refused.delivery_state == "failed" and "refused the recipient" in refused.delivery_error

    smtp.handler.data_reply = "451 4.3.0 try again later"
    later = queue_reply(first, agent, "Answer")
    run_jobs()
    db.session.refresh(later)
    assert later.delivery_state == "sending" and "try later" in later.delivery_error  # RQ retries it
    assert smtp.handler.received == []


def test_uidvalidity_change_reads_again_without_duplicates(app, mailbox, run_jobs):
    mailbox.deliver(customer_mail("one", message_id="<1@example.org>"), customer_mail("two", message_id="<2@example.org>", subject="B"))
    account = email_account(mailbox)
    poll_once()
    run_jobs()
    account.cursor = {"uidvalidity": 1, "last_uid": 2}
    db.session.commit()
    [outcome] = poll_once()
    assert outcome.fetched == 2 and "renumbered" in (outcome.catching_up or "")
    run_jobs()
    assert db.session.scalar(select(func.count()).select_from(Message)) == 2


def test_large_mailbox_is_read_over_several_polls(app, mailbox, run_jobs):
    mailbox.deliver(*[customer_mail(f"question {i}", subject=f"Q{i}", message_id=f"<q{i}@example.org>") for i in range(5)])
    account = email_account(mailbox, fetch_limit=2)
    first = poll_once()[0]
    assert first.fetched == 2 and first.catching_up.startswith("catching up: 3")
    db.session.refresh(account)
    assert account.status == "catching_up"
    poll_once(), poll_once()
    run_jobs()
    assert len(tickets()) == 5


def test_start_from_now_skips_the_existing_mail(app, mailbox, run_jobs):
    mailbox.deliver(customer_mail("old"))
    email_account(mailbox, start_from_now=True)
    assert poll_once()[0].fetched == 0
    mailbox.deliver(customer_mail("new", message_id="<new@example.org>", subject="New"))
    assert poll_once()[0].fetched == 1


def test_hostile_messages_never_stop_the_poll(app, mailbox, run_jobs):
    depth = 400
    bomb = ("From: bomb@example.org\r\nSubject: bomb\r\nMessage-ID: <bomb@example.org>\r\nMIME-Version: 1.0\r\n"
            "Content-Type: multipart/mixed; boundary=b0\r\n\r\n"
            + "".join(f"--b{i}\r\nContent-Type: multipart/mixed; boundary=b{i + 1}\r\n\r\n" for i in range(depth))
            + "payload\r\n").encode()
    mailbox.deliver(bomb, recorded_email("rfc2822/example13.eml"), recorded_email("mime_emails/raw_email_with_illegal_boundary.eml"),
                    customer_mail("fine"))
    account = email_account(mailbox)
    [outcome] = poll_once()
    assert outcome.error is None
    assert outcome.fetched + outcome.rejected == 4
    run_jobs()
    db.session.refresh(account)
    assert account.status == "ok"
    assert any("no sender" in r.reason for r in db.session.scalars(select(RejectedMessage)))


def raw_mail(headers: str, body: bytes = b"Please refund order 42.\r\n") -> bytes:
    """A message exactly as a sender's client wrote it (EmailMessage would quote or re-fold the headers)."""
    return (headers.replace("\n", "\r\n") + f"Date: {format_datetime(ago(minutes=30))}\r\n\r\n").encode("ascii") + body


def test_an_address_as_display_name_never_wins_over_the_address(app, mailbox, smtp, run_jobs, agent):
    mailbox.deliver(raw_mail("From: alice@example.com <bob@example.com>\nReply-To: henry@example.com <ivan@example.com>\n"
                             "To: support@inbox.example\nSubject: Refund\nMessage-ID: <spoof@example.com>\n"))
    email_account(mailbox, smtp)
    poll_once()
    run_jobs()
    [ticket] = tickets()
    assert [i.external_id for i in ticket.contact.identities] == ["bob@example.com"]
    assert ticket.messages[0].author_handle == "bob@example.com"
    assert "looks like another address (alice@example.com)" in " ".join(ticket.messages[0].raw["email"]["problems"])
    reply = queue_reply(ticket, agent, "Your refund is on its way.")
    run_jobs()
    db.session.refresh(reply)
    assert reply.delivery_state == "sent"
    [envelope] = smtp.handler.received
    assert envelope.rcpt_tos == ["ivan@example.com"]
    assert message_from_bytes(envelope.content, policy=policy.default)["To"] == "ivan@example.com"


def test_a_mislabelled_charset_is_read_as_what_it_is_and_said_under_the_message(app, mailbox, run_jobs, logged_in):
    text = "我的订单还没有到。Grüße, Jana"
    mailbox.deliver(raw_mail("From: Jana <jana@example.org>\nTo: support@inbox.example\nSubject: Order\n"
                             "Message-ID: <gb@example.org>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=GB2312\n"
                             "Content-Transfer-Encoding: 8bit\n", text.encode("utf-8") + b"\r\n"))
    email_account(mailbox)
    poll_once()
    run_jobs()
    [ticket] = tickets()
    assert ticket.messages[0].text == text
    page = logged_in.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "Read with care: the text says it is gb2312 but is UTF-8; read as UTF-8" in page


def test_no_reply_goes_to_an_smtp_server_taken_off_the_allow_list(app, mailbox, smtp, run_jobs, agent, monkeypatch):
    mailbox.deliver(customer_mail("Hello?"))
    account = email_account(mailbox, smtp)
    poll_once()
    run_jobs()
    [ticket] = tickets()
    monkeypatch.delenv(ALLOWLIST_ENV)  # the admin took 127.0.0.1 off the list
    reply = queue_reply(ticket, agent, "We are on it.")
    run_jobs()
    db.session.refresh(reply)
    assert reply.delivery_state == "failed" and "SMTP server address is refused" in reply.delivery_error
    assert smtp.handler.received == []
    db.session.refresh(account)
    assert account.status == "needs_attention"
