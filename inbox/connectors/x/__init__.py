"""X (Twitter) connector on tweepy's API v2 client: mentions and DMs in, replies and DMs out.

Mentions are read with the app's bearer token; DMs, posting and `get_me` need the OAuth 1.0a user
context of the brand's account. Responses are read as plain JSON (`return_type=dict`), not as
tweepy model objects, so one malformed item is skipped instead of failing its whole page.
"""
from __future__ import annotations

import html
import json
import logging
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Mapping

import requests

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
from .text import length_problem

try:
    import tweepy
except ImportError:  # the X connector is skipped; every other channel keeps working
    tweepy = None

log = logging.getLogger(__name__)

USER_CREDENTIALS = ("consumer_key", "consumer_secret", "access_token", "access_token_secret")
CREDENTIALS = ("bearer_token",) + USER_CREDENTIALS
TWEET_FIELDS = ["author_id", "conversation_id", "created_at", "in_reply_to_user_id", "lang", "referenced_tweets"]
USER_FIELDS = ["username", "name", "public_metrics"]
DM_EVENT_FIELDS = ["id", "text", "event_type", "created_at", "dm_conversation_id", "sender_id", "participant_ids"]
PAGE_SIZE = 100
DEFAULT_MAX_PAGES = 25
DEFAULT_TIMEOUT_SECONDS = 20.0
# X sends x-rate-limit-reset with every 429; this is only for a response that lacks it
FALLBACK_RATE_LIMIT_WAIT = timedelta(minutes=15)
MAX_DM_CHARS = 10_000


class _TimeoutSession(requests.Session):
    """tweepy.Client has no timeout option; a hung connection must not stall the poller."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self.timeout = timeout

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        kwargs.setdefault("timeout", self.timeout)
        return super().request(*args, **kwargs)


def tweet_permalink(handle: str | None, tweet_id: str) -> str:
    handle = (handle or "").lstrip("@")
    return f"https://x.com/{handle}/status/{tweet_id}" if handle else f"https://x.com/i/web/status/{tweet_id}"


def _api_detail(exc: Exception) -> str:
    messages = list(getattr(exc, "api_messages", []) or [])
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    text = "; ".join(messages) or (getattr(response, "reason", "") or str(exc))
    return f"{status} {text}".strip() if status else text


def _rate_limit_reset(exc: Exception) -> datetime:
    reset = getattr(exc, "reset_time", None)
    if reset is None:
        headers = getattr(getattr(exc, "response", None), "headers", {}) or {}
        try:
            reset = int(headers.get("x-rate-limit-reset"))
        except (TypeError, ValueError):
            reset = None
    if reset is None:
        return utcnow() + FALLBACK_RATE_LIMIT_WAIT
    return datetime.fromtimestamp(int(reset), tz=timezone.utc)


def translate_error(exc: Exception, sending: bool = False) -> ConnectorError:
    """Map tweepy/requests failures onto the connector contract's exceptions."""
    if tweepy is not None and isinstance(exc, tweepy.TooManyRequests):
        reset_at = _rate_limit_reset(exc)
        return RateLimited(f"X rate limit reached; resets at {reset_at.isoformat()}", reset_at)
    if tweepy is not None and isinstance(exc, tweepy.Unauthorized):
        return NeedsAttention(f"X rejected the credentials ({_api_detail(exc)}); update them in the channel settings")
    if tweepy is not None and isinstance(exc, tweepy.Forbidden):
        if sending:  # duplicate text, replies restricted by the author, missing write access...
            return SendRejected(f"X refused the message ({_api_detail(exc)})")
        return NeedsAttention(f"X denied access ({_api_detail(exc)}); check the app's access level and credentials")
    if tweepy is not None and isinstance(exc, (tweepy.BadRequest, tweepy.NotFound)) and sending:
        return SendRejected(f"X refused the message ({_api_detail(exc)})")
    if tweepy is not None and isinstance(exc, tweepy.HTTPException):
        return ConnectorError(f"X API error ({_api_detail(exc)})")
    if sending and isinstance(exc, requests.ReadTimeout):
        # the post may have gone out; retrying could post it twice
        return SendRejected("X did not answer in time; the reply may have been posted, check the account before resending")
    if isinstance(exc, requests.RequestException):
        return ConnectorError(f"X unreachable ({type(exc).__name__}: {exc})")
    return ConnectorError(f"X call failed ({type(exc).__name__}: {exc})")


def _id(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.isdigit():
        raise InvalidMessage(f"{key} is missing or not a numeric id")
    return value


def _numeric(value: Any) -> int | None:
    text = str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    return int(text) if text.isdigit() else None


def _newest(current: str | None, candidate: Any) -> str | None:
    new = _numeric(candidate)
    if new is None:
        return current
    old = _numeric(current)
    return str(new) if old is None or new > old else current


def _timestamp(value: Any) -> datetime:
    if not isinstance(value, str):
        raise InvalidMessage("created_at is missing")
    try:
        return to_utc(datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError:
        raise InvalidMessage(f"created_at is not a timestamp: {value[:40]!r}") from None


def _text(data: Mapping[str, Any]) -> str:
    value = data.get("text")
    if not isinstance(value, str):
        raise InvalidMessage("text is missing")
    # X escapes &, < and > in text; the UI escapes again when it renders
    return clean_text(html.unescape(value))


def _users(body: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    users = (body.get("includes") or {}).get("users") or []
    return {str(u["id"]): u for u in users if isinstance(u, dict) and u.get("id") is not None}


def _author(user_id: str, user: Mapping[str, Any]) -> Author:
    username = user.get("username") if isinstance(user.get("username"), str) else None
    name = user.get("name") if isinstance(user.get("name"), str) else None
    followers = (user.get("public_metrics") or {}).get("followers_count") if isinstance(user.get("public_metrics"), dict) else None
    if isinstance(followers, bool) or not isinstance(followers, int) or followers < 0:
        followers = None
    handle = f"@{username}" if username else user_id
    return Author(
        external_id=user_id,
        handle=clean_text(handle, MAX_FIELD_CHARS),
        name=clean_text(name or handle, MAX_FIELD_CHARS),
        followers=followers,
    )


def state_last_seen(value: int | None) -> str | None:
    return None if value is None else str(value)


def _ident(item: Any) -> str:
    return str(item.get("id"))[:40] if isinstance(item, dict) else "?"


def _dump(item: Any) -> str:
    try:
        return json.dumps(item, ensure_ascii=False, default=str)[:64_000]
    except (TypeError, ValueError, RecursionError):
        return repr(item)[:64_000]


@register
class XConnector(Connector):
    kind = "x"
    title = "X (Twitter)"

    @classmethod
    def enabled(cls) -> bool:
        return tweepy is not None

    # -- configuration ---------------------------------------------------------------------

    def has_user_context(self) -> bool:
        return all(self.config.get(key) for key in USER_CREDENTIALS)

    def configured(self) -> tuple[bool, str]:
        partial = [key for key in USER_CREDENTIALS if not self.config.get(key)]
        if 0 < len(partial) < len(USER_CREDENTIALS):
            return False, "incomplete user-context credentials: missing " + ", ".join(partial)
        if not self.config.get("bearer_token") and not self.has_user_context():
            return False, "no credentials: set a bearer token (and user-context keys for DMs and replies)"
        return True, ""

    @property
    def max_pages(self) -> int:
        return int(self.config.get("max_pages") or DEFAULT_MAX_PAGES)

    def client(self) -> Any:
        if tweepy is None:
            raise ConnectorError("tweepy is not installed")
        client = tweepy.Client(
            bearer_token=self.config.get("bearer_token") or None,
            consumer_key=self.config.get("consumer_key") or None,
            consumer_secret=self.config.get("consumer_secret") or None,
            access_token=self.config.get("access_token") or None,
            access_token_secret=self.config.get("access_token_secret") or None,
            return_type=dict,
            wait_on_rate_limit=False,  # waiting would block the worker; the poller backs off instead
        )
        client.session = _TimeoutSession(float(self.config.get("timeout_seconds") or DEFAULT_TIMEOUT_SECONDS))
        return client

    def _call(self, method: Callable[..., Any], *args: Any, sending: bool = False, **kwargs: Any) -> dict[str, Any]:
        try:
            body = method(*args, **kwargs)
        except Exception as exc:
            if tweepy is None or not isinstance(exc, (tweepy.TweepyException, requests.RequestException)):
                raise
            raise translate_error(exc, sending=sending) from exc
        if not isinstance(body, dict):
            raise ConnectorError("X answered with something that is not a JSON object")
        return body

    def brand(self, client: Any) -> tuple[str, str | None]:
        """The brand's own user id and username; looked up once with `get_me` and then kept in config."""
        user_id = self.config.get("user_id")
        if user_id:
            return str(user_id), self.config.get("username")
        if not self.has_user_context():
            raise NeedsAttention("the account's X user id is unknown: set it (--user-id) or add user-context credentials")
        data = self._call(client.get_me, user_auth=True).get("data") or {}
        try:
            user_id = _id(data, "id")
        except InvalidMessage as exc:
            raise ConnectorError(f"get_me returned no user id ({exc})") from None
        self.config_updates.update(user_id=user_id, username=data.get("username"))
        self.config.update(self.config_updates)
        return user_id, data.get("username")

    # -- reading ------------------------------------------------------------------------------

    def fetch(self, cursor: Mapping[str, Any] | None) -> FetchResult:
        cursor = dict(cursor or {})
        client = self.client()
        brand_id, _ = self.brand(client)
        messages: list[InboundMessage] = []
        rejected: list[Rejected] = []
        behind: list[str] = []
        mentions_state = dict(cursor.get("mentions") or {})
        if not cursor and self.config.get("start_from_now"):
            return self._start_from_now(client, brand_id)
        mentions = self._fetch_mentions(client, brand_id, mentions_state, messages, rejected, behind)
        dms = dict(cursor.get("dms") or {})
        if self.has_user_context() and self.config.get("dms", True):
            dms = self._fetch_dms(client, brand_id, dms, messages, rejected, behind)
        for problem in rejected:
            log.warning("account %s: skipped %s", self.account_name, problem)
        return FetchResult(messages=messages, cursor={"mentions": mentions, "dms": dms}, rejected=rejected,
                           catching_up="; ".join(behind) or None)

    def _start_from_now(self, client: Any, brand_id: str) -> FetchResult:
        """A newly connected account with a long history: remember where "now" is, import nothing older."""
        body = self._call(client.get_users_mentions, brand_id, max_results=5, user_auth=not self.config.get("bearer_token"))
        newest = _newest(None, (body.get("meta") or {}).get("newest_id"))
        dms: dict[str, Any] = {}
        if self.has_user_context() and self.config.get("dms", True):
            events = self._call(client.get_direct_message_events, event_types="MessageCreate", max_results=1, user_auth=True)
            latest = next(iter(events.get("data") or []), None)
            if isinstance(latest, dict) and _numeric(latest.get("id")) is not None:
                dms = {"last_seen_id": str(latest["id"])}
        return FetchResult(messages=[], cursor={"mentions": {"since_id": newest} if newest else {}, "dms": dms, "started_from_now": True})

    def _fetch_mentions(self, client: Any, brand_id: str, state: dict[str, Any], messages: list[InboundMessage],
                        rejected: list[Rejected], behind: list[str]) -> dict[str, Any]:
        """Newest first, at most `max_pages` a poll. A longer backlog is not skipped: the cursor keeps
        `since_id` where it was and remembers the oldest mention read (`until_id`), and the next poll
        goes on below it until the gap is closed; only then does `since_id` move up."""
        params: dict[str, Any] = {
            "max_results": PAGE_SIZE,
            "expansions": ["author_id"],
            "tweet_fields": TWEET_FIELDS,
            "user_fields": USER_FIELDS,
            "user_auth": not self.config.get("bearer_token"),
        }
        since_id = state.get("since_id")
        backfill = dict(state.get("backfill") or {})
        if since_id:
            params["since_id"] = since_id
        if backfill.get("until_id"):
            params["until_id"] = backfill["until_id"]
        newest = backfill.get("newest_id") or since_id
        oldest: str | None = backfill.get("until_id")
        token = None
        pages = 0
        finished = False
        while pages < self.max_pages:
            body = self._call(client.get_users_mentions, brand_id, **params, **({"pagination_token": token} if token else {}))
            pages += 1
            users = _users(body)
            for item in body.get("data") or []:
                try:
                    messages.append(self.tweet_message(item, users, brand_id))
                except InvalidMessage as exc:
                    rejected.append(Rejected(f"tweet {_ident(item)}", str(exc), _dump(item)))
                tweet_id = _numeric(item.get("id")) if isinstance(item, dict) else None
                if tweet_id is not None:
                    newest = _newest(newest, tweet_id)
                    if oldest is None or tweet_id < int(oldest):
                        oldest = str(tweet_id)
            meta = body.get("meta") or {}
            newest = _newest(newest, meta.get("newest_id"))
            token = meta.get("next_token")
            if not token:
                finished = True
                break
        if finished:
            return {"since_id": newest} if newest else {}
        read = int(backfill.get("pages") or 0) + pages
        behind.append(f"catching up on mentions: {read} page(s) read so far, older ones follow on the next poll")
        log.info("account %s: mentions backlog, %d page(s) read; continuing below %s next poll", self.account_name, read, oldest)
        state = {"backfill": {"until_id": oldest, "newest_id": newest, "pages": read}}
        if since_id:
            state["since_id"] = since_id
        return state

    def tweet_message(self, item: Any, users: Mapping[str, Mapping[str, Any]], brand_id: str) -> InboundMessage:
        if not isinstance(item, dict):
            raise InvalidMessage("not a JSON object")
        tweet_id = _id(item, "id")
        author = _author(_id(item, "author_id"), users.get(str(item.get("author_id"))) or {})
        replied_to = next(
            (str(ref.get("id")) for ref in item.get("referenced_tweets") or []
             if isinstance(ref, dict) and ref.get("type") == "replied_to" and ref.get("id")),
            None,
        )
        conversation = item.get("conversation_id") or tweet_id
        lang = item.get("lang") if isinstance(item.get("lang"), str) and item.get("lang") != "und" else None
        return InboundMessage(
            external_id=tweet_id,
            kind="reply" if replied_to else "mention",
            conversation=clean_text(str(conversation), MAX_FIELD_CHARS),
            author=author,
            text=_text(item),
            created_at=_timestamp(item.get("created_at")),
            in_reply_to=replied_to,
            url=tweet_permalink(author.handle if author.handle.startswith("@") else None, tweet_id),
            lang=lang[:16] if lang else None,
            direction="outbound" if author.external_id == brand_id else "inbound",
            raw={"tweet": item, "author": dict(users.get(author.external_id) or {})},
        )

    def _fetch_dms(self, client: Any, brand_id: str, state: dict[str, Any], messages: list[InboundMessage],
                   rejected: list[Rejected], behind: list[str]) -> dict[str, Any]:
        """DM events have no since_id: page newest-first until an event already seen. A backlog longer
        than `max_pages` keeps its pagination token in the cursor and is finished on the next polls."""
        params: dict[str, Any] = {
            "event_types": "MessageCreate",
            "max_results": PAGE_SIZE,
            "dm_event_fields": DM_EVENT_FIELDS,
            "expansions": ["sender_id"],
            "user_fields": USER_FIELDS,
            "user_auth": True,
        }
        last_seen = _numeric(state.get("last_seen_id"))
        backfill = dict(state.get("backfill") or {})
        newest = backfill.get("newest_id") or state.get("last_seen_id")
        token = backfill.get("token")
        pages = 0
        finished = False
        while pages < self.max_pages:
            body = self._call(client.get_direct_message_events, **params, **({"pagination_token": token} if token else {}))
            pages += 1
            users = _users(body)
            reached_seen = False
            for item in body.get("data") or []:
                event_id = _numeric(item.get("id")) if isinstance(item, dict) else None
                if event_id is not None and last_seen is not None and event_id <= last_seen:
                    reached_seen = True
                    break
                newest = _newest(newest, event_id)
                if isinstance(item, dict) and item.get("event_type", "MessageCreate") != "MessageCreate":
                    continue
                try:
                    messages.append(self.dm_message(item, users, brand_id))
                except InvalidMessage as exc:
                    rejected.append(Rejected(f"DM event {_ident(item)}", str(exc), _dump(item)))
            token = (body.get("meta") or {}).get("next_token")
            if reached_seen or not token:
                finished = True
                break
        if finished:
            return {"last_seen_id": newest} if newest else {}
        read = int(backfill.get("pages") or 0) + pages
        behind.append(f"catching up on DMs: {read} page(s) read so far")
        state = {"backfill": {"token": token, "newest_id": newest, "pages": read}}
        if state_seen := state_last_seen(last_seen):
            state["last_seen_id"] = state_seen
        return state

    def dm_message(self, item: Any, users: Mapping[str, Mapping[str, Any]], brand_id: str) -> InboundMessage:
        if not isinstance(item, dict):
            raise InvalidMessage("not a JSON object")
        event_id = _id(item, "id")
        author = _author(_id(item, "sender_id"), users.get(str(item.get("sender_id"))) or {})
        conversation = item.get("dm_conversation_id")
        if not isinstance(conversation, str) or not conversation:
            raise InvalidMessage("dm_conversation_id is missing")
        return InboundMessage(
            external_id=event_id,
            kind="dm",
            conversation=clean_text(conversation, MAX_FIELD_CHARS),
            author=author,
            text=_text(item),
            created_at=_timestamp(item.get("created_at")),
            direction="outbound" if author.external_id == brand_id else "inbound",
            raw={"dm_event": item, "author": dict(users.get(author.external_id) or {})},
        )

    # -- sending ------------------------------------------------------------------------------

    def check_reply(self, ticket_message: Mapping[str, Any], text: str) -> str | None:
        if ticket_message.get("kind") == "dm":
            return None if text.strip() and len(text) <= MAX_DM_CHARS else f"a DM must have 1 to {MAX_DM_CHARS} characters"
        return length_problem(text)

    def send_reply(self, ticket_message: Mapping[str, Any], text: str) -> str:
        """Reply on the ticket's own thread: a DM in its DM conversation, else a tweet under the
        customer's latest tweet. `ticket_message` carries kind, conversation, in_reply_to, customer_id."""
        if not self.has_user_context():
            raise NeedsAttention("sending on X needs the account's user-context credentials (consumer key/secret, access token/secret)")
        problem = self.check_reply(ticket_message, text)
        if problem:
            raise SendRejected(problem)
        client = self.client()
        if ticket_message.get("kind") == "dm":
            target: dict[str, Any] = (
                {"dm_conversation_id": ticket_message["conversation"]} if ticket_message.get("conversation")
                else {"participant_id": ticket_message.get("customer_id")}
            )
            data = self._call(client.create_direct_message, text=text, user_auth=True, sending=True, **target).get("data") or {}
            event_id = data.get("dm_event_id")
            if not event_id:
                raise SendRejected("X accepted the DM but returned no dm_event_id")
            return str(event_id)
        in_reply_to = ticket_message.get("in_reply_to")
        if not in_reply_to:
            raise SendRejected("there is no customer tweet to reply to")
        data = self._call(client.create_tweet, text=text, in_reply_to_tweet_id=str(in_reply_to), user_auth=True,
                          sending=True).get("data") or {}
        if not data.get("id"):
            raise SendRejected("X accepted the post but returned no id")
        return str(data["id"])

    def permalink(self, external_id: str, ticket_message: Mapping[str, Any]) -> str | None:
        if ticket_message.get("kind") == "dm":
            return None
        return tweet_permalink(self.config.get("username"), external_id)
