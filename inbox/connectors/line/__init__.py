"""LINE connector on line-bot-sdk (`linebot.v3`): webhook events in, reply and push out.

LINE pushes: nothing is polled (`pushed = True`); `POST /hooks/line/<account id>` keeps the signed
body on the queue and the worker reads it here (`read_delivery`). A reply answers with the reply
token of the customer's latest message while it is fresh (free), else with the push endpoint
(metered) and an `X-Line-Retry-Key` derived from the reply, so a retried job never sends twice:
LINE answers a key it already accepted with 409 and the id of the accepted request.
"""
from __future__ import annotations

import base64
import json
import logging
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Callable, Mapping

from ...timeutil import utcnow
from ..base import (
    MAX_FIELD_CHARS,
    Author,
    Connector,
    ConnectorError,
    FetchResult,
    InboundMessage,
    NeedsAttention,
    RateLimited,
    SendRejected,
    register,
)
from ..guard import check_server_url
from .shapes import Delivery

try:
    from linebot.v3.messaging import (
        ApiClient,
        ApiException,
        Configuration,
        MessagingApi,
        MessagingApiBlob,
        PushMessageRequest,
        ReplyMessageRequest,
        TextMessage,
    )

    from .events import MEDIA_KINDS, read_events
except ImportError:  # the LINE connector is skipped; every other channel keeps working
    ApiClient = None  # type: ignore[assignment,misc]

log = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 5_000  # one LINE text message object
MAX_MESSAGE_OBJECTS = 5  # per reply or push request
# LINE: "reply tokens must be used within one minute"; a margin for the queue and the request
REPLY_TOKEN_LIFE = timedelta(seconds=50)
DEFAULT_MAX_MEDIA_BYTES = 10 * 1024 * 1024
DEFAULT_TIMEOUT_SECONDS = 20
RETRY_KEY_NAMESPACE = uuid.UUID("7d1c3b9e-54a8-4f0e-9a51-2c6f0f3e8b11")
QUOTA_WORDS = "monthly limit"


@dataclass(frozen=True)
class Profile:
    user_id: str
    display_name: str
    picture_url: str | None = None
    language: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"user_id": self.user_id, "display_name": self.display_name, "picture_url": self.picture_url, "language": self.language}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Profile":
        return cls(str(data["user_id"]), str(data["display_name"]), data.get("picture_url"), data.get("language"))


ProfileLookup = Callable[[str, str | None, str | None], "Profile | None"]


def split_reply(text: str) -> list[str]:
    """The reply as LINE text message objects: one per 5,000 characters, cut at a paragraph or line
    break where there is one."""
    parts: list[str] = []
    rest = text.strip()
    while len(rest) > MAX_MESSAGE_CHARS:
        window = rest[:MAX_MESSAGE_CHARS]
        cut = max(window.rfind("\n\n"), window.rfind("\n"))
        cut = cut if cut > MAX_MESSAGE_CHARS // 2 else MAX_MESSAGE_CHARS
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return parts


def retry_key(account_name: str, reply_id: Any) -> str:
    """The same reply of the same account always carries the same key (a UUID, as LINE requires)."""
    return str(uuid.uuid5(RETRY_KEY_NAMESPACE, f"{account_name}\n{reply_id}"))


def line_words(exc: Any) -> str:
    """What LINE said, from an ApiException's JSON body ("message" and each detail)."""
    body = getattr(exc, "body", None)
    try:
        data = json.loads(body) if body else {}
    except (TypeError, ValueError):
        data = {}
    if not isinstance(data, dict):
        data = {}
    words = str(data.get("message") or getattr(exc, "reason", "") or "no message")[:300]
    details = [f"{d.get('property', '')}: {d.get('message', '')}".strip(": ") for d in data.get("details") or [] if isinstance(d, dict)]
    return words + (f" ({'; '.join(details)[:300]})" if details else "")


def _header(exc: Any, name: str) -> str | None:
    headers = getattr(exc, "headers", None) or {}
    for key, value in dict(headers).items():
        if str(key).lower() == name:
            return str(value)
    return None


@register
class LineConnector(Connector):
    kind = "line"
    title = "LINE"
    pushed = True
    credential_words = "Needs a new channel access token"

    @classmethod
    def enabled(cls) -> bool:
        return ApiClient is not None

    def configured(self) -> tuple[bool, str]:
        if not self.config.get("channel_secret"):
            return False, "the channel secret is missing"
        if not self.config.get("channel_access_token"):
            return False, "the channel access token is missing"
        return True, ""

    # -- the SDK's client ---------------------------------------------------------------------

    def api_client(self) -> Any:
        if ApiClient is None:
            raise ConnectorError("line-bot-sdk is not installed")
        # `api_host` only for a test server or a proxy (checked by the outbound guard, as every server an
        # admin types); LINE's own public hosts otherwise (api.line.me, api-data.line.me)
        host = str(self.config.get("api_host") or "").rstrip("/") or None
        if host:
            check_server_url("LINE API host", host, self.allowlist)
        configuration = Configuration(access_token=str(self.config.get("channel_access_token") or ""), host=host)
        return ApiClient(configuration)

    @property
    def timeout(self) -> float:
        return float(self.config.get("timeout_seconds") or DEFAULT_TIMEOUT_SECONDS)

    def translate(self, exc: Exception, sending: bool = False) -> ConnectorError:
        status = getattr(exc, "status", None)
        words = line_words(exc)
        if status == 401:
            return NeedsAttention(f"LINE rejected the channel access token ({words}); issue a new long-lived token in the "
                                  "LINE Developers console (Messaging API tab) and save it here")
        if status == 403:
            return NeedsAttention(f"LINE refused access ({words}); check the channel's plan and permissions")
        if status == 429 and QUOTA_WORDS in words.lower():
            return QuotaExhausted(f"LINE's monthly message quota is used up ({words}): push messages fail until the quota "
                                  "resets or the plan is raised in LINE Official Account Manager; replies to a fresh "
                                  "message still go out")
        if status == 429:
            return RateLimited(f"LINE rate limit reached ({words})", utcnow() + timedelta(minutes=1))
        if isinstance(status, int) and status >= 500:
            return ConnectorError(f"LINE had a server error ({status}); trying again later")
        if sending and isinstance(status, int):
            return SendRejected(f"LINE refused the message ({status}: {words})")
        if isinstance(status, int):
            return ConnectorError(f"LINE answered with an error ({status}: {words})")
        return ConnectorError(f"could not reach LINE ({type(exc).__name__})")

    # -- the Test, and polling that never is ----------------------------------------------------

    def fetch(self, cursor: Mapping[str, Any] | None) -> FetchResult:
        """LINE sends its events to the webhook; a "fetch" only checks the token (the channel Test)."""
        self.bot_info()
        return FetchResult([], dict(cursor or {}))

    def bot_info(self) -> dict[str, Any]:
        with self.api_client() as client:
            try:
                info = MessagingApi(client).get_bot_info(_request_timeout=self.timeout)
            except ApiException as exc:
                raise self.translate(exc) from exc
            except OSError as exc:
                raise ConnectorError(f"could not reach LINE ({type(exc).__name__})") from exc
        facts = {"bot_user_id": info.user_id, "basic_id": info.basic_id, "bot_name": info.display_name}
        self.config_updates.update({k: v for k, v in facts.items() if v and self.config.get(k) != v})
        return facts

    # -- reading what the webhook kept --------------------------------------------------------

    def read_delivery(self, body: Mapping[str, Any], profile_of: ProfileLookup | None = None) -> Delivery:
        """The webhook body's events, each message with its author's profile and its media fetched."""
        delivery = read_events(body)
        delivery.messages = [self._complete(message, profile_of) for message in delivery.messages]
        return delivery

    def _complete(self, message: InboundMessage, profile_of: ProfileLookup | None) -> InboundMessage:
        line = dict(message.raw.get("line") or {})
        author = message.author
        lang = None
        if profile_of is not None and line.get("user_id"):
            profile = profile_of(line["user_id"], line.get("group_id"), line.get("room_id"))
            if profile is not None:
                author = Author(author.external_id, author.handle, profile.display_name[:MAX_FIELD_CHARS] or author.name)
                line["profile"] = profile.to_dict()
                lang = (profile.language or None) and profile.language[:16]
        raw = {**message.raw, "line": line}
        media = line.get("media") or {}
        if media.get("kind") in MEDIA_KINDS and media.get("provider", "line") == "line":
            raw["attachments"] = [self.media_attachment(message.external_id, media)]
        return replace(message, author=author, lang=lang, raw=raw)

    @property
    def max_media_bytes(self) -> int:
        return int(self.config.get("max_media_bytes") or DEFAULT_MAX_MEDIA_BYTES)

    def media_attachment(self, message_id: str, media: Mapping[str, Any]) -> dict[str, Any]:
        """The file as an attachment entry (as email attachments are stored), or the reason it is not kept."""
        kind = media.get("kind")
        default_names = {"image": "image.jpg", "video": "video.mp4", "audio": "audio.m4a", "file": "file"}
        entry: dict[str, Any] = {"filename": media.get("filename") or f"line-{message_id}-{default_names.get(kind, 'file')}",
                                 "content_type": "application/octet-stream", "size": int(media.get("size") or 0)}
        cap = self.max_media_bytes
        if entry["size"] > cap:
            return {**entry, "dropped": f"larger than the size limit ({cap:,} bytes)"}
        try:
            with self.api_client() as client:
                response = MessagingApiBlob(client).get_message_content_with_http_info(
                    message_id, _preload_content=False, _request_timeout=self.timeout)
                raw = response.raw_data
                data = raw.read(cap + 1, decode_content=True) if hasattr(raw, "read") else bytes(raw or b"")
                content_type = (response.headers or {}).get("Content-Type") or ""
        except ApiException as exc:
            return {**entry, "dropped": f"LINE did not give the file ({getattr(exc, 'status', '?')}: {line_words(exc)})"}
        except OSError as exc:
            return {**entry, "dropped": f"could not reach LINE for the file ({type(exc).__name__})"}
        except ConnectorError as exc:
            return {**entry, "dropped": f"could not fetch the file ({exc})"}
        if len(data) > cap:
            return {**entry, "dropped": f"larger than the size limit ({cap:,} bytes)"}
        return {**entry, "content_type": content_type.split(";")[0].strip() or entry["content_type"], "size": len(data),
                "data_b64": base64.b64encode(bytes(data)).decode("ascii")}

    def profile(self, user_id: str, group_id: str | None = None, room_id: str | None = None) -> Profile | None:
        """The user's display name, picture and language; a group or room member's from that group or room.
        None when LINE has none to give (the user blocked the account, or never consented in a room)."""
        with self.api_client() as client:
            api = MessagingApi(client)
            try:
                if group_id:
                    found = api.get_group_member_profile(group_id, user_id, _request_timeout=self.timeout)
                elif room_id:
                    found = api.get_room_member_profile(room_id, user_id, _request_timeout=self.timeout)
                else:
                    found = api.get_profile(user_id, _request_timeout=self.timeout)
            except ApiException as exc:
                if getattr(exc, "status", None) == 404:
                    return None
                raise self.translate(exc) from exc
            except OSError as exc:
                raise ConnectorError(f"could not reach LINE ({type(exc).__name__})") from exc
        return Profile(user_id, found.display_name or user_id, getattr(found, "picture_url", None), getattr(found, "language", None))

    # -- replies ------------------------------------------------------------------------------

    def check_reply(self, ticket_message: Mapping[str, Any], text: str) -> str | None:
        if not text.strip():
            return "the reply is empty"
        if len(split_reply(text)) > MAX_MESSAGE_OBJECTS:
            return (f"a LINE reply has at most {MAX_MESSAGE_OBJECTS} messages of {MAX_MESSAGE_CHARS:,} characters; "
                    "shorten it or send it as two replies")
        return None

    def _answered(self, ticket_message: Mapping[str, Any]) -> dict[str, Any]:
        in_reply_to = ticket_message.get("in_reply_to")
        return (self.conversations.raw_of(str(in_reply_to)).get("line") or {}) if in_reply_to else {}

    def reply_token(self, ticket_message: Mapping[str, Any], now: datetime) -> str | None:
        """The customer's latest message's reply token while it is fresh at `now` (the first attempt's time)."""
        event = self._answered(ticket_message).get("event") or {}
        token, stamp = event.get("replyToken"), event.get("timestamp")
        if not isinstance(token, str) or not token or not isinstance(stamp, int):
            return None
        sent = datetime.fromtimestamp(stamp / 1000, tz=now.tzinfo)
        return token if timedelta(0) <= now - sent <= REPLY_TOKEN_LIFE else None

    def resend_safe(self, ticket_message: Mapping[str, Any]) -> bool:
        """A send interrupted mid-call may be repeated when it was a push: its retry key makes LINE
        drop the copy. A reply token may have been spent, so an interrupted reply is not repeated."""
        first = ticket_message.get("first_attempt_at")
        return isinstance(first, str) and self.reply_token(ticket_message, datetime.fromisoformat(first)) is None

    def send_reply(self, ticket_message: Mapping[str, Any], text: str) -> str:
        problem = self.check_reply(ticket_message, text)
        if problem:
            raise SendRejected(problem)
        messages = [TextMessage(text=part) for part in split_reply(text)]
        first = ticket_message.get("first_attempt_at")
        token = self.reply_token(ticket_message, datetime.fromisoformat(first) if isinstance(first, str) else utcnow())
        if token:
            try:
                return self._reply(token, messages)
            except SendRejected as exc:
                if "reply token" not in str(exc).lower():
                    raise
                log.info("account %s: reply token refused (%s); pushing instead", self.account_name, exc)
        return self._push(ticket_message, messages)

    def _reply(self, token: str, messages: list[Any]) -> str:
        with self.api_client() as client:
            try:
                sent = MessagingApi(client).reply_message(ReplyMessageRequest(reply_token=token, messages=messages),
                                                          _request_timeout=self.timeout)
            except ApiException as exc:
                raise self.translate(exc, sending=True) from exc
        self.delivery_notes.update(via="reply")
        return self._sent_id(sent)

    def _push(self, ticket_message: Mapping[str, Any], messages: list[Any]) -> str:
        line = self._answered(ticket_message)
        conversation = str(ticket_message.get("conversation") or "")
        to = line.get("push_to") or conversation.partition(":")[2] or ticket_message.get("customer_id")
        if not to:
            raise SendRejected("there is no LINE user, group or room to send to")
        key = retry_key(self.account_name, ticket_message.get("reply_id") or ticket_message.get("in_reply_to"))
        self.delivery_notes.update(via="push", retry_key=key)
        with self.api_client() as client:
            try:
                sent = MessagingApi(client).push_message(PushMessageRequest(to=str(to), messages=messages),
                                                         x_line_retry_key=key, _request_timeout=self.timeout)
            except ApiException as exc:
                accepted = _header(exc, "x-line-accepted-request-id")
                if getattr(exc, "status", None) == 409 and accepted:
                    # this very push was accepted before (a retried job): it is sent, once
                    self.delivery_notes.update(accepted_before=accepted)
                    return f"line-request:{accepted}"
                raise self.translate(exc, sending=True) from exc
        return self._sent_id(sent)

    @staticmethod
    def _sent_id(sent: Any) -> str:
        ids = [m.id for m in (getattr(sent, "sent_messages", None) or []) if getattr(m, "id", None)]
        if not ids:
            raise SendRejected("LINE accepted the message but returned no id")
        return str(ids[0])


class QuotaExhausted(NeedsAttention):
    """The account's monthly push quota is used up: an admin must wait for the reset or raise the plan."""
