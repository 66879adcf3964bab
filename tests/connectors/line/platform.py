"""A LINE platform of the test's own: a local HTTP server answering the Messaging API paths the
connector calls, so the SDK's own client (urllib3, its models) runs for real. Every body it sends is
first read back by the SDK model of that endpoint, so no shape the SDK would refuse is ever served."""
from __future__ import annotations

import json
import re
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from linebot.v3.messaging import (
    BotInfoResponse,
    GroupUserProfileResponse,
    PushMessageResponse,
    ReplyMessageResponse,
    RoomUserProfileResponse,
    UserProfileResponse,
)

BOT = {"userId": "Ub0t000000000000000000000000000aa", "basicId": "@inbox-test", "displayName": "Inbox Support",
       "chatMode": "chat", "markAsReadMode": "manual"}
INVALID_REPLY_TOKEN = {"message": "Invalid reply token"}
MONTHLY_LIMIT = {"message": "You have reached your monthly limit."}
PROFILE_NAMES = {"U206d25c2ea6bd87c17655609a1c37cb8": "山田花子"}


def _checked(model: Any, body: dict[str, Any]) -> dict[str, Any]:
    model.from_dict(body)  # raises if the SDK would not accept it
    return body


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class LinePlatform:
    port: int = 0
    requests: list[Request] = field(default_factory=list)
    reply_error: dict[str, Any] | None = None  # served with 400 for every reply
    push_error: tuple[int, dict[str, Any]] | None = None
    token: str = "test-channel-access-token"
    content: bytes = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    accepted_keys: dict[str, str] = field(default_factory=dict)
    _sent: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def calls(self, path_part: str) -> list[Request]:
        return [r for r in self.requests if path_part in r.path]

    def next_id(self) -> str:
        self._sent += 1
        return f"5000000000000{self._sent:05d}"

    def answer(self, method: str, path: str, headers: dict[str, str], body: Any) -> tuple[int, dict[str, str], bytes]:
        self.requests.append(Request(method, path, headers, body))
        if headers.get("authorization") != f"Bearer {self.token}":
            return _json(401, {"message": "Authentication failed. Confirm that the access token in the authorization header is valid."})
        if path == "/v2/bot/info":
            return _json(200, _checked(BotInfoResponse, BOT))
        match = re.fullmatch(r"/v2/bot/profile/(\w+)", path)
        if match:
            user = match.group(1)
            return _json(200, _checked(UserProfileResponse, {"userId": user, "displayName": PROFILE_NAMES.get(user, "Customer"),
                                                             "pictureUrl": f"https://profile.line-scdn.net/{user}", "language": "ja"}))
        match = re.fullmatch(r"/v2/bot/(group|room)/(\w+)/member/(\w+)", path)
        if match:
            model = GroupUserProfileResponse if match.group(1) == "group" else RoomUserProfileResponse
            user = match.group(3)
            return _json(200, _checked(model, {"userId": user, "displayName": PROFILE_NAMES.get(user, "Member")}))
        if re.fullmatch(r"/v2/bot/message/\w+/content", path):
            return 200, {"Content-Type": "image/png"}, self.content
        if path == "/v2/bot/message/reply":
            if self.reply_error is not None:
                return _json(400, self.reply_error)
            return _json(200, _checked(ReplyMessageResponse, {"sentMessages": [{"id": self.next_id()} for _ in body["messages"]]}))
        if path == "/v2/bot/message/push":
            key = headers.get("x-line-retry-key")
            if key and key in self.accepted_keys:
                return 409, {"Content-Type": "application/json", "x-line-accepted-request-id": self.accepted_keys[key]}, \
                    json.dumps({"message": "The retry key is already accepted"}).encode()
            if self.push_error is not None:
                return _json(*self.push_error)
            if key:
                self.accepted_keys[key] = f"req-{len(self.accepted_keys) + 1}"
            return _json(200, _checked(PushMessageResponse, {"sentMessages": [{"id": self.next_id()} for _ in body["messages"]]}))
        return _json(404, {"message": "Not found"})


def _json(status: int, body: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
    return status, {"Content-Type": "application/json"}, json.dumps(body).encode()


def start(platform: LinePlatform) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw and "json" in (self.headers.get("Content-Type") or "") else raw
            status, headers, data = platform.answer(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _serve

        def log_message(self, *args: Any) -> None:
            pass

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        platform.port = sock.getsockname()[1]
    server = ThreadingHTTPServer(("127.0.0.1", platform.port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
