"""API fixtures: users of each role with real tokens made through the token service."""
from __future__ import annotations

import pytest

from tests.workspace import user


class Api:
    """A test client that sends a bearer token with every request."""

    def __init__(self, client, token: str) -> None:
        self.client, self.token = client, token

    def _headers(self, extra=None):
        return {"Authorization": f"Bearer {self.token}", **(extra or {})}

    def get(self, path, **kw):
        return self.client.get("/api/v1" + path, headers=self._headers(kw.pop("headers", None)), **kw)

    def post(self, path, json=None, **kw):
        return self.client.post("/api/v1" + path, json=json, headers=self._headers(kw.pop("headers", None)), **kw)

    def patch(self, path, json=None, **kw):
        return self.client.patch("/api/v1" + path, json=json, headers=self._headers(kw.pop("headers", None)), **kw)


@pytest.fixture
def make_api(app):
    from inbox.api.tokens import create_token

    def _make(role: str = "agent", scope: str = "write", name: str | None = None) -> Api:
        person = user(role, name)
        _, plaintext = create_token(person, f"{role} tool", scope)
        api = Api(app.test_client(), plaintext)
        api.user = person
        return api

    return _make
