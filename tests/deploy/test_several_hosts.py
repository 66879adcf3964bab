"""Inbox as several hosts: web (gunicorn), two workers and two pollers, each a separate process with
an instance folder of its own (no file is shared), on the suite's PostgreSQL and Redis. Mail comes in
over IMAP (Dovecot) and replies go out over SMTP (aiosmtpd), so nothing passes through a disk.

One scenario, in the order a team would notice it: mail becomes tickets through the active poller
while the other stands by; an agent's reply posted to the web is delivered by a worker; an
attachment and a weekly export written by workers download from the web; the survey invitation
sent by a worker carries INBOX_PUBLIC_URL; the active poller killed with SIGKILL is replaced by the
standby within a minute.
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests
from sqlalchemy import func, select

from tests.chaos.conftest import Processes, spare_port, wait_for
from tests.connectors.email.servers import DOVECOT, Dovecot, SmtpServer
from tests.helpers import ago

pytestmark = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="several hosts share a server database: run with TEST_DATABASE_URL=postgresql://…")

PUBLIC_URL = "https://care.example.test"
PASSWORD = "correct horse battery"
PHOTO = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def customer_mail(number: int, body: str, attachment: bytes | None = None) -> bytes:
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = f"Customer {number} <customer{number}@example.org>"
    message["To"] = "support@inbox.example"
    message["Subject"] = f"Order {number} problem"
    message["Date"] = format_datetime(ago(minutes=30))
    message["Message-ID"] = f"<order{number}@example.org>"
    message.set_content(body)
    if attachment is not None:
        message.add_attachment(attachment, maintype="image", subtype="png", filename="broken-router.png")
    return message.as_bytes()


class Browser:
    """A signed-in user of the web host, over real HTTP."""

    def __init__(self, base: str, email: str) -> None:
        self.base = base
        self.session = requests.Session()
        response = self.post("/login", "/login", email=email, password=PASSWORD)
        assert "/login" not in response.url, response.text[:500]

    def get(self, path: str) -> requests.Response:
        return self.session.get(self.base + path, timeout=30)

    def post(self, page: str, path: str, **form: str) -> requests.Response:
        token = _TOKEN.search(self.get(page).text)
        assert token, f"no CSRF token on {page}"
        return self.session.post(self.base + path, data={**form, "csrf_token": token.group(1) or token.group(2)},
                                 timeout=30)


def _count(model) -> int:
    from inbox.extensions import db

    db.session.rollback()  # see what the other processes committed
    return db.session.scalar(select(func.count()).select_from(model))


def _mail_text(envelope) -> str:
    return message_from_bytes(envelope.content, policy=policy.default).get_body(("plain",)).get_content()


def _up(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


@pytest.fixture
def servers():
    if not os.path.exists(DOVECOT):
        pytest.fail("Dovecot is not installed: run `make test-servers` (installs dovecot-imapd) and try again")
    # not under pytest's tmp_path: Dovecot's mail user must be able to reach the folder
    root = Path(tempfile.mkdtemp(prefix="inbox-dovecot-"))
    dovecot = Dovecot(root).start()
    try:
        with SmtpServer() as smtp:
            yield dovecot.new_mailbox(), smtp
    finally:
        dovecot.stop()
        shutil.rmtree(root, ignore_errors=True)


def test_inbox_runs_as_several_hosts(app, tmp_path, servers):
    from inbox.auth.users import create_user
    from inbox.channels.settings import add_account
    from inbox.extensions import db
    from inbox.redis_client import redis_url
    from inbox.auth.security_settings import save_allowlist
    from inbox.tickets.attachments import MessageAttachment
    from inbox.tickets.models import Message, Ticket
    from inbox.voice.surveys.models import SurveySetting
    from inbox.voice.weeks import week_containing

    mailbox, smtp = servers
    save_allowlist("127.0.0.1", None)  # the mail servers are on loopback: the admin allows it for every host
    account = add_account("Support mailbox", "email", mailbox.config(smtp.port))
    account.poll_interval_seconds = 2  # below what the settings form allows: a test has no minute to spare
    db.session.add(SurveySetting(channel="email", enabled=True, send_as_reply=True))
    create_user("lead@example.com", "Lee Lead", "lead", PASSWORD)
    db.session.commit()
    mailbox.deliver(customer_mail(1, "My router is broken, photo attached.", PHOTO),
                    customer_mail(2, "Where is my refund?"), customer_mail(3, "The app logs me out."))

    hosts = Processes(tmp_path, app.config["SQLALCHEMY_DATABASE_URI"].replace("postgresql+psycopg://", "postgresql://"),
                      redis_url(app))
    shared = {"INBOX_PUBLIC_URL": PUBLIC_URL}  # what every host is given, besides DATABASE_URL, REDIS_URL, SECRET_KEY
    port = spare_port()
    base = f"http://127.0.0.1:{port}"
    try:
        web = hosts.start("web", "web", "--port", str(port), "--workers", "1", WEB_THREADS="8", **shared)
        workers = [hosts.worker(f"worker-{n}", "--no-scheduler", model="vader", **shared) for n in (1, 2)]
        first = hosts.start("poller-1", "poller", **shared)
        first.wait_log("is now the active one", 60)
        standby = hosts.start("poller-2", "poller", **shared)
        standby.wait_log("standing by", 60)

        # mail fetched by the active poller becomes tickets through the workers
        wait_for(lambda: _count(Ticket) == 3, 120, 0.5, "three tickets from the mailbox")
        assert "queued 3 message(s)" in first.text() and "queued" not in standby.text()
        wait_for(lambda: _up(base + "/login"), 60, 0.5, "the web host")
        lead = Browser(base, "lead@example.com")
        ticket = db.session.scalar(select(Ticket).where(Ticket.subject == "Order 2 problem"))

        # a reply posted to the web host is delivered by a worker, over SMTP
        assert lead.post(f"/tickets/{ticket.id}", f"/tickets/{ticket.id}/reply",
                         text="Your refund left today.").status_code == 200
        wait_for(lambda: any("Your refund left today." in _mail_text(e) for e in smtp.handler.received), 60, 0.5,
                 "the reply to reach the SMTP server")
        db.session.rollback()
        reply = db.session.scalar(select(Message).where(Message.ticket_id == ticket.id, Message.direction == "outbound"))
        assert reply.delivery_state == "sent"

        # the attachment a worker stored downloads from the web host
        attachment = db.session.scalar(select(MessageAttachment))
        download = lead.get(f"/attachments/{attachment.id}")
        assert download.status_code == 200 and download.content == PHOTO

        # a weekly export written by a worker downloads from the web host
        week = str(week_containing(ago(minutes=30), ZoneInfo("UTC")))
        assert lead.post("/voice/exports", "/voice/exports", week=week).status_code == 200
        name = f"inbox-{week}-messages.csv"
        wait_for(lambda: lead.get(f"/voice/exports/{name}").status_code == 200, 60, 0.5, "the export on the web host")
        csv_text = lead.get(f"/voice/exports/{name}").content.decode("utf-8-sig")
        assert "Where is my refund?" in csv_text and "The app logs me out." in csv_text
        assert not [p for p in tmp_path.glob("instance-*/**/*") if p.suffix == ".csv"]  # no host kept a file

        # resolving on the web sends the survey through a worker, with the public address in it
        lead.post(f"/tickets/{ticket.id}", f"/tickets/{ticket.id}/resolve", confirm="1")
        survey_mail = wait_for(lambda: next((_mail_text(e) for e in smtp.handler.received
                                             if "/voice/survey/" in _mail_text(e)), None), 60, 0.5, "the survey email")
        link = re.search(r"\S+/voice/survey/\S+", survey_mail).group(0)
        assert link.startswith(PUBLIC_URL + "/voice/survey/") and f"127.0.0.1:{port}" not in survey_mail
        assert requests.get(base + link[len(PUBLIC_URL):], timeout=30).status_code == 200  # the proxy's view of it

        # the active poller dies without a word; the standby on the other "host" takes over within a minute
        first.kill()
        killed_at = time.monotonic()
        mailbox.deliver(customer_mail(4, "Still no answer about order 4."))
        wait_for(lambda: _count(Ticket) == 4, 60, 0.5, "the standby poller to fetch the new mail")
        took_over = time.monotonic() - killed_at
        assert "is now the active one" in standby.text() and took_over < 60, took_over
        print(f"\nstandby poller took over and its mail became a ticket {took_over:.1f} s after SIGKILL")
        assert web.alive() and all(w.alive() for w in workers) and standby.alive()
    finally:
        hosts.stop_all()


def test_one_scheduler_books_and_a_standby_takes_over_after_sigkill(app, tmp_path):
    from inbox.redis_client import get_redis, redis_url

    redis = get_redis(app)
    hosts = Processes(tmp_path, app.config["SQLALCHEMY_DATABASE_URI"].replace("postgresql+psycopg://", "postgresql://"),
                      redis_url(app))
    markers = lambda: [k.decode() for k in redis.scan_iter("inbox:schedule:sla_sweep:*")]  # noqa: E731
    try:
        first = hosts.start("scheduler-1", "scheduler", INBOX_PUBLIC_URL=PUBLIC_URL)
        first.wait_log("is now the active one", 60)
        standby = hosts.start("scheduler-2", "scheduler", INBOX_PUBLIC_URL=PUBLIC_URL)
        standby.wait_log("standing by", 60)
        wait_for(markers, 30, 0.2, "the active scheduler to book the SLA sweep")
        assert "scheduled sla_sweep" in first.text() and "scheduled" not in standby.text()

        first.kill()
        killed_at = time.monotonic()
        for key in redis.scan_iter("inbox:schedule:*"):
            redis.delete(key)  # as if nothing had been booked yet: only a living scheduler can book it again
        wait_for(markers, 60, 0.2, "the standby scheduler to book the SLA sweep")
        took_over = time.monotonic() - killed_at
        # (within the same minute the booking finds the dead one's job still queued and logs nothing new)
        assert "is now the active one" in standby.text() and not first.alive()
        assert took_over < 60, took_over
        print(f"\nstandby scheduler booked the SLA sweep {took_over:.1f} s after SIGKILL")
    finally:
        hosts.stop_all()
