"""Every request the server makes to a URL someone typed (webhooks, survey links) and every server
address an admin typed for a channel (a Mastodon or Bluesky server, an IMAP or SMTP host) goes
through here.

A URL is refused when its host resolves to an address that is not public: loopback, private,
link-local (cloud metadata at 169.254.169.254 included), shared/carrier-grade NAT, multicast,
reserved or unspecified, IPv4 inside IPv6 included, unless an admin allow-list names the host
or the address. The host is resolved once and the connection goes to the address that was
checked (TLS still verifies the name), so a DNS answer that changes between check and connect
(rebinding) cannot lead it elsewhere. Redirects are never followed.

Channel connectors use client libraries that open their own connections: `check_host` checks the
server before the library connects (and, for HTTP libraries, before every request and redirect),
by name, so there the connection is not pinned to the checked address.
"""
from __future__ import annotations

import ipaddress
import json
import logging
import os
import socket
from dataclasses import dataclass
from typing import Any, Callable, Iterable
from urllib.parse import urlsplit

import urllib3

from ..app_settings import AppSetting
from ..extensions import db
from ..translatable import N_

log = logging.getLogger(__name__)

ALLOWLIST_SETTING = "outbound_allowlist"
ALLOWLIST_ENV = "INBOX_OUTBOUND_ALLOW"
MAX_RESPONSE_BYTES = 64 * 1024

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]


class OutboundRefused(ValueError):
    """The URL may not be fetched or posted to; the message says why, for the admin."""


class Unresolvable(OutboundRefused):
    """The host name does not resolve: a network or typing problem, not a forbidden address."""


@dataclass(frozen=True)
class Allowlist:
    hosts: frozenset[str] = frozenset()
    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()

    @classmethod
    def parse(cls, entries: Iterable[str]) -> "Allowlist":
        """Host names and addresses or networks ("hooks.internal", "10.0.0.7", "10.1.0.0/16");
        ValueError names the first entry that is neither."""
        hosts, networks = set(), []
        for raw in entries:
            entry = raw.strip().lower().rstrip(".")
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
                continue
            except ValueError:
                pass
            if len(entry) > 253 or not all(part and len(part) <= 63 and all(c.isalnum() or c in "-_" for c in part)
                                           for part in entry.split(".")):
                raise ValueError(N_("not a host name, address or network: %(entry)s", entry=repr(raw.strip()[:80])))
            hosts.add(entry)
        return cls(frozenset(hosts), tuple(networks))

    def names(self, host: str) -> bool:
        return host.lower().rstrip(".") in self.hosts

    def covers(self, address: Address) -> bool:
        return any(address in network for network in self.networks if network.version == address.version)

    def __str__(self) -> str:
        return "\n".join(sorted(self.hosts) + [str(n) for n in self.networks])


def split_entries(text: str) -> list[str]:
    return [part for part in text.replace(",", "\n").split() if part]


def current_allowlist() -> Allowlist:
    """The admin's list (Security settings page) plus INBOX_OUTBOUND_ALLOW."""
    row = db.session.get(AppSetting, ALLOWLIST_SETTING)
    entries = split_entries(row.value if row is not None else "") + split_entries(os.environ.get(ALLOWLIST_ENV, ""))
    try:
        return Allowlist.parse(entries)
    except ValueError as exc:
        log.warning("ignoring the outbound allow-list: %s", exc)
        return Allowlist()


def is_public(address: Address) -> bool:
    """Routable on the internet: what a URL from outside may reach without an allow-list entry."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour or (address.teredo[1] if address.teredo else None)
        if embedded is not None and not is_public(embedded):
            return False
        if address in ipaddress.ip_network("64:ff9b::/96"):  # NAT64: the IPv4 address is in the last 32 bits
            return is_public(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return address.is_global and not address.is_multicast


def _system_resolver(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise Unresolvable(N_("cannot resolve %(host)s: %(reason)s", host=host, reason=exc)) from None
    return [info[4][0] for info in infos]


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    address: str  # the checked address the connection goes to


def check_url(url: str, allow: Allowlist | None = None, resolve: Resolver | None = _system_resolver) -> Target:
    """The address to connect to for `url`, or OutboundRefused. With `resolve=None` only what the URL
    itself says is checked (a literal address, "localhost"): for validating a setting as it is saved."""
    allow = allow or Allowlist()
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise OutboundRefused(N_("not a valid URL")) from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise OutboundRefused(N_("only http:// and https:// URLs with a host are allowed"))
    if parts.username or parts.password:
        raise OutboundRefused(N_("credentials in the URL are not allowed; put them in a header or the path"))
    host = parts.hostname.rstrip(".")
    port = port or (443 if scheme == "https" else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    addresses = _checked_addresses(host, port, allow, resolve, trust_named=False)
    return Target(scheme, host, port, path, addresses[0] if addresses else "")


def check_host(host: str, port: int, allow: Allowlist | None = None, resolve: Resolver | None = _system_resolver) -> None:
    """OutboundRefused unless a client library may connect to `host`: a public address, or one the
    allow-list covers. A host name the allow-list names is trusted as it is, without resolving it.
    With `resolve=None` only what the name itself says is checked (a literal address, "localhost"):
    for validating a setting as it is saved. Unresolvable when the name does not resolve."""
    name = (host or "").strip().strip("[]").rstrip(".")
    try:
        ipaddress.ip_address(name)
    except ValueError:
        if not name or len(name) > 253 or not all(part and len(part) <= 63 and all(c.isalnum() or c in "-_" for c in part)
                                                  for part in name.split(".")):
            raise OutboundRefused(N_("not a host name or address: %(host)s", host=repr(str(host)[:80]))) from None
    _checked_addresses(name, port, allow or Allowlist(), resolve, trust_named=True)


def _checked_addresses(host: str, port: int, allow: Allowlist, resolve: Resolver | None, trust_named: bool) -> list[str]:
    """The addresses `host` stands for, each one checked; [] when it was not resolved (see check_host)."""
    try:
        literal: Address | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is None and (host == "localhost" or host.endswith(".localhost")) and not allow.names(host):
        raise OutboundRefused(N_("%(host)s is this machine; add it to the outbound allow-list to use it", host=host))
    if literal is not None:
        addresses = [str(literal)]
    elif resolve is None or (trust_named and allow.names(host)):
        return []
    else:
        addresses = resolve(host, port)
        if not addresses:
            raise Unresolvable(N_("cannot resolve %(host)s", host=host))
    for raw in addresses:
        address = ipaddress.ip_address(raw.split("%", 1)[0])
        if not (is_public(address) or allow.names(host) or allow.covers(address)):
            raise OutboundRefused(N_("%(host)s resolves to %(address)s, a private, loopback, link-local or reserved address; "
                                     "add it to the outbound allow-list if it is meant to be reached", host=host, address=address))
    return [raw.split("%", 1)[0] for raw in addresses]


@dataclass(frozen=True)
class OutboundResponse:
    status: int
    body: bytes


def post_json(url: str, payload: Any, *, timeout: float = 10, headers: dict[str, str] | None = None,
              allow: Allowlist | None = None, resolve: Resolver | None = None) -> OutboundResponse:
    """POST `payload` as JSON to `url` once it passed `check_url`; the answer, whatever its status."""
    return post_body(url, json.dumps(payload).encode(), timeout=timeout, headers=headers, allow=allow, resolve=resolve)


def post_body(url: str, body: bytes, *, timeout: float = 10, headers: dict[str, str] | None = None,
              allow: Allowlist | None = None, resolve: Resolver | None = None) -> OutboundResponse:
    """POST these exact bytes (a signed webhook's signature covers them) as JSON, through the same checks."""
    target = check_url(url, allow if allow is not None else current_allowlist(), resolve or _system_resolver)
    host_header = target.host if ":" not in target.host else f"[{target.host}]"
    default_port = 443 if target.scheme == "https" else 80
    if target.port != default_port:
        host_header += f":{target.port}"
    request_headers = {"Content-Type": "application/json", **(headers or {}), "Host": host_header}
    pool_args: dict[str, Any] = {"timeout": urllib3.Timeout(total=timeout), "retries": False, "maxsize": 1}
    if target.scheme == "https":
        pool: urllib3.HTTPConnectionPool = urllib3.HTTPSConnectionPool(
            target.address, target.port, server_hostname=target.host, assert_hostname=target.host,
            cert_reqs="CERT_REQUIRED", ca_certs=_ca_bundle(), **pool_args)
    else:
        pool = urllib3.HTTPConnectionPool(target.address, target.port, **pool_args)
    try:
        response = pool.urlopen("POST", target.path, body=body, headers=request_headers, redirect=False,
                                preload_content=False, assert_same_host=False)
        data = response.read(MAX_RESPONSE_BYTES)
        response.release_conn()
        return OutboundResponse(response.status, data)
    finally:
        pool.close()


def _ca_bundle() -> str | None:
    try:
        import certifi  # deferred: optional; without it the system's trust store is used
    except ImportError:  # the system's default trust store
        return None
    return certifi.where()


class DeliveryFailed(RuntimeError):
    """The receiver answered with something other than 2xx (raised so RQ retries the job)."""


def deliver_json(url: str, payload: Any, *, timeout: float = 10, headers: dict[str, str] | None = None) -> int:
    """POST through the guard; the 2xx status, or DeliveryFailed / OutboundRefused."""
    response = post_json(url, payload, timeout=timeout, headers=headers)
    if not 200 <= response.status < 300:
        raise DeliveryFailed(f"{urlsplit(url).hostname} answered {response.status}")
    return response.status
