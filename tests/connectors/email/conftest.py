from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from inbox.security.outbound import ALLOWLIST_ENV
from .servers import DOVECOT, Dovecot, SmtpServer


@pytest.fixture(autouse=True)
def loopback_mail_servers_allowed(monkeypatch):
    """The tests' Dovecot and SMTP servers listen on 127.0.0.1, which the outbound guard refuses to
    every channel: allow-listed here as an admin would (tests of the refusal remove it)."""
    monkeypatch.setenv(ALLOWLIST_ENV, "127.0.0.1")

@pytest.fixture(scope="session")
def dovecot():
    if not os.path.exists(DOVECOT):
        pytest.fail("Dovecot is not installed: run `make test-servers` (installs dovecot-imapd) and try again")
    root = Path(tempfile.mkdtemp(prefix="inbox-dovecot-"))
    server = Dovecot(root).start()
    yield server
    server.stop()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def mailbox(dovecot):
    return dovecot.new_mailbox()


@pytest.fixture
def smtp():
    with SmtpServer() as server:
        yield server
