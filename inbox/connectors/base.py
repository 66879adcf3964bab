"""The connector contract: every network is one folder with one `Connector` subclass.

`fetch(cursor)` only talks to the network and returns normalised messages plus the next cursor;
the poller decides when the cursor is saved (after the batch is safely queued).

A connector is a leaf: it never reads the database. Whoever builds one hands it what it may need,
through `connector_for(account, conversations=..., allowlist=..., **settings)`:

- `conversations` (the `Conversations` protocol below): what earlier polls stored for this account
  (the conversation of a message it answers, the raw payload of a message being replied to, a
  customer's recent email conversations). Reading it is the only thing `fetch` does besides talking
  to the network. The poller, the delivery job, the mailbox importer and the channel Test pass the
  database-backed `inbox.channels.conversations.StoredConversations`; without it a connector knows
  no stored conversation (`NO_CONVERSATIONS`), which is enough to check settings or build a notice.
- `allowlist` (`inbox.security.outbound.Allowlist`): the outbound allow-list every address an admin
  typed (a Mastodon or Bluesky server, an IMAP or SMTP host) is checked against at connect time,
  like webhooks. Without it only public addresses are reached.
- `**settings` override the account's stored config for this one connector (the Test reads one page).
"""
from __future__ import annotations

import importlib
import logging
import math
from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from typing import Any, ClassVar, Mapping, Protocol, Sequence

from ..security.outbound import Allowlist
from ..translatable import N_

log = logging.getLogger(__name__)

MESSAGE_KINDS = ("mention", "dm", "reply", "email", "sms", "call")
DIRECTIONS = ("inbound", "outbound")

# Limits that protect the database, the model and the UI from hostile payloads.
MAX_TEXT_CHARS = 50_000
MAX_FIELD_CHARS = 512
MAX_URL_CHARS = 2048
# Timestamps outside this range are typos or attacks, and some break date arithmetic downstream.
EARLIEST = datetime(1970, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(2100, 1, 1, tzinfo=timezone.utc)


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
        """The queued form back into a message, validated again (the queue is input too)."""
        try:
            return check_message(cls._from_payload(data))
        except InvalidMessage:
            raise
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
            raise InvalidMessage(f"malformed queued message ({type(exc).__name__}: {str(exc)[:200]})") from None

    @classmethod
    def _from_payload(cls, data: Mapping[str, Any]) -> "InboundMessage":
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
    """Text from a network's own API, as stored: str, NULs removed (PostgreSQL rejects them), cut
    to `limit`. Files and other input that must be kept whole are checked with `check_message`."""
    if value is None:
        return ""
    if not isinstance(value, str):
        value = str(value)
    return value.replace("\x00", "")[:limit]


def to_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise InvalidMessage("created_at has no UTC offset")
    try:
        moment = value.astimezone(timezone.utc)
    except OverflowError:
        raise InvalidMessage("created_at is out of range") from None
    if not EARLIEST <= moment < LATEST:
        raise InvalidMessage(f"created_at {moment.date().isoformat()} is outside 1970-2100")
    return moment


def text_problem(value: str, name: str, limit: int) -> str | None:
    """Why the database or the model cannot take this string, or None."""
    if len(value) > limit:
        return f"{name} is longer than {limit:,} characters"
    if "\x00" in value:
        return f"{name} contains a NUL character"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return f"{name} contains a lone surrogate (not valid Unicode)"
    return None


def check_message(message: "InboundMessage") -> "InboundMessage":
    """Reject what the model, the database or the UI cannot take, with a reason a person can act on.

    Every connector's output and every queued payload passes here, so one bad item is reported
    and set aside before it can fail a whole batch."""
    fields = [
        ("external_id", message.external_id, MAX_FIELD_CHARS),
        ("kind", message.kind, MAX_FIELD_CHARS),
        ("conversation", message.conversation, MAX_FIELD_CHARS),
        ("author.id", message.author.external_id, MAX_FIELD_CHARS),
        ("author.handle", message.author.handle, MAX_FIELD_CHARS),
        ("author.name", message.author.name, MAX_FIELD_CHARS),
        ("text", message.text, MAX_TEXT_CHARS),
        ("in_reply_to", message.in_reply_to or "", MAX_FIELD_CHARS),
        ("url", message.url or "", MAX_URL_CHARS),
        ("lang", message.lang or "", 16),
    ]
    for name, value, limit in fields:
        if not isinstance(value, str):
            raise InvalidMessage(f"{name} must be a string")
        problem = text_problem(value, name, limit)
        if problem:
            raise InvalidMessage(problem)
    for name in ("external_id", "conversation", "author.id"):
        if not dict((n, v) for n, v, _ in fields)[name].strip():
            raise InvalidMessage(f"{name} is empty")
    if message.kind not in MESSAGE_KINDS:
        raise InvalidMessage(f"kind must be one of {', '.join(MESSAGE_KINDS)}")
    if message.direction not in DIRECTIONS:
        raise InvalidMessage("direction must be inbound or outbound")
    followers = message.author.followers
    if followers is not None and (isinstance(followers, bool) or not isinstance(followers, int) or not 0 <= followers < 2**63):
        raise InvalidMessage("author.followers must be a non-negative integer")
    if not isinstance(message.created_at, datetime):
        raise InvalidMessage("created_at must be a timestamp")
    to_utc(message.created_at)
    if not isinstance(message.raw, dict):
        raise InvalidMessage("raw payload must be an object")
    return replace(message, raw=storable(message.raw))


def storable(value: Any) -> Any:
    """A raw payload the database can keep: NULs dropped and lone surrogates escaped in every
    string (the fields Inbox reads are checked, not repaired; the rest is kept for reference)."""
    if isinstance(value, str):
        value = value.replace("\x00", "")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            value = value.encode("utf-8", "backslashreplace").decode("utf-8")
        return value
    if isinstance(value, dict):
        return {storable(str(k)): storable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [storable(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):  # NaN and Infinity are not JSON
        return None
    return value


@dataclass(frozen=True)
class Rejected:
    """One item a connector could not turn into a message: where it was, why, and what it was."""

    reference: str  # "sms.jsonl line 12", "tweet 1234"
    reason: str
    payload: str = ""

    def __str__(self) -> str:
        return f"{self.reference}: {self.reason}"


@dataclass(frozen=True)
class DeliveryFailure:
    """The network said a reply we sent never reached the customer (an email bounce)."""

    external_id: str  # the id send_reply returned for it
    reason: str


@dataclass
class FetchResult:
    messages: list[InboundMessage]
    cursor: dict[str, Any]
    rejected: list[Rejected] = field(default_factory=list)
    # set while the account works through a backlog, in words an admin reads ("catching up: ...")
    catching_up: str | None = None
    delivery_failures: list[DeliveryFailure] = field(default_factory=list)


class Conversations(Protocol):
    """What earlier polls stored for one account, as a connector may ask it (read only)."""

    def conversation_of(self, external_ids: Sequence[str]) -> str | None:
        """The conversation of the first of these external ids that is stored, in the given order
        (our own replies count: their network id is their external id once sent)."""

    def raw_of(self, external_id: str) -> dict[str, Any]:
        """The stored raw payload of one message (what the network sent), or {}."""

    def customer_conversations(self, customer_id: str, since: datetime) -> list[tuple[str, str]]:
        """(conversation key, ticket title) of the tickets this customer (their external id on the
        account's channel) opened on this account since `since`, newest first, at most 50."""


class NoConversations:
    """Nothing stored: a connector built only to check its settings or a reply, or to send a notice."""

    def conversation_of(self, external_ids: Sequence[str]) -> str | None:
        return None

    def raw_of(self, external_id: str) -> dict[str, Any]:
        return {}

    def customer_conversations(self, customer_id: str, since: datetime) -> list[tuple[str, str]]:
        return []


NO_CONVERSATIONS = NoConversations()


class Connector(ABC):
    """One channel account's connection to its network."""

    kind: ClassVar[str]
    title: ClassVar[str]
    # the network sends its events to a webhook (LINE): the poller leaves the account alone
    pushed: ClassVar[bool] = False

    def __init__(self, config: Mapping[str, Any], account_name: str = "", *, conversations: Conversations | None = None,
                 allowlist: Allowlist | None = None) -> None:
        self.config = dict(config)
        self.account_name = account_name
        self.conversations: Conversations = conversations or NO_CONVERSATIONS
        self.allowlist = allowlist or Allowlist()
        # facts learned from the network (e.g. the brand's own user id) that the caller saves to config
        self.config_updates: dict[str, Any] = {}
        # how the last reply went out (e.g. LINE: by reply token or by metered push), recorded on the reply
        self.delivery_notes: dict[str, Any] = {}

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
        raise UnsupportedOperation(N_("this channel cannot send replies"))

    def can_reply(self) -> bool:
        """Whether this account sends replies (a receive-only import does not): what the composer offers."""
        return type(self).send_reply is not Connector.send_reply

    def check_reply(self, ticket_message: Mapping[str, Any], text: str) -> str | None:
        """Why the network would refuse `text` (e.g. too long), checked before queueing and sending."""
        return None

    def permalink(self, external_id: str, ticket_message: Mapping[str, Any]) -> str | None:
        """Public address of a message this account sent, when the network has one."""
        return None

    def resend_safe(self, ticket_message: Mapping[str, Any]) -> bool:
        """Whether a send interrupted mid-call may be repeated (the network drops a repeated request)."""
        return False


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


class ConnectorAccount(Protocol):
    """What `connector_for` reads of a channel account (the model is not imported here)."""

    connector: str
    config: Mapping[str, Any] | None
    name: str


def connector_for(account: ConnectorAccount, *, conversations: Conversations | None = None,
                  allowlist: Allowlist | None = None, **settings: Any) -> Connector:
    """The account's connector; KeyError when its kind is unknown. `settings` override stored config
    entries for this connector only (see the module docstring for the other arguments)."""
    config = {**(account.config or {}), **settings}
    return connector_class(account.connector)(config, account.name, conversations=conversations, allowlist=allowlist)


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
    for module in ("inbox.connectors.jsonl", "inbox.connectors.x", "inbox.connectors.email", "inbox.connectors.mastodon",
                   "inbox.connectors.bluesky", "inbox.connectors.line"):
        try:
            importlib.import_module(module)
        except ImportError as exc:  # a connector whose library is missing is skipped
            log.warning("connector module %s not loaded: %s", module, exc)
