from __future__ import annotations

from typing import Any, Callable

import pytest

from inbox.connectors.line.fixtures import encoded
from inbox.connectors.line.signature import sign

from .platform import LinePlatform, start

SECRET = "test-channel-secret-0123456789ab"


@pytest.fixture(autouse=True)
def loopback_line_allowed(monkeypatch):
    """The tests' LINE listens on 127.0.0.1, which the outbound guard refuses: allow-listed as an admin would."""
    from inbox.security.outbound import ALLOWLIST_ENV

    monkeypatch.setenv(ALLOWLIST_ENV, "127.0.0.1")


@pytest.fixture
def line_platform():
    platform = LinePlatform()
    server = start(platform)
    yield platform
    server.shutdown()
    server.server_close()


@pytest.fixture
def line_account(app, line_platform):
    from inbox.channels.settings import add_account

    account = add_account("LINE 公式", "line", {"channel_secret": SECRET, "channel_access_token": line_platform.token})
    account.config = {**account.config, "api_host": line_platform.url}
    from inbox.extensions import db

    db.session.commit()
    return account


@pytest.fixture
def deliver(client, line_account) -> Callable[..., Any]:
    """Post a body to the account's hook as LINE does (signed with the channel secret)."""

    def _deliver(body: dict[str, Any] | bytes, signature: str | None = "sign", account_id: int | None = None) -> Any:
        data = body if isinstance(body, bytes) else encoded(body)
        headers = {"Content-Type": "application/json"}
        if signature == "sign":
            headers["X-Line-Signature"] = sign(SECRET, data)
        elif signature is not None:
            headers["X-Line-Signature"] = signature
        return client.post(f"/hooks/line/{account_id or line_account.id}", data=data, headers=headers)

    return _deliver
