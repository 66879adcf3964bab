"""A LINE webhook body read into what Inbox keeps: messages in the normalised shape of every other
connector, changes to messages already stored (unsent, edited), notes on a contact (followed,
blocked), and the events that open no ticket (postback, beacon, joins...).

Each event is validated by the SDK's own models (`linebot.v3.webhooks.Event.from_dict`), one at a
time, so one event the SDK cannot read is set aside with its reason and the others are kept.
Pure: no network, no database. Media bytes and profiles are added by the connector afterwards.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Mapping
from urllib.parse import quote

from linebot.v3.webhooks import (
    AudioMessageContent,
    Event,
    FileMessageContent,
    FollowEvent,
    GroupSource,
    ImageMessageContent,
    LocationMessageContent,
    MessageEditedEvent,
    MessageEvent,
    RoomSource,
    StickerMessageContent,
    TextMessageContent,
    UnfollowEvent,
    UnsendEvent,
    UserSource,
    VideoMessageContent,
)

from ..base import MAX_FIELD_CHARS, Author, InboundMessage, InvalidMessage, Rejected, clean_text, to_utc
from .shapes import ContactNote, Delivery, MessageChange

# the media LINE keeps for us to download from its content endpoint
MEDIA_KINDS = ("image", "video", "audio", "file")
# events that say something happened but carry nothing an agent answers
NO_TICKET = ("postback", "beacon", "accountLink", "join", "leave", "memberJoined", "memberLeft", "videoPlayComplete",
             "things", "activated", "deactivated", "botSuspended", "botResumed", "module", "membership", "delivery")


@dataclass(frozen=True)
class Speaker:
    """Who wrote, and where: a user alone with the account, or a member of a group or room."""

    user_id: str | None
    group_id: str | None = None
    room_id: str | None = None

    @property
    def conversation(self) -> str:
        if self.group_id:
            return f"group:{self.group_id}"
        if self.room_id:
            return f"room:{self.room_id}"
        return f"user:{self.user_id}"

    @property
    def push_to(self) -> str:
        """Where a push message for this conversation goes (the group or room itself, else the user)."""
        return self.group_id or self.room_id or self.user_id or ""


def event_time(milliseconds: int) -> datetime:
    try:
        return to_utc(datetime.fromtimestamp(milliseconds / 1000, tz=timezone.utc))
    except (OverflowError, OSError, ValueError):
        raise InvalidMessage("timestamp is out of range") from None


def speaker_of(event: Event) -> Speaker:
    source = event.source
    if isinstance(source, GroupSource):
        return Speaker(source.user_id, group_id=source.group_id)
    if isinstance(source, RoomSource):
        return Speaker(source.user_id, room_id=source.room_id)
    if isinstance(source, UserSource) and source.user_id:
        return Speaker(source.user_id)
    raise InvalidMessage("the event has no source user, group or room")


def map_link(latitude: float, longitude: float) -> str:
    return f"https://www.google.com/maps/search/?api=1&query={quote(f'{latitude},{longitude}')}"


def message_text(content: Any) -> tuple[str, dict[str, Any]]:
    """What an agent reads for one message object, and the facts kept beside it in the raw payload."""
    if isinstance(content, TextMessageContent):
        extra: dict[str, Any] = {}
        if content.emojis:  # LINE emoji stay as their placeholder text ("$"); which emoji is kept
            extra["emojis"] = [{"index": e.index, "length": e.length, "product_id": e.product_id, "emoji_id": e.emoji_id}
                               for e in content.emojis]
        return clean_text(content.text), extra
    if isinstance(content, StickerMessageContent):
        words = [clean_text(k, 100) for k in (content.keywords or []) if k]
        text = "[Sticker]"
        if content.text:
            text += f" {clean_text(content.text, 100)}"
        if words:
            text += f" ({', '.join(words)})"
        return text, {"sticker": {"package_id": content.package_id, "sticker_id": content.sticker_id, "keywords": words,
                                  "resource_type": content.sticker_resource_type}}
    if isinstance(content, LocationMessageContent):
        link = map_link(content.latitude, content.longitude)
        lines = ["[Location]", clean_text(content.title or "", 500), clean_text(content.address or "", 500), link]
        return "\n".join(line for line in lines if line), {
            "location": {"title": content.title, "address": content.address, "latitude": content.latitude,
                         "longitude": content.longitude, "map": link}}
    if isinstance(content, FileMessageContent):
        return f"[File] {clean_text(content.file_name, 255)}", {"media": {"kind": "file", "filename": clean_text(content.file_name, 255),
                                                                          "size": content.file_size}}
    if isinstance(content, (ImageMessageContent, VideoMessageContent, AudioMessageContent)):
        kind = content.type
        provider = content.content_provider
        media: dict[str, Any] = {"kind": kind, "provider": provider.type}
        if provider.type == "external" and provider.original_content_url:
            media["url"] = provider.original_content_url
        if getattr(content, "duration", None):
            media["duration_ms"] = content.duration
        image_set = getattr(content, "image_set", None)
        if image_set is not None:
            media["set"] = {"id": image_set.id, "index": image_set.index, "total": image_set.total}
        label = {"image": "[Image]", "video": "[Video]", "audio": "[Audio]"}[kind]
        if image_set is not None and image_set.index and image_set.total:
            label += f" {image_set.index}/{image_set.total}"
        return label, {"media": media}
    raise InvalidMessage(f"message type {getattr(content, 'type', '?')!r} is not read by Inbox")


def _inbound(event: Any, raw_event: Mapping[str, Any]) -> InboundMessage:
    speaker = speaker_of(event)
    content = event.message
    text, extra = message_text(content)
    author_id = speaker.user_id or speaker.push_to  # a room member who did not consent is known by the room only
    return InboundMessage(
        external_id=str(content.id),
        kind="dm",
        conversation=speaker.conversation,
        author=Author(external_id=author_id, handle=author_id[:MAX_FIELD_CHARS], name=author_id[:MAX_FIELD_CHARS]),
        text=text,
        created_at=event_time(event.timestamp),
        raw={"line": {"event": dict(raw_event), **extra, "push_to": speaker.push_to,
                      "group_id": speaker.group_id, "room_id": speaker.room_id, "user_id": speaker.user_id}},
    )


def _reference(index: int, raw: Mapping[str, Any]) -> str:
    kind = str(raw.get("type") or "?")[:40]
    ident = str(raw.get("webhookEventId") or "")[:60]
    return f"LINE event {index} ({kind}{', ' + ident if ident else ''})"


def read_events(body: Mapping[str, Any]) -> Delivery:
    """Every event of one webhook body, in its order."""
    delivery = Delivery()
    events = body.get("events")
    if not isinstance(events, list):
        delivery.rejected.append(Rejected("LINE webhook body", "it has no list of events", json.dumps(body, ensure_ascii=False)[:64_000]))
        return delivery
    for index, raw in enumerate(events):
        if not isinstance(raw, dict):
            delivery.rejected.append(Rejected(f"LINE event {index}", "the event is not an object", repr(raw)[:64_000]))
            continue
        try:
            _read_one(_event(raw), raw, delivery)
        except InvalidMessage as exc:
            delivery.rejected.append(Rejected(_reference(index, raw), str(exc), json.dumps(raw, ensure_ascii=False)[:64_000]))
        except (ValueError, TypeError, KeyError, AttributeError) as exc:  # the SDK's models refused the event
            reason = f"the LINE SDK could not read this event ({type(exc).__name__}: {str(exc).splitlines()[0][:300] if str(exc) else ''})"
            delivery.rejected.append(Rejected(_reference(index, raw), reason, json.dumps(raw, ensure_ascii=False)[:64_000]))
    return delivery


def _event(raw: Mapping[str, Any]) -> Any:
    try:
        return Event.from_dict(dict(raw))
    except ValueError as exc:
        if "discriminator" in str(exc):  # the SDK's words for a type it has no model of
            raise InvalidMessage(f"unknown event type {str(raw.get('type'))[:60]!r}; kept here unread") from None
        raise


def _read_one(event: Any, raw: Mapping[str, Any], delivery: Delivery) -> None:
    if event is None:
        raise InvalidMessage("the event is empty")
    if isinstance(event, MessageEvent):
        delivery.messages.append(_inbound(event, raw))
    elif isinstance(event, MessageEditedEvent):
        content = event.message
        text, _extra = message_text(content)
        delivery.changes.append(MessageChange(str(content.id), "edited", event_time(event.timestamp), event.webhook_event_id, text))
    elif isinstance(event, UnsendEvent):
        delivery.changes.append(MessageChange(str(event.unsend.message_id), "unsent", event_time(event.timestamp), event.webhook_event_id))
    elif isinstance(event, (FollowEvent, UnfollowEvent)):
        speaker = speaker_of(event)
        if not speaker.user_id:
            raise InvalidMessage("a follow event without a user")
        if isinstance(event, FollowEvent):
            change = "unblocked" if event.follow is not None and event.follow.is_unblocked else "followed"
        else:
            change = "blocked"
        delivery.notes.append(ContactNote(speaker.user_id, change, event_time(event.timestamp), event.webhook_event_id))
    elif event.type in NO_TICKET:
        delivery.ignored.append(f"{event.type} (opens no ticket)")
    else:
        raise InvalidMessage(f"event type {str(event.type)[:60]!r} is not read by Inbox")
