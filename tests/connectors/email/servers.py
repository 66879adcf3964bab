"""Real mail servers for the email tests, on loopback, each with its own files in a temp dir:
Dovecot (Debian's dovecot-imapd) as the IMAP server, aiosmtpd as the SMTP server that receives
our replies. Installed by `make test-servers` (see the Makefile)."""
from __future__ import annotations

import socket
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inbox.demo.dovecot import Dovecot as ProductDovecot
from inbox.demo.dovecot import dovecot_path

DOVECOT = dovecot_path() or "/usr/sbin/dovecot"
PASSWORD = "mailbox-password-0001"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Dovecot(ProductDovecot):
    """The product's Dovecot runner (inbox.demo.dovecot) on 127.0.0.1, a free port, one test password."""

    def __init__(self, root: Path) -> None:
        super().__init__(root, "127.0.0.1", free_port(), PASSWORD)

    def new_mailbox(self) -> "Mailbox":
        return Mailbox(self, f"support-{uuid.uuid4().hex[:10]}")


@dataclass
class Mailbox:
    server: Dovecot
    user: str

    def client(self) -> Any:
        import imapclient

        client = imapclient.IMAPClient("127.0.0.1", port=self.server.port, ssl=False, timeout=10)
        client.login(self.user, PASSWORD)
        return client

    def deliver(self, *messages: bytes, folder: str = "INBOX") -> None:
        """Put messages into the mailbox with IMAP APPEND, as a mail server's delivery would."""
        client = self.client()
        try:
            for raw in messages:
                client.append(folder, raw)
        finally:
            client.logout()

    def config(self, smtp_port: int | None = None, **extra: Any) -> dict[str, Any]:
        settings = {
            "address": "support@inbox.example",
            "display_name": "Acme Support",
            "imap_host": "127.0.0.1",
            "imap_port": self.server.port,
            "imap_security": "none",
            "username": self.user,
            "password": PASSWORD,
        }
        if smtp_port:
            settings.update(smtp_host="127.0.0.1", smtp_port=smtp_port, smtp_security="none")
        settings.update(extra)
        return settings


class Recorder:
    """aiosmtpd handler: keeps what it accepted; refuses recipients and fails on cue."""

    def __init__(self) -> None:
        self.received: list[Any] = []
        self.refuse: set[str] = set()
        self.data_reply: str | None = None  # e.g. "451 4.3.0 try again later"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]) -> str:
        if address.lower() in self.refuse:
            return "550 5.1.1 no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.data_reply:
            return self.data_reply
        self.received.append(envelope)
        return "250 2.0.0 queued"


class SmtpServer:
    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.handler = Recorder()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> "SmtpServer":
        self.controller.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.controller.stop()
