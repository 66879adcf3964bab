"""The LINE webhook body the SDK's own tests parse (`line_api/webhook.json` in the shared eval data:
28 events — text, image, video, audio, file, location and sticker messages from users, groups and
rooms; follow, unfollow, join, leave, postback, beacon, unsend, an edited message, an unknown type).

That body reuses one webhookEventId and one message id ("325708") for every event, as a parser test
may; LINE itself gives each event its own. `delivery(distinct_ids=True)` is the same body with each
message event's id made distinct (the first text keeps "325708", which the unsend, the edit and the
redelivered copy refer to), so every kind reaches the store; the recording as is tests duplicates."""
from __future__ import annotations

import copy
import json
from typing import Any

from ..fixtures import recording

RECORDED_MESSAGE_ID = "325708"
USER_ID = "U206d25c2ea6bd87c17655609a1c37cb8"
GROUP_ID = "Ca56f94637cc4347f90a25382909b24b9"
ROOM_ID = "Ra8dbf4673c4c812cd491258042226c99"


def recorded_body() -> bytes:
    """The recorded body, byte for byte (what LINE signs)."""
    return recording("line_api", "webhook.json").read_bytes()


def recorded() -> dict[str, Any]:
    return json.loads(recorded_body())


def delivery(distinct_ids: bool = True) -> dict[str, Any]:
    body = copy.deepcopy(recorded())
    if not distinct_ids:
        return body
    first_text: str | None = None
    for index, event in enumerate(body["events"]):
        redelivered = (event.get("deliveryContext") or {}).get("isRedelivery")
        message = event.get("message")
        is_message = event.get("type") == "message" and isinstance(message, dict)
        # a redelivered event keeps the id of the event it repeats
        event["webhookEventId"] = first_text if (redelivered and is_message and first_text) else f"01RECORDED{index:016d}"
        if not is_message:
            continue
        if message.get("type") == "text" and message.get("id") == RECORDED_MESSAGE_ID and first_text is None:
            first_text = event["webhookEventId"]
        elif not redelivered:
            message["id"] = f"{message['id']}{index:02d}"
    return body


def events_of(body: dict[str, Any], *types: str) -> dict[str, Any]:
    """A body with only the events of these types (in their recorded order)."""
    return {**body, "events": [e for e in body["events"] if e.get("type") in types]}


def encoded(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False).encode("utf-8")
