"""Replaying X API traffic with vcrpy: tweepy's own recordings (read by `inbox.connectors.x.fixtures`)
and the cassettes derived from them in cassettes/ (see derive.py there). Requests match on method and
path only, so query strings (since_id, pagination_token) and OAuth headers never stop a replay."""
from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import vcr

from inbox.connectors.x.fixtures import recorded_cassette

DERIVED = Path(__file__).resolve().parent / "cassettes"
CREDENTIALS = {
    "bearer_token": "bearer-token-for-replay-0001",
    "consumer_key": "consumer-key-for-replay-0002",
    "consumer_secret": "consumer-secret-for-replay-0003",
    "access_token": "access-token-for-replay-0004",
    "access_token_secret": "access-secret-for-replay-0005",
}


class Replay:
    """The requests tweepy actually sent during a replay, in order."""

    def __init__(self) -> None:
        self.requests: list[Any] = []
        self.cassette: Any = None
        self.live = False  # the hook also sees the cassette's own requests while it loads

    def _capture(self, request: Any) -> Any:
        if not self.live:
            return request
        # vcrpy calls this hook once per lookup (several per request): keep one per distinct request
        key = (request.method, request.uri, request.body)
        if not self.requests or (self.requests[-1].method, self.requests[-1].uri, self.requests[-1].body) != key:
            self.requests.append(request)
        return request

    def sent(self, method: str) -> list[Any]:
        return [r for r in self.requests if r.method == method]

    def json_bodies(self, method: str = "POST") -> list[dict[str, Any]]:
        return [json.loads(r.body) for r in self.sent(method)]

    @property
    def play_count(self) -> int:
        return self.cassette.play_count


@contextmanager
def replay(name: str | Path) -> Iterator[Replay]:
    tape = Replay()
    recorder = vcr.VCR(
        record_mode="none",
        match_on=["method", "scheme", "host", "path"],
        filter_headers=["Authorization"],
        # tweepy's recordings keep bodies gzip-compressed; vcrpy cannot replay those through urllib3 2
        decode_compressed_response=True,
        before_record_request=tape._capture,
    )
    with recorder.use_cassette(str(recorded_cassette(name, DERIVED))) as cassette:
        tape.cassette = cassette
        tape.live = True
        yield tape
