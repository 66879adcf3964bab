"""A loopback XRPC server that answers the atproto SDK with responses built from the posts and
profiles recorded on the live network (`inbox.connectors.bluesky.fixtures`), each validated with the
SDK's own models and the lexicon's required fields before it is served: a response the real server
could not send fails the test."""
from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

from inbox.connectors.bluesky.fixtures import BRAND_DID, BRAND_HANDLE, validate


def jwt(did: str, seconds: int, scope: str = "com.atproto.appPass") -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    now = int(time.time())
    return f"{part({'typ': 'at+jwt', 'alg': 'ES256K'})}.{part({'scope': scope, 'sub': did, 'iat': now, 'exp': now + seconds, 'jti': uuid.uuid4().hex})}.c2lnbmF0dXJl"


class Pds:
    """The XRPC server: each endpoint answers from `self.routes[nsid]` (a body or a callable)."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.routes: dict[str, Any] = {}
        self.logins = 0
        self.access_seconds = 7200
        self.fail: dict[str, tuple[int, dict[str, Any], dict[str, str]]] = {}
        self.routes["com.atproto.server.createSession"] = self._session
        self.routes["com.atproto.server.refreshSession"] = self._session
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def _session(self, request: dict[str, Any]) -> dict[str, Any]:
        if request["nsid"] == "com.atproto.server.createSession":
            self.logins += 1
            if request["json"].get("password") != "app-pass-word-0001":
                raise PermissionError
        return {"accessJwt": jwt(BRAND_DID, self.access_seconds), "refreshJwt": jwt(BRAND_DID, 86400, "com.atproto.refresh"),
                "handle": BRAND_HANDLE, "did": BRAND_DID}

    def sent(self, nsid: str) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["nsid"] == nsid]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        pds = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self) -> None:
                parsed = urlparse(self.path)
                nsid = parsed.path.rsplit("/", 1)[-1]
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                request = {"nsid": nsid, "method": self.command, "query": parse_qs(parsed.query), "headers": dict(self.headers),
                           "json": json.loads(raw) if raw else {}}
                pds.requests.append(request)
                if nsid in pds.fail:
                    status, body, headers = pds.fail[nsid]
                    return self._send(status, body, headers)
                route = pds.routes.get(nsid)
                if route is None:
                    return self._send(501, {"error": "MethodNotImplemented"})
                try:
                    body = route(request) if callable(route) else route
                except PermissionError:
                    return self._send(401, {"error": "AuthenticationRequired", "message": "Invalid identifier or password"})
                self._send(200, validate(nsid, body))

            def _send(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _answer

        return Handler

    def __enter__(self) -> "Pds":
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()
