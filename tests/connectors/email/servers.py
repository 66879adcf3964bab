"""Real mail servers for the email tests, on loopback, each with its own files in a temp dir:
Dovecot (Debian's dovecot-imapd) as the IMAP server, aiosmtpd as the SMTP server that receives
our replies. Installed by `make test-servers` (see the Makefile)."""
from __future__ import annotations

import getpass
import os
import pwd
import shutil
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
PASSWORD = "mailbox-password-0001"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _users() -> tuple[str, str, int, int]:
    """(login user, internal user, uid, gid) dovecot may run its processes and mail as."""
    if os.geteuid() == 0:
        login = "dovenull" if _exists("dovenull") else "nobody"
        internal = "dovecot" if _exists("dovecot") else "nobody"
        owner = pwd.getpwnam(internal)
        return login, internal, owner.pw_uid, owner.pw_gid
    me = getpass.getuser()
    return me, me, os.getuid(), os.getgid()


def _exists(user: str) -> bool:
    try:
        pwd.getpwnam(user)
        return True
    except KeyError:
        return False


@dataclass
class Dovecot:
    root: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    def config(self) -> str:
        login, internal, uid, gid = _users()
        mail = self.root / "mail"
        return f"""
protocols = imap
listen = 127.0.0.1
base_dir = {self.root}/run
state_dir = {self.root}/state
log_path = {self.root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = {login}
default_internal_user = {internal}
mail_location = maildir:{mail}/%u
first_valid_uid = 0
passdb {{
  driver = static
  args = password={PASSWORD}
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={mail}/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
"""

    def start(self) -> "Dovecot":
        for folder in ("run", "state", "mail"):
            (self.root / folder).mkdir(parents=True, exist_ok=True)
        _login, internal, uid, gid = _users()
        os.chown(self.root / "mail", uid, gid) if os.geteuid() == 0 else None
        os.chmod(self.root, 0o755)
        path = self.root / "dovecot.conf"
        path.write_text(self.config())
        self.process = subprocess.Popen([DOVECOT, "-F", "-c", str(path)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                output = self.process.stdout.read().decode(errors="replace") if self.process.stdout else ""
                raise RuntimeError(f"dovecot did not start: {output}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                    if sock.recv(100).startswith(b"* OK"):
                        return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("dovecot did not answer within 15 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()

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
