"""Mastodon connector on Mastodon.py: mentions and direct messages in, replies out.

Mentions (DMs included: a direct post mentions its recipient) come from the notifications of type
mention, read forward with `min_id` so a burst between two polls is read whole, page by page. The
conversations list is read too: it holds DMs whose notification the server filtered (Mastodon's
notification policies hide messages from strangers). A reply goes out with the visibility of the
post it answers (a DM stays direct), mentioning the customer, with an idempotency key so a retry
after a lost answer never posts twice.
"""
from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Mapping

from ...timeutil import utcnow
from ..base import (
    MAX_FIELD_CHARS,
    Author,
    Connector,
    ConnectorError,
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
from ..guard import check_server_url, guarded_session, refusal_in, refused
from ..html_text import html_to_text

try:
    import mastodon as mastodon_py
except ImportError:  # the Mastodon connector is skipped; every other channel keeps working
    mastodon_py = None

log = logging.getLogger(__name__)

PAGE_SIZE = 40
DEFAULT_MAX_PAGES = 10
DEFAULT_MAX_CHARS = 500
DEFAULT_TIMEOUT_SECONDS = 20
FALLBACK_RATE_LIMIT_WAIT = timedelta(minutes=5)
VISIBILITIES = ("public", "unlisted", "private", "direct")


def _numeric(value: Any) -> int | None:
    text = str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    return int(text) if text.isdigit() else None


def _newest(current: str | None, candidate: Any) -> str | None:
    new, old = _numeric(candidate), _numeric(current)
    if new is None:
        return current
    return str(new) if old is None or new > old else current


def plain(data: Any) -> Any:
    """Mastodon.py's typed result as plain JSON data (dates as ISO strings)."""
    return json.loads(json.dumps(data, default=lambda v: v.isoformat() if isinstance(v, datetime) else str(v)))


def status_text(status: Mapping[str, Any]) -> str:
    """The post as text: its HTML read as text (mentions, links, custom emoji stay as their words
    and :shortcodes:), the content warning first."""
    content = status.get("content")
    if not isinstance(content, str):
        raise InvalidMessage("content is missing")
    text = html_to_text(content)
    spoiler = status.get("spoiler_text")
    if isinstance(spoiler, str) and spoiler.strip():
        text = f"[CW: {clean_text(spoiler, 500)}]\n{text}"
    return clean_text(text)


def _timestamp(value: Any) -> datetime:
    if isinstance(value, datetime):
        return to_utc(value if value.tzinfo else value.replace(tzinfo=timezone.utc))
    if isinstance(value, str):
        try:
            return to_utc(datetime.fromisoformat(value.replace("Z", "+00:00")))
        except ValueError:
            pass
    raise InvalidMessage("created_at is missing or not a timestamp")


def _ident(item: Any) -> str:
    return str(item.get("id"))[:40] if isinstance(item, Mapping) else "?"


def _dump(item: Any) -> str:
    try:
        return json.dumps(plain(item), ensure_ascii=False)[:64_000]
    except (TypeError, ValueError, RecursionError):
        return repr(item)[:64_000]


@register
class MastodonConnector(Connector):
    kind = "mastodon"
    title = "Mastodon"
    credential_words = "Needs a new access token"

    @classmethod
    def enabled(cls) -> bool:
        return mastodon_py is not None

    def configured(self) -> tuple[bool, str]:
        if not self.config.get("api_base_url"):
            return False, "the server address (e.g. https://mastodon.social) is missing"
        if not self.config.get("access_token"):
            return False, "the access token is missing"
        return True, ""

    @property
    def blocked(self) -> set[str]:
        value = self.config.get("blocked_accounts") or ""
        items = value if isinstance(value, list) else str(value).replace(",", " ").split()
        return {str(item).strip().lstrip("@").lower() for item in items if str(item).strip()}

    def client(self) -> Any:
        if mastodon_py is None:
            raise ConnectorError("Mastodon.py is not installed")
        base = str(self.config["api_base_url"]).rstrip("/")
        check_server_url("Mastodon server", base, self.allowlist)
        return mastodon_py.Mastodon(
            access_token=str(self.config["access_token"]),
            api_base_url=base,
            session=guarded_session(self.allowlist),  # every request and redirect checked again
            version_check_mode="none",
            ratelimit_method="throw",  # waiting would block the worker; the poller backs off instead
            request_timeout=float(self.config.get("timeout_seconds") or DEFAULT_TIMEOUT_SECONDS),
            user_agent="Inbox customer care",
        )

    def _call(self, client: Any, method: Callable[..., Any], *args: Any, sending: bool = False, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except Exception as exc:
            if mastodon_py is None or not isinstance(exc, mastodon_py.MastodonError):
                raise
            raise self.translate(client, exc, sending) from exc

    def translate(self, client: Any, exc: Exception, sending: bool) -> ConnectorError:
        errors = mastodon_py
        server = str(self.config.get("api_base_url") or "the server")
        refusal = refusal_in(exc)
        if refusal is not None:  # a redirect, or a name that now resolves inside
            return refused("Mastodon server", refusal)
        if isinstance(exc, errors.MastodonRatelimitError):
            reset = getattr(client, "ratelimit_reset", None)
            reset_at = datetime.fromtimestamp(reset, tz=timezone.utc) if isinstance(reset, (int, float)) and reset > 0 else None
            reset_at = reset_at if reset_at and reset_at > utcnow() else utcnow() + FALLBACK_RATE_LIMIT_WAIT
            return RateLimited(f"{server} rate limit reached; resets at {reset_at.isoformat()}", reset_at)
        if isinstance(exc, errors.MastodonUnauthorizedError):
            return NeedsAttention(f"{server} rejected the access token; create a new one (Preferences → Development on the "
                                  "server) and save it here")
        status = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], int) else None
        if isinstance(exc, errors.MastodonAPIError) and status == 403:
            return NeedsAttention(f"{server} refused access ({status}); the token needs the read and write scopes")
        if isinstance(exc, errors.MastodonServerError):
            return ConnectorError(f"{server} had a server error ({status or 'no status'}); trying again later")
        if isinstance(exc, errors.MastodonNetworkError):
            return ConnectorError(f"could not reach {server} (network error)")
        if sending and isinstance(exc, errors.MastodonNotFoundError):
            return SendRejected("the post being answered no longer exists")
        if sending and isinstance(exc, errors.MastodonAPIError):
            detail = exc.args[3] if len(exc.args) > 3 and isinstance(exc.args[3], str) else ""
            return SendRejected(f"{server} refused the post ({status}{': ' + detail[:200] if detail else ''})")
        return ConnectorError(f"{server} answered with an error ({status or 'no status'})")

    def brand_id(self, client: Any) -> str:
        """The brand's own account id; looked up once and then kept in the account's config."""
        if self.config.get("user_id"):
            return str(self.config["user_id"])
        me = self._call(client, client.account_verify_credentials)
        user_id = str(me.get("id") or "")
        if not user_id:
            raise ConnectorError("the server did not say which account the token belongs to")
        self.config_updates.update(user_id=user_id, username=me.get("acct"))
        self.config.update(self.config_updates)
        return user_id

    # -- reading ------------------------------------------------------------------------------

    def fetch(self, cursor: Mapping[str, Any] | None) -> FetchResult:
        cursor = dict(cursor or {})
        client = self.client()
        brand = self.brand_id(client)
        if not cursor and self.config.get("start_from_now"):
            newest = self._call(client, client.notifications, types=["mention"], limit=1)
            newest_id = str(newest[0]["id"]) if newest else None
            return FetchResult([], {"min_id": newest_id, "started_from_now": True} if newest_id else {"started_from_now": True})
        messages: list[InboundMessage] = []
        rejected: list[Rejected] = []
        seen: set[str] = set()
        min_id = cursor.get("min_id")
        pages, full = 0, False
        max_pages = int(self.config.get("max_pages") or DEFAULT_MAX_PAGES)
        while pages < max_pages:
            params: dict[str, Any] = {"types": ["mention"], "limit": PAGE_SIZE}
            if min_id:
                params["min_id"] = min_id
            page = self._call(client, client.notifications, **params)
            pages += 1
            for notification in sorted(page or [], key=lambda n: _numeric(n.get("id")) or 0):
                min_id = _newest(min_id, notification.get("id"))
                self._take(notification.get("status"), brand, seen, messages, rejected, f"notification {_ident(notification)}")
            full = len(page or []) >= PAGE_SIZE
            if not full or not cursor.get("min_id"):
                break  # a first poll reads one page (the newest), not the account's whole history
        dm_seen = cursor.get("dm_seen")
        if self.config.get("dms", True):
            for conversation in self._call(client, client.conversations, limit=20) or []:
                status = conversation.get("last_status") if isinstance(conversation, Mapping) else None
                status_id = status.get("id") if isinstance(status, Mapping) else None
                if status_id is None or (_numeric(dm_seen) is not None and (_numeric(status_id) or 0) <= int(dm_seen)):
                    continue
                dm_seen = _newest(dm_seen, status_id)
                self._take(status, brand, seen, messages, rejected, f"conversation {_ident(conversation)}")
        for problem in rejected:
            log.warning("account %s: skipped %s", self.account_name, problem)
        next_cursor = {key: value for key, value in (("min_id", min_id), ("dm_seen", dm_seen)) if value}
        catching_up = f"catching up on mentions: {pages} page(s) read, more follow on the next poll" if full and cursor.get("min_id") else None
        return FetchResult(messages, next_cursor, rejected, catching_up)

    def _take(self, status: Any, brand: str, seen: set[str], messages: list[InboundMessage], rejected: list[Rejected],
              reference: str) -> None:
        if status is None:
            return  # the post was deleted before we read its notification
        try:
            status_id = str(status.get("id") or "") if isinstance(status, Mapping) else ""
            if status_id in seen:
                return
            seen.add(status_id)
            acct = str(((status.get("account") or {}) if isinstance(status, Mapping) else {}).get("acct") or "").lower()
            if acct and acct in self.blocked:
                rejected.append(Rejected(f"status {status_id[:40]}", f"from the blocked account @{acct}; opens no ticket", _dump(status)))
                return
            messages.append(self.status_message(status, brand))
        except InvalidMessage as exc:
            rejected.append(Rejected(f"{reference} (status {_ident(status)})", str(exc), _dump(status)))

    def status_message(self, status: Any, brand: str) -> InboundMessage:
        if not isinstance(status, Mapping):
            raise InvalidMessage("status is not an object")
        status_id = _numeric(status.get("id"))
        if status_id is None:
            raise InvalidMessage("status id is missing or not numeric")
        account = status.get("account")
        if not isinstance(account, Mapping) or _numeric(account.get("id")) is None or not account.get("acct"):
            raise InvalidMessage("status has no author account")
        visibility = status.get("visibility") if status.get("visibility") in VISIBILITIES else "public"
        in_reply_to = str(status["in_reply_to_id"]) if _numeric(status.get("in_reply_to_id")) is not None else None
        conversation = (self.conversations.conversation_of([in_reply_to]) if in_reply_to else None) or in_reply_to or str(status_id)
        followers = account.get("followers_count")
        acct = clean_text(str(account.get("acct")), MAX_FIELD_CHARS - 1)
        name = account.get("display_name") if isinstance(account.get("display_name"), str) and account.get("display_name").strip() else None
        language = status.get("language") if isinstance(status.get("language"), str) else None
        url = status.get("url") if isinstance(status.get("url"), str) and status["url"].startswith(("https://", "http://")) else None
        return InboundMessage(
            external_id=str(status_id),
            kind="dm" if visibility == "direct" else ("reply" if in_reply_to else "mention"),
            conversation=conversation,
            author=Author(
                external_id=str(account["id"]),
                handle=f"@{acct}",
                name=clean_text(html_to_text(name) if name else acct, MAX_FIELD_CHARS) or acct,
                followers=followers if isinstance(followers, int) and not isinstance(followers, bool) and followers >= 0 else None,
            ),
            text=status_text(status),
            created_at=_timestamp(status.get("created_at")),
            in_reply_to=in_reply_to,
            url=url,
            lang=language[:16] if language else None,
            direction="outbound" if str(account["id"]) == brand else "inbound",
            raw={"status": {**plain(status), "visibility": visibility}},
        )

    # -- sending ------------------------------------------------------------------------------

    def _reply_parts(self, ticket_message: Mapping[str, Any], text: str) -> tuple[str, str, str | None, str]:
        """(the post's text with the customer mentioned, its visibility, the post it answers, its content warning)."""
        in_reply_to = ticket_message.get("in_reply_to")
        status = (self.conversations.raw_of(str(in_reply_to)).get("status") if in_reply_to else None) or {}
        visibility = status.get("visibility") if status.get("visibility") in VISIBILITIES else (
            "direct" if ticket_message.get("kind") == "dm" else "public")
        acct = ((status.get("account") or {}).get("acct") or "").strip()
        mention = f"@{acct}"
        if acct and mention.lower() not in text.lower():
            text = f"{mention} {text}"
        spoiler = status.get("spoiler_text") if isinstance(status.get("spoiler_text"), str) else ""
        return text, visibility, str(in_reply_to) if in_reply_to else None, spoiler

    def check_reply(self, ticket_message: Mapping[str, Any], text: str) -> str | None:
        limit = int(self.config.get("max_chars") or DEFAULT_MAX_CHARS)
        if not text.strip():
            return "the reply is empty"
        if len(text) + 40 > limit and len(self._reply_parts(ticket_message, text)[0]) > limit:
            return f"a post on this server has at most {limit} characters (with the @mention)"
        return None

    def send_reply(self, ticket_message: Mapping[str, Any], text: str) -> str:
        problem = self.check_reply(ticket_message, text)
        if problem:
            raise SendRejected(problem)
        body, visibility, in_reply_to, spoiler = self._reply_parts(ticket_message, text)
        if not in_reply_to:
            raise SendRejected("there is no customer post to reply to")
        client = self.client()
        # the same reply to the same post always has the same key: a retry never posts twice
        key = hashlib.sha256(f"{self.account_name}\n{in_reply_to}\n{body}".encode("utf-8", "surrogatepass")).hexdigest()[:32]
        # the answer keeps the content warning of the post it answers, as Mastodon's own apps do
        posted = self._call(client, client.status_post, body, in_reply_to_id=in_reply_to, visibility=visibility,
                            spoiler_text=spoiler, idempotency_key=key, sending=True)
        posted_id = posted.get("id") if isinstance(posted, Mapping) else None
        if not posted_id:
            raise SendRejected("the server accepted the post but returned no id")
        return str(posted_id)

    def permalink(self, external_id: str, ticket_message: Mapping[str, Any]) -> str | None:
        username = self.config.get("username")
        base = str(self.config.get("api_base_url") or "").rstrip("/")
        if not username or not base or ticket_message.get("kind") == "dm":
            return None
        return f"{base}/@{username}/{external_id}"
