"""The demo's real mailbox: Debian's Dovecot as the IMAP server the demo email account polls, and an
SMTP sink (aiosmtpd) that accepts the agents' replies, keeps a copy in `outbox/` and lets the simulated
customer (customer.py) answer into the mailbox, so a reply really goes out and the answer comes back.

Both listen on DEMO_HOST, a loopback address of its own (all of 127.0.0.0/8 is this machine on Linux):
the outbound guard allows exactly that address for the demo, not the rest of this machine.
Everything lives under one folder (`instance/demo/mail`): Dovecot's configuration, runtime files,
the maildir and the sent copies. `python -m inbox.demo.mailbox FOLDER` runs both until stopped.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import secrets
import signal
import socket
import sys
import threading
import time
from dataclasses import asdict, dataclass
from email import message_from_bytes
from email.message import Message
from email.policy import SMTP as SMTP_POLICY
from pathlib import Path
from typing import Any, Callable, Sequence

import imapclient
from aiosmtpd.controller import Controller

from .customer import answer_to, opening_emails
from .dovecot import Dovecot

log = logging.getLogger("inbox.demo.mailbox")

DEMO_HOST = "127.0.0.77"
DEMO_ADDRESS = "support@novahikari.example"
DEMO_DISPLAY_NAME = "Nova Hikari Customer Care"
DEMO_USER = "support"
DEFAULT_IMAP_PORT = 10143
DEFAULT_SMTP_PORT = 10025
SETTINGS_FILE = "mailbox.json"


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind((DEMO_HOST, port))
            return True
        except OSError:
            return False


def _free_port(preferred: int) -> int:
    if _port_free(preferred):
        return preferred
    with socket.socket() as sock:
        sock.bind((DEMO_HOST, 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class MailboxSettings:
    """Where the demo mailbox listens and its password: written once, read by every start."""
    imap_port: int
    smtp_port: int
    password: str

    def account_config(self) -> dict[str, Any]:
        """The demo email account's settings (the email connector's fields)."""
        return {
            "address": DEMO_ADDRESS, "display_name": DEMO_DISPLAY_NAME,
            "imap_host": DEMO_HOST, "imap_port": self.imap_port, "imap_security": "none",
            "username": DEMO_USER, "password": self.password,
            "smtp_host": DEMO_HOST, "smtp_port": self.smtp_port, "smtp_security": "none",
        }


def mailbox_settings(root: Path) -> MailboxSettings:
    """The mailbox's settings in `root`, chosen (free ports, a new password) on first use."""
    path = root / SETTINGS_FILE
    if path.exists():
        return MailboxSettings(**json.loads(path.read_text()))
    root.mkdir(parents=True, exist_ok=True)
    imap_port = _free_port(int(os.environ.get("INBOX_DEMO_IMAP_PORT", DEFAULT_IMAP_PORT)))
    smtp_port = _free_port(int(os.environ.get("INBOX_DEMO_SMTP_PORT", DEFAULT_SMTP_PORT)))
    settings = MailboxSettings(imap_port, smtp_port, secrets.token_urlsafe(18))
    path.write_text(json.dumps(asdict(settings)))
    path.chmod(0o600)
    return settings


class DemoDovecot(Dovecot):
    """The demo's Dovecot: on DEMO_HOST, the port and password its settings chose."""

    def __init__(self, root: Path, settings: MailboxSettings) -> None:
        super().__init__(root, DEMO_HOST, settings.imap_port, settings.password)
        self.settings = settings

    def deliver(self, *messages: bytes) -> None:
        """Into the support mailbox with IMAP APPEND, as a mail server's delivery would."""
        client = imapclient.IMAPClient(DEMO_HOST, port=self.settings.imap_port, ssl=False, timeout=10)
        try:
            client.login(DEMO_USER, self.settings.password)
            for raw in messages:
                client.append("INBOX", raw)
        finally:
            try:
                client.logout()
            except Exception:  # the connection is gone anyway
                pass


class _Sink:
    """aiosmtpd handler: keeps a copy of each email it accepts and hands it to `on_mail`."""

    def __init__(self, outbox: Path, on_mail: Callable[[Message], None]) -> None:
        self.outbox, self.on_mail = outbox, on_mail
        self.outbox.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        name = f"{time.time_ns()}-{secrets.token_hex(4)}.eml"
        (self.outbox / name).write_bytes(raw)
        message = message_from_bytes(raw)
        asyncio.get_running_loop().run_in_executor(None, self.on_mail, message)
        return "250 2.0.0 accepted by the demo mailbox"


class DemoMailbox:
    """Dovecot + the SMTP sink + the simulated customer, all under `root`."""

    def __init__(self, root: Path, answer_after: float = 20.0) -> None:
        self.root = root
        self.settings = mailbox_settings(root)
        self.dovecot = DemoDovecot(root, self.settings)
        self.answer_after = answer_after
        self.controller = Controller(_Sink(self.outbox, self._answer), hostname=DEMO_HOST, port=self.settings.smtp_port)
        self._timers: list[threading.Timer] = []

    @property
    def outbox(self) -> Path:
        """Every email the demo account sent, one .eml file each."""
        return self.root / "outbox"

    def start(self) -> "DemoMailbox":
        self.dovecot.start()
        try:
            self.controller.start()
            self._welcome()
        except BaseException:
            self.dovecot.stop()
            raise
        return self

    def stop(self) -> None:
        for timer in self._timers:
            timer.cancel()
        try:
            self.controller.stop()
        finally:
            self.dovecot.stop()

    def __enter__(self) -> "DemoMailbox":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def _welcome(self) -> None:
        """The first customers' emails, once: the mailbox a newcomer answers."""
        marker = self.root / "welcomed"
        if marker.exists():
            return
        self.dovecot.deliver(*(m.as_bytes(policy=SMTP_POLICY) for m in opening_emails(DEMO_ADDRESS)))
        marker.write_text("the opening emails were delivered\n")

    def _answer(self, sent: Message) -> None:
        answer = answer_to(sent, DEMO_ADDRESS)
        if answer is None:
            return
        raw = answer.as_bytes(policy=SMTP_POLICY)
        if self.answer_after <= 0:
            self._deliver_logged(raw)
            return
        timer = threading.Timer(self.answer_after, self._deliver_logged, args=(raw,))
        timer.daemon = True
        self._timers.append(timer)
        timer.start()

    def _deliver_logged(self, raw: bytes) -> None:
        try:
            self.dovecot.deliver(raw)
            log.info("the demo customer answered")
        except Exception:  # a stopped mailbox: the demo customer stays silent, nothing else breaks
            log.exception("the demo customer's answer could not be delivered")


def account_config(root: Path) -> dict[str, Any]:
    """The demo email account's settings for the mailbox under `root` (created if new)."""
    return mailbox_settings(root).account_config()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m inbox.demo.mailbox", description=__doc__.split("\n")[0])
    parser.add_argument("root", type=Path, help="the demo mailbox's folder (instance/demo/mail)")
    parser.add_argument("--answer-after", type=float, default=float(os.environ.get("INBOX_DEMO_ANSWER_SECONDS", "20")),
                        metavar="SECONDS", help="how long the simulated customer takes to answer a reply")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    mailbox = DemoMailbox(args.root, answer_after=args.answer_after).start()
    log.info("demo mailbox: IMAP %s:%d, SMTP %s:%d, sent copies in %s", DEMO_HOST, mailbox.settings.imap_port,
             DEMO_HOST, mailbox.settings.smtp_port, mailbox.outbox)
    try:
        stopped.wait()
    finally:
        mailbox.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
