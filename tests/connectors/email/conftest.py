from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from tests.conftest import SHARED_EVAL
from .servers import DOVECOT, Dovecot, SmtpServer

FIXTURES = SHARED_EVAL / "email" / "mikel_mail"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


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
