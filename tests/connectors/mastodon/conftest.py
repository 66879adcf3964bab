import pytest

from inbox.security.outbound import ALLOWLIST_ENV


@pytest.fixture(autouse=True)
def recorded_servers_allowed(monkeypatch):
    """The recordings were made against a Mastodon dev server on localhost, which the outbound guard
    refuses, and against mastodon.social, whose name this offline machine cannot resolve: both are
    allow-listed by name here, as an admin would (tests of the refusal remove it)."""
    monkeypatch.setenv(ALLOWLIST_ENV, "localhost mastodon.social")
