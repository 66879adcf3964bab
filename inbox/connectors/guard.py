"""The servers an admin typed for a channel (a Mastodon or Bluesky server, an IMAP or SMTP host) go
through the same outbound guard as webhooks (`inbox.security.outbound`), with the allow-list the
connector was given: checked before the client library connects and, for the HTTP libraries, before
every request, redirects and a Bluesky session's PDS included, so nothing (an app password least of
all) is ever sent to this machine or a private network unless the allow-list says so.

A refused address needs an admin (NeedsAttention); a name that does not resolve is a network problem
the poller retries (ConnectorError).
"""
from __future__ import annotations

from typing import Any, Callable
from urllib.parse import urlsplit

import requests

from ..security.outbound import Allowlist, OutboundRefused, Unresolvable, check_host
from .base import ConnectorError, NeedsAttention


def refused(what: str, exc: OutboundRefused) -> ConnectorError:
    """The guard's refusal in an admin's words, as the error the poller and the Test handle."""
    if isinstance(exc, Unresolvable):
        return ConnectorError(f"could not reach the {what}: {exc}")
    return NeedsAttention(f"the {what} address is refused: {exc}")


def check_server(what: str, host: str, port: int, allowlist: Allowlist) -> None:
    try:
        check_host(host, port, allowlist)
    except OutboundRefused as exc:
        raise refused(what, exc) from exc


def url_host_port(url: str) -> tuple[str, int]:
    """(host, port) of an http(s) URL; OutboundRefused for anything else."""
    try:
        parts = urlsplit(str(url).strip())
        port = parts.port
    except ValueError:
        raise OutboundRefused(f"not a valid URL: {str(url)[:80]!r}") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise OutboundRefused(f"only http:// and https:// addresses with a host are allowed, not {str(url)[:80]!r}")
    return parts.hostname, port or (443 if parts.scheme.lower() == "https" else 80)


def check_server_url(what: str, url: str, allowlist: Allowlist) -> None:
    try:
        host, port = url_host_port(url)
        check_host(host, port, allowlist)
    except OutboundRefused as exc:
        raise refused(what, exc) from exc


def refusal_in(exc: BaseException) -> OutboundRefused | None:
    """The guard's refusal behind a client library's own error (Mastodon.py wraps what a request raised)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, OutboundRefused):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


class GuardedAdapter(requests.adapters.HTTPAdapter):
    """A requests transport that checks every request's host, redirects included, before sending it."""

    def __init__(self, allowlist: Allowlist) -> None:
        super().__init__()
        self.allowlist = allowlist

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        host, port = url_host_port(request.url or "")
        check_host(host, port, self.allowlist)
        return super().send(request, *args, **kwargs)


def guarded_session(allowlist: Allowlist) -> requests.Session:
    session = requests.Session()
    adapter = GuardedAdapter(allowlist)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def httpx_request_guard(allowlist: Allowlist) -> Callable[[Any], None]:
    """An httpx "request" event hook (called before each request is sent, redirects included)."""

    def guard(request: Any) -> None:
        host, port = url_host_port(str(request.url))
        check_host(host, port, allowlist)

    return guard
