import pytest

from inbox.security.outbound import ALLOWLIST_ENV


@pytest.fixture(autouse=True)
def loopback_pds_allowed(monkeypatch):
    """The tests' XRPC server listens on 127.0.0.1, which the outbound guard refuses: allow-listed here
    as an admin would (tests of the refusal remove it)."""
    monkeypatch.setenv(ALLOWLIST_ENV, "127.0.0.1")
