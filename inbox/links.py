"""Links that leave the system (survey invitations to customers, webhook payloads): absolute, on
the address customers and other systems reach Inbox at, whichever process builds them.

A worker has no request to copy a host from, and behind a proxy the request's host is an
internal one; so INBOX_PUBLIC_URL decides. Without it (one machine, embedded SQLite) a link built
during a request uses that request's address, and one built elsewhere is None.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for


def external_url(endpoint: str, **values: Any) -> str | None:
    """The absolute URL of `endpoint` for someone outside, or None when no address is known."""
    base = current_app.config.get("INBOX_PUBLIC_URL")
    if base:
        parts = urlsplit(base)
        adapter = current_app.url_map.bind(parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme)
        return adapter.build(endpoint, values, force_external=True)
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    return None
