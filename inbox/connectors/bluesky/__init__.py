"""Bluesky connector on the `atproto` SDK: mentions, replies and quotes from the notification
list, chat DMs through the chat proxy; replies posted as `app.bsky.feed.post` records.

Login uses an app password once; the session (access and refresh token) is kept in the account's
config and reused, and the SDK refreshes it before it expires, since Bluesky limits new logins
(30 per 5 minutes, 300 a day per account). A thread's conversation key is its root post, which
every reply names itself, so no lookup is needed; a chat's key is its conversation id.
"""
from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from typing import Any, Mapping

from ...security.outbound import Allowlist, OutboundRefused
from ...timeutil import utcnow
from ..base import (
    MAX_FIELD_CHARS,
    Author,
    Connector,
    ConnectorError,
    Conversations,
    FetchResult,
    InboundMessage,
    InvalidMessage,
    NeedsAttention,
    RateLimited,
    Rejected,
    SendRejected,
    clean_text,
    register,
    to_utc,
)
from ..guard import check_server_url, httpx_request_guard, refused

try:
    from atproto import Client
    from atproto_client import exceptions as at_errors
    from atproto_client.client.session import Session
    from atproto_client.request import Request
except ImportError:  # the Bluesky connector is skipped; every other channel keeps working
    Client = None

log = logging.getLogger(__name__)

DEFAULT_SERVICE = "https://bsky.social"
REASONS = ("mention", "reply", "quote")
PAGE_SIZE = 50
DEFAULT_MAX_PAGES = 10
MAX_POST_CHARS = 300
CHAT_PREFIX = "chat:"
CONVO_PREFIX = "convo:"


def _plain(model: Any) -> Any:
    """An SDK model as plain JSON data with the lexicon's own field names."""
    if hasattr(model, "model_dump"):
        return json.loads(model.model_dump_json(by_alias=True, exclude_none=True))
    return json.loads(json.dumps(model, default=str))


def _timestamp(*values: Any) -> datetime:
    for value in values:
        if isinstance(value, str):
            try:
                moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                continue
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=timezone.utc)
            return to_utc(moment)
    raise InvalidMessage("no valid timestamp (createdAt / indexedAt)")


def _rkey(uri: str) -> str:
    return uri.rsplit("/", 1)[-1]


def _author(profile: Mapping[str, Any]) -> Author:
    did, handle = profile.get("did"), profile.get("handle")
    if not isinstance(did, str) or not did.startswith("did:"):
        raise InvalidMessage("author has no DID")
    handle = handle if isinstance(handle, str) and handle else did
    name = profile.get("displayName") if isinstance(profile.get("displayName"), str) and profile["displayName"].strip() else handle
    return Author(external_id=did[:MAX_FIELD_CHARS], handle=clean_text(f"@{handle}", MAX_FIELD_CHARS),
                  name=clean_text(name, MAX_FIELD_CHARS))


def _blocked_by_us(profile: Mapping[str, Any], blocked: set[str]) -> bool:
    viewer = profile.get("viewer") if isinstance(profile.get("viewer"), Mapping) else {}
    return bool(viewer.get("blocking")) or str(profile.get("handle") or "").lower() in blocked or profile.get("did") in blocked


def mention_facet(text: str, handle: str, did: str) -> dict[str, Any]:
    """The rich-text facet that makes "@handle" at the start of `text` a mention (byte offsets in UTF-8)."""
    mention = f"@{handle}"
    start = text.encode("utf-8").find(mention.encode("utf-8"))
    return {"index": {"byteStart": start, "byteEnd": start + len(mention.encode("utf-8"))},
            "features": [{"$type": "app.bsky.richtext.facet#mention", "did": did}]}


@register
class BlueskyConnector(Connector):
    kind = "bluesky"
    title = "Bluesky"
    credential_words = "Needs a new app password"

    def __init__(self, config: Mapping[str, Any], account_name: str = "", *, conversations: Conversations | None = None,
                 allowlist: Allowlist | None = None) -> None:
        super().__init__(config, account_name, conversations=conversations, allowlist=allowlist)
        self._client: Any = None

    @classmethod
    def enabled(cls) -> bool:
        return Client is not None

    def configured(self) -> tuple[bool, str]:
        if not self.config.get("handle"):
            return False, "the account's handle (e.g. acme.bsky.social) is missing"
        if not self.config.get("app_password") and not self.config.get("session_token"):
            return False, "the app password is missing"
        return True, ""

    @property
    def blocked(self) -> set[str]:
        value = self.config.get("blocked_accounts") or ""
        return {item.strip().lstrip("@").lower() for item in str(value).replace(",", " ").split() if item.strip()}

    # -- session ------------------------------------------------------------------------------

    def _save_session(self, _event: Any, _session: Any) -> None:
        self.config_updates["session_token"] = self._client.export_session_string()
        self.config["session_token"] = self.config_updates["session_token"]

    def client(self) -> Any:
        """A logged-in client: the saved session when it still works, else a login with the app password."""
        if Client is None:
            raise ConnectorError("the atproto package is not installed")
        if self._client is not None:
            return self._client
        service = str(self.config.get("service") or DEFAULT_SERVICE).rstrip("/")
        check_server_url("Bluesky server", service, self.allowlist)
        self._client = self._new_client(service)
        saved = self.config.get("session_token")
        try:
            if saved:
                try:
                    self._client.login(session_string=str(saved), fetch_bsky_profile=False)
                    return self._client
                except (at_errors.UnauthorizedError, at_errors.BadRequestError, at_errors.LoginRequiredError, ValueError):
                    self._client = self._new_client(service)  # the session is gone: log in again below
            if not self.config.get("app_password"):
                raise NeedsAttention("the saved Bluesky session expired and there is no app password to log in again")
            self._client.login(str(self.config["handle"]), str(self.config["app_password"]), fetch_bsky_profile=False)
        except (at_errors.UnauthorizedError, at_errors.BadRequestError) as exc:
            self._client = None
            raise NeedsAttention("Bluesky rejected the handle or app password; create a new app password and save it here") from exc
        except at_errors.AtProtocolError as exc:
            self._client = None
            raise self.translate(exc, sending=False) from exc
        except OutboundRefused as exc:  # the saved session's PDS, or a redirect, points inside
            self._client = None
            raise refused("Bluesky server", exc) from exc
        return self._client

    def _new_client(self, service: str) -> Any:
        # the guard runs before every request, the login with the app password first of all; the
        # chat proxy's client is a clone and keeps it
        client = Client(base_url=service, request=Request(event_hooks={"request": [httpx_request_guard(self.allowlist)]}))
        client.on_session_change(self._save_session)
        return client

    def brand_did(self) -> str:
        session = Session.decode(self.client().export_session_string())
        if self.config.get("did") != session.did:
            self.config_updates["did"] = session.did
        return session.did

    def translate(self, exc: Exception, sending: bool) -> ConnectorError:
        if isinstance(exc, at_errors.RateLimitExceededError):
            reset_at = exc.reset_at if exc.reset_at and exc.reset_at > utcnow() else None
            reset_at = reset_at or datetime.fromtimestamp(utcnow().timestamp() + 300, tz=timezone.utc)
            return RateLimited(f"Bluesky rate limit reached; resets at {reset_at.isoformat()}", reset_at)
        if isinstance(exc, at_errors.UnauthorizedError):
            return NeedsAttention("Bluesky no longer accepts this account's session or app password; create a new app password")
        status = getattr(getattr(exc, "response", None), "status_code", None)
        if isinstance(exc, at_errors.NetworkError):
            return ConnectorError(f"could not reach Bluesky ({'network error' if status is None else status})")
        if sending and isinstance(exc, at_errors.BadRequestError):
            return SendRejected(f"Bluesky refused the message ({str(exc)[:200]})")
        return ConnectorError(f"Bluesky answered with an error ({status or 'no status'})")

    def _call(self, fn: Any, *args: Any, sending: bool = False, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except at_errors.AtProtocolError as exc:
            raise self.translate(exc, sending) from exc
        except OutboundRefused as exc:
            raise refused("Bluesky server", exc) from exc

    # -- reading ------------------------------------------------------------------------------

    def fetch(self, cursor: Mapping[str, Any] | None) -> FetchResult:
        cursor = dict(cursor or {})
        client = self.client()
        brand = self.brand_did()
        messages: list[InboundMessage] = []
        rejected: list[Rejected] = []
        seen_at = cursor.get("seen_at")
        newest = seen_at
        page_cursor = None
        pages, finished = 0, False
        max_pages = int(self.config.get("max_pages") or DEFAULT_MAX_PAGES)
        start_from_now = not cursor and self.config.get("start_from_now")
        while pages < max_pages:
            params: dict[str, Any] = {"limit": 1 if start_from_now else PAGE_SIZE, "reasons": list(REASONS)}
            if page_cursor:
                params["cursor"] = page_cursor
            page = self._call(client.app.bsky.notification.list_notifications, params=params)
            pages += 1
            reached = False
            for item in page.notifications:
                data = _plain(item)
                indexed = data.get("indexedAt")
                if seen_at and isinstance(indexed, str) and indexed <= seen_at:
                    reached = True
                    break
                if isinstance(indexed, str) and (newest is None or indexed > newest):
                    newest = indexed
                if start_from_now:
                    continue
                self._take_notification(data, brand, messages, rejected)
            page_cursor = page.cursor
            if reached or not page_cursor or not seen_at or start_from_now:
                finished = True  # a first poll reads one page (the newest), not the account's whole history
                break
        next_cursor: dict[str, Any] = {"seen_at": newest} if newest else {}
        if self.config.get("dms", True):
            next_cursor["chat_rev"] = self._fetch_chats(client, brand, cursor.get("chat_rev"), messages, rejected,
                                                        bool(start_from_now))
        for problem in rejected:
            log.warning("account %s: skipped %s", self.account_name, problem)
        catching_up = None if finished else f"catching up on notifications: {pages} page(s) read, the rest follows"
        if not finished and seen_at:
            next_cursor["seen_at"] = seen_at  # nothing older than what was read is skipped
        return FetchResult(messages, {k: v for k, v in next_cursor.items() if v}, rejected, catching_up)

    def _take_notification(self, data: Mapping[str, Any], brand: str, messages: list[InboundMessage],
                           rejected: list[Rejected]) -> None:
        reference = f"notification {str(data.get('uri'))[:200]}"
        try:
            if data.get("reason") not in REASONS:
                return
            author = data.get("author") if isinstance(data.get("author"), Mapping) else {}
            if _blocked_by_us(author, self.blocked):
                rejected.append(Rejected(reference, f"from the blocked account @{author.get('handle')}; opens no ticket",
                                         json.dumps(data)[:64_000]))
                return
            messages.append(self.post_message(data, brand))
        except InvalidMessage as exc:
            rejected.append(Rejected(reference, str(exc), json.dumps(data, default=str)[:64_000]))

    def post_message(self, data: Mapping[str, Any], brand: str) -> InboundMessage:
        uri, cid, record = data.get("uri"), data.get("cid"), data.get("record")
        if not isinstance(uri, str) or not uri.startswith("at://") or not isinstance(cid, str):
            raise InvalidMessage("post has no uri or cid")
        if not isinstance(record, Mapping) or not isinstance(record.get("text"), str):
            raise InvalidMessage("post record has no text")
        author = _author(data.get("author") if isinstance(data.get("author"), Mapping) else {})
        reply = record.get("reply") if isinstance(record.get("reply"), Mapping) else {}
        root = (reply.get("root") or {}).get("uri") if isinstance(reply.get("root"), Mapping) else None
        parent = (reply.get("parent") or {}).get("uri") if isinstance(reply.get("parent"), Mapping) else None
        langs = record.get("langs") if isinstance(record.get("langs"), list) else []
        text = clean_text(record["text"]) or "(a post without text)"
        return InboundMessage(
            external_id=uri[:MAX_FIELD_CHARS],
            kind="reply" if data.get("reason") == "reply" else "mention",
            conversation=str(root or uri)[:MAX_FIELD_CHARS],
            author=author,
            # facets are not rendered: an index past the text's end, or into a character, changes nothing here
            text=text,
            created_at=_timestamp(record.get("createdAt"), data.get("indexedAt")),
            in_reply_to=str(parent)[:MAX_FIELD_CHARS] if parent else None,
            url=f"https://bsky.app/profile/{author.handle.lstrip('@')}/post/{_rkey(uri)}",
            lang=str(langs[0])[:16] if langs and isinstance(langs[0], str) else None,
            direction="outbound" if author.external_id == brand else "inbound",
            raw={"post": {"uri": uri, "cid": cid, "record": dict(record), "reason": data.get("reason")}},
        )

    def _fetch_chats(self, client: Any, brand: str, rev: str | None, messages: list[InboundMessage],
                     rejected: list[Rejected], start_from_now: bool) -> str | None:
        chat = client.with_bsky_chat_proxy()
        log_page = self._call(chat.chat.bsky.convo.get_log, params={"cursor": rev} if rev else {})
        created = [_plain(entry) for entry in log_page.logs if getattr(entry, "py_type", "").endswith("#logCreateMessage")]
        next_rev = log_page.cursor or rev
        if start_from_now or not created:
            return next_rev
        members: dict[str, dict[str, Any]] = {}
        for convo in self._call(chat.chat.bsky.convo.list_convos, params={"limit": 100}).convos:
            for member in _plain(convo).get("members") or []:
                if isinstance(member, dict) and member.get("did"):
                    members[member["did"]] = member
        for entry in created:
            message = entry.get("message") or {}
            sender = (message.get("sender") or {}).get("did")
            reference = f"chat message {str(message.get('id'))[:100]}"
            profile = members.get(sender) or {"did": sender, "handle": sender}
            if sender != brand and _blocked_by_us(profile, self.blocked):
                rejected.append(Rejected(reference, f"from the blocked account @{profile.get('handle')}; opens no ticket",
                                         json.dumps(entry)[:64_000]))
                continue
            try:
                messages.append(self.chat_message(entry.get("convoId"), message, profile, brand))
            except InvalidMessage as exc:
                rejected.append(Rejected(reference, str(exc), json.dumps(entry, default=str)[:64_000]))
        return next_rev

    def chat_message(self, convo_id: Any, message: Mapping[str, Any], profile: Mapping[str, Any], brand: str) -> InboundMessage:
        if not isinstance(convo_id, str) or not convo_id or not isinstance(message.get("id"), str):
            raise InvalidMessage("chat message has no conversation or id")
        if not isinstance(message.get("text"), str):
            raise InvalidMessage("chat message has no text")
        author = _author(profile)
        return InboundMessage(
            external_id=f"{CHAT_PREFIX}{convo_id}:{message['id']}"[:MAX_FIELD_CHARS],
            kind="dm",
            conversation=f"{CONVO_PREFIX}{convo_id}"[:MAX_FIELD_CHARS],
            author=author,
            text=clean_text(message["text"]) or "(an empty message)",
            created_at=_timestamp(message.get("sentAt")),
            direction="outbound" if author.external_id == brand else "inbound",
            raw={"chat": {"convo_id": convo_id, "message": dict(message)}},
        )

    # -- sending ------------------------------------------------------------------------------

    def check_reply(self, ticket_message: Mapping[str, Any], text: str) -> str | None:
        if not text.strip():
            return "the reply is empty"
        if ticket_message.get("kind") != "dm" and len(text) + 40 > MAX_POST_CHARS:
            return f"a Bluesky post has at most {MAX_POST_CHARS} characters (with the @mention)"
        return None

    def send_reply(self, ticket_message: Mapping[str, Any], text: str) -> str:
        problem = self.check_reply(ticket_message, text)
        if problem:
            raise SendRejected(problem)
        client = self.client()
        brand = self.brand_did()
        conversation = str(ticket_message.get("conversation") or "")
        if ticket_message.get("kind") == "dm":
            if not conversation.startswith(CONVO_PREFIX):
                raise SendRejected("this ticket has no Bluesky chat to answer in")
            convo_id = conversation[len(CONVO_PREFIX):]
            chat = client.with_bsky_chat_proxy()
            sent = self._call(chat.chat.bsky.convo.send_message, data={"convoId": convo_id, "message": {"text": text}},
                              sending=True)
            return f"{CHAT_PREFIX}{convo_id}:{sent.id}"
        in_reply_to = ticket_message.get("in_reply_to")
        post = self.conversations.raw_of(str(in_reply_to)).get("post") if in_reply_to else None
        if not isinstance(post, Mapping) or not post.get("uri") or not post.get("cid"):
            raise SendRejected("there is no customer post to reply to")
        parent = {"uri": post["uri"], "cid": post["cid"]}
        reply = (post.get("record") or {}).get("reply") or {}
        root = reply.get("root") if isinstance(reply.get("root"), Mapping) and reply["root"].get("cid") else parent
        handle = str(ticket_message.get("customer_handle") or "").lstrip("@")
        customer = str(ticket_message.get("customer_id") or "")
        body = text if not handle or f"@{handle}".lower() in text.lower() else f"@{handle} {text}"
        record: dict[str, Any] = {
            "$type": "app.bsky.feed.post",
            "text": body,
            "createdAt": utcnow().isoformat().replace("+00:00", "Z"),
            "reply": {"root": {"uri": root["uri"], "cid": root["cid"]}, "parent": parent},
        }
        if handle and customer.startswith("did:"):
            record["facets"] = [mention_facet(body, handle, customer)]
        created = self._call(client.com.atproto.repo.create_record,
                             data={"repo": brand, "collection": "app.bsky.feed.post", "record": record}, sending=True)
        return str(created.uri)

    def permalink(self, external_id: str, ticket_message: Mapping[str, Any]) -> str | None:
        if not external_id.startswith("at://"):
            return None
        return f"https://bsky.app/profile/{self.config.get('handle')}/post/{_rkey(external_id)}"
