"""Mastodon.py's own recordings of the Mastodon API (a local Mastodon 4.x dev server, and real
mastodon.social under `entity/`), as kept in the shared eval data, and the facts of those recordings.

Only the loader lives here (with `edited`, which derives one interaction from a recorded one, the
edit spelled out where a test calls it); replaying a tape needs vcrpy, a test library, so the replay
itself stays in `tests/connectors/mastodon/replay.py`."""
from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any, Callable

import yaml

from ..fixtures import recording

LOCAL = "http://localhost:3000"  # the dev server the main recordings were made against
SOCIAL = "https://mastodon.social"
ADMIN_ID = "117020565693913441"  # @admin on the local test server
TEST_USER_ID = "117020457910412882"  # @mastodonpy_test
HALCY_ID = "43"  # the account mastodon.social's recordings were made with


def recorded_folder() -> Path:
    return recording("mastodon_api")


def recorded(name: str, index: int) -> dict[str, Any]:
    """Interaction `index` of the cassette `name` (e.g. "entity/test_entity_notification.yaml"), a copy."""
    with open(recorded_folder() / name, encoding="utf-8") as fh:
        return copy.deepcopy(yaml.safe_load(fh)["interactions"][index])


def body(interaction: dict[str, Any]) -> Any:
    return json.loads(interaction["response"]["body"]["string"])


def edited(interaction: dict[str, Any], *, status: tuple[int, str] | None = None, edit_body: Callable[[Any], Any] | None = None,
           **headers: str) -> dict[str, Any]:
    """A copy of `interaction` with another status line, body (`edit_body(old) -> new`) or response headers."""
    out = copy.deepcopy(interaction)
    if status:
        out["response"]["status"] = {"code": status[0], "message": status[1]}
    if edit_body:
        out["response"]["body"]["string"] = json.dumps(edit_body(body(out)))
        out["response"]["headers"].pop("content-length", None)
    for name, value in headers.items():
        key = name.replace("_", "-")
        for existing in list(out["response"]["headers"]):
            if existing.lower() == key.lower():
                del out["response"]["headers"][existing]
        out["response"]["headers"][key] = [value]
    return out
