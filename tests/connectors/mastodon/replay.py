"""Replaying Mastodon.py's own recordings (shared eval data) at the HTTP layer with vcrpy, so
Mastodon.py's request building, pagination and error handling run for real.

`cassette()` joins recorded interactions into one tape, in the order the connector asks for them;
`edited()` derives one interaction from a recorded one (status code, headers, or one field of the
body), the edit spelled out where the test calls it."""
from __future__ import annotations

import copy
import json
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

import vcr
import yaml

from tests.conftest import SHARED_EVAL

RECORDED = SHARED_EVAL / "mastodon_api"
LOCAL = "http://localhost:3000"
SOCIAL = "https://mastodon.social"
ADMIN_ID = "117020565693913441"  # @admin on the local test server
TEST_USER_ID = "117020457910412882"  # @mastodonpy_test
HALCY_ID = "43"  # the account mastodon.social's recordings were made with


def recorded(name: str, index: int) -> dict[str, Any]:
    with open(RECORDED / name, encoding="utf-8") as fh:
        return copy.deepcopy(yaml.safe_load(fh)["interactions"][index])


def body(interaction: dict[str, Any]) -> Any:
    return json.loads(interaction["response"]["body"]["string"])


def edited(interaction: dict[str, Any], *, status: tuple[int, str] | None = None, edit_body: Callable[[Any], Any] | None = None,
           **headers: str) -> dict[str, Any]:
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


class Tape:
    def __init__(self) -> None:
        self.requests: list[Any] = []
        self.live = False

    def capture(self, request: Any) -> Any:
        if self.live:
            key = (request.method, request.uri, request.body)
            if not self.requests or (self.requests[-1].method, self.requests[-1].uri, self.requests[-1].body) != key:
                self.requests.append(request)
        return request

    def sent(self, method: str) -> list[Any]:
        return [r for r in self.requests if r.method == method]


@contextmanager
def cassette(tmp_path: Path, interactions: list[dict[str, Any]], match_body: bool = False) -> Iterator[Tape]:
    path = tmp_path / f"mastodon-{len(list(tmp_path.glob('mastodon-*.yaml')))}.yaml"
    path.write_text(yaml.safe_dump({"interactions": interactions, "version": 1}, allow_unicode=True))
    tape = Tape()
    recorder = vcr.VCR(
        record_mode="none",
        match_on=["method", "scheme", "host", "port", "path"] + (["body"] if match_body else []),
        filter_headers=["Authorization"],
        before_record_request=tape.capture,
    )
    with recorder.use_cassette(str(path)) as tape_cassette:
        tape.live = True
        yield tape
        assert tape_cassette.all_played, "the connector did not make every recorded request"
