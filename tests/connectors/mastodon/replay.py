"""Replaying Mastodon.py's own recordings (read by `inbox.connectors.mastodon.fixtures`) at the HTTP
layer with vcrpy, so Mastodon.py's request building, pagination and error handling run for real.

`cassette()` joins recorded interactions into one tape, in the order the connector asks for them."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import vcr
import yaml


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
