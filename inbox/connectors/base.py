"""The connector contract: every network is one module with one `Connector` subclass.

`fetch(cursor)` only talks to the network and returns normalised messages plus the next cursor;
the poller decides when the cursor is saved (after the batch is safely queued).
"""
from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any, ClassVar, Mapping

log = logging.getLogger(__name__)

MESSAGE_KINDS = ("mention", "dm", "reply", "email", "sms", "call")
DIRECTIONS = ("inbound", "outbound")

# Limits that protect the database and the UI from hostile payloads; longer values are cut.
MAX_TEXT_CHARS = 50_000
MAX_FIELD_CHARS = 512
MAX_URL_CHARS = 2048


class InvalidMessage(ValueError):
    """A payload that cannot be turned into an InboundMessage; the text says why."""


@dataclass(frozen=True)
class Author:
    external_id: str
    handle: str
    name: str
    followers: int | None = None


@dataclass(frozen=True)
class InboundMessage:
    external_id: str
    kind: str
    conversation: str
    author: Author
    text: str
    created_at: datetime
    in_reply_to: str | None = None
    url: str | None = None
    lang: str | None = None
    direction: str = "inbound"
    raw: dict[str, Any] = field(default_factory=dict)

    def to_payload(self) -> dict[str, Any]:
        """Plain data for a queue job (jobs never carry ORM or custom objects)."""
        data = asdict(self)
        data["created_at"] = self.created_at.isoformat()
        return data

    @classmethod
    def from_payload(cls, data: Mapping[str, Any]) -> "InboundMessage":
        author = data["author"]
        return cls(
            external_id=data["external_id"],
            kind=data["kind"],
            conversation=data["conversation"],
            author=Author(
                external_id=author["external_id"],
                handle=author["handle"],
                name=author["name"],
                followers=author.get("followers"),
            ),
            text=data["text"],
            created_at=datetime.fromisoformat(data["created_at"]),
            in_reply_to=data.get("in_reply_to"),
            url=data.get("url"),
            lang=data.get("lang"),
            direction=data.get("direction", "inbound"),
            raw=dict(data.get("raw") or {}),
        )


def clean_text(value: Any, limit: int = MAX_TEXT_CHARS) -> str:
    """Text as stored: str, NULs removed (PostgreSQL rejects them), cut to `limit`."""
    if value is None:
        return ""
    if not isinstance(value, str):
        value = str(value)
    return value.replace("\x00", "")[:limit]


def to_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise InvalidMessage("created_at has no UTC offset")
    return value.astimezone(timezone.utc)


@dataclass
class FetchResult:
    messages: list[InboundMessage]
    cursor: dict[str, Any]
    rejected: list[str] = field(default_factory=list)


class Connector(ABC):
    """One channel account's connection to its network."""

    kind: ClassVar[str]
    title: ClassVar[str]

    def __init__(self, config: Mapping[str, Any], account_name: str = "") -> None:
        self.config = dict(config)
        self.account_name = account_name
        # facts learned from the network (e.g. the brand's own user id) that the caller saves to config
        self.config_updates: dict[str, Any] = {}

    @classmethod
    def enabled(cls) -> bool:
        """Whether this connector's dependencies are installed."""
        return True

    def configured(self) -> tuple[bool, str]:
        """Whether the account's configuration (credentials, paths) is complete, and why not."""
        return True, ""

    @abstractmethod
    def fetch(self, cursor: Mapping[str, Any] | None) -> FetchResult:
        """New messages since `cursor`, and the cursor to save once they are queued."""

    def send_reply(self, ticket_message: Mapping[str, Any], text: str) -> str:
        """Post `text` in answer to `ticket_message`; returns the network's id for it."""
        raise UnsupportedOperation("this channel cannot send replies")

    def check_reply(self, ticket_message: Mapping[str, Any], text: str) -> str | None:
        """Why the network would refuse `text` (e.g. too long), checked before queueing and sending."""
        return None

    def permalink(self, external_id: str, ticket_message: Mapping[str, Any]) -> str | None:
        """Public address of a message this account sent, when the network has one."""
        return None


class UnsupportedOperation(RuntimeError):
    pass


class ConnectorError(RuntimeError):
    """A failure talking to the network that the poller handles per account."""


class RateLimited(ConnectorError):
    """The network asked us to wait; polling this account resumes at `reset_at`."""

    def __init__(self, message: str, reset_at: datetime) -> None:
        super().__init__(message)
        self.reset_at = reset_at


class NeedsAttention(ConnectorError):
    """Credentials rejected or revoked: an admin must fix the account before polling resumes."""


class SendRejected(ConnectorError):
    """The network refused this one message (duplicate, deleted target...); resending cannot help."""


_registry: dict[str, type[Connector]] = {}


def register(cls: type[Connector]) -> type[Connector]:
    _registry[cls.kind] = cls
    return cls


def connector_class(kind: str) -> type[Connector]:
    _load_builtin()
    try:
        return _registry[kind]
    except KeyError:
        raise KeyError(f"unknown connector kind {kind!r}; known: {', '.join(sorted(_registry))}") from None


def available_kinds() -> dict[str, type[Connector]]:
    """Connectors whose dependencies are present; a missing dependency skips, never crashes."""
    _load_builtin()
    return {kind: cls for kind, cls in sorted(_registry.items()) if cls.enabled()}


_BUILTIN_LOADED = False


def _load_builtin() -> None:
    global _BUILTIN_LOADED
    if _BUILTIN_LOADED:
        return
    _BUILTIN_LOADED = True
    import importlib

    for module in ("inbox.connectors.jsonl", "inbox.connectors.x"):
        try:
            importlib.import_module(module)
        except ImportError as exc:  # a connector whose library is missing is skipped
            log.warning("connector module %s not loaded: %s", module, exc)
