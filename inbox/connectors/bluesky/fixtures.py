"""Posts, profiles and threads recorded from the live Bluesky network by the atproto SDK's own
fetch script, and the AT Protocol lexicons, as kept in the shared eval data.

No public recording of notification lists or chat traffic exists, so the responses a test server
gives are assembled here from recorded views, and `validate` checks each one with the SDK's own
models (generated from the lexicons) and the lexicon's required fields: a response the real server
could not send is refused. The loopback XRPC server that serves them is test machinery and stays in
`tests/connectors/bluesky/pds.py`."""
from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from atproto import models

from ..fixtures import recording

BRAND_DID = "did:plc:kvwvcn5iqfooopmyzvb4qzba"  # test.marshal.dev, the SDK's own test account
BRAND_HANDLE = "test.marshal.dev"

RESPONSE_MODELS = {
    "com.atproto.server.createSession": models.ComAtprotoServerCreateSession.Response,
    "com.atproto.server.refreshSession": models.ComAtprotoServerRefreshSession.Response,
    "app.bsky.notification.listNotifications": models.AppBskyNotificationListNotifications.Response,
    "chat.bsky.convo.getLog": models.ChatBskyConvoGetLog.Response,
    "chat.bsky.convo.listConvos": models.ChatBskyConvoListConvos.Response,
    "chat.bsky.convo.sendMessage": models.ChatBskyConvoDefs.MessageView,
    "com.atproto.repo.createRecord": models.ComAtprotoRepoCreateRecord.Response,
}


def recorded_folder() -> Path:
    return recording("bluesky_api", "recorded")


def lexicons_folder() -> Path:
    return recording("bluesky_api", "lexicons")


def recorded(name: str) -> Any:
    return json.loads((recorded_folder() / name).read_text())


def lexicon_required(nsid: str) -> list[str]:
    schema = json.loads((lexicons_folder() / f"{nsid}.json").read_text())["defs"]["main"]
    output = schema.get("output") or {}
    return list((output.get("schema") or {}).get("required") or [])


def validate(nsid: str, body: dict[str, Any]) -> dict[str, Any]:
    """`body` when the SDK's model (and so the lexicon) accepts it as the answer to `nsid`; else ValueError."""
    RESPONSE_MODELS[nsid].model_validate(body)
    if (lexicons_folder() / f"{nsid}.json").exists():
        missing = [name for name in lexicon_required(nsid) if name not in body]
        if missing:
            raise ValueError(f"{nsid}: missing required {missing}")
    return body


def profiles() -> list[dict[str, Any]]:
    """Real profiles (get_follows), as the ProfileView a notification carries."""
    return [dict(p) for p in recorded("get_follows.json")["follows"]]


def brand_profile() -> dict[str, Any]:
    return copy.deepcopy(recorded("thread_view_post_with_embed_media.json")["thread"]["post"]["author"])


def post_record(text: str, created_at: str, reply_to: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    """A post record shaped like the recorded one (post_record.json), with our text."""
    record = dict(recorded("post_record.json")["value"])
    record.update(text=text, createdAt=created_at, **extra)
    if reply_to:
        record["reply"] = reply_to
    return record


def brand_post_ref() -> dict[str, str]:
    post = recorded("thread_view_post_with_embed_media.json")["thread"]["post"]
    return {"uri": post["uri"], "cid": post["cid"]}


def notification(author: dict[str, Any], rkey: str, cid: str, reason: str, record: dict[str, Any], indexed_at: str) -> dict[str, Any]:
    return {
        "uri": f"at://{author['did']}/app.bsky.feed.post/{rkey}",
        "cid": cid,
        "author": author,
        "reason": reason,
        "record": record,
        "isRead": False,
        "indexedAt": indexed_at,
        "labels": [],
    }


def basic(profile: dict[str, Any]) -> dict[str, Any]:
    """A ProfileViewBasic (what chat members carry) from a full profile."""
    keep = ("did", "handle", "displayName", "avatar", "associated", "viewer", "labels", "createdAt")
    return {k: v for k, v in profile.items() if k in keep}
