"""A real HTTP receiver on loopback that answers a planned series of statuses and keeps what it got."""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class Receiver(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.statuses: list[int] = []
        self.received: list[tuple[int, dict[str, str], bytes]] = []
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}/hooks/inbox"


class _Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with self.server.lock:
            status = self.server.statuses.pop(0) if self.server.statuses else 200
            self.server.received.append((status, dict(self.headers.items()), body))
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver(monkeypatch):
    monkeypatch.setenv("INBOX_OUTBOUND_ALLOW", "127.0.0.1")  # the receiver is on this machine, allowed on purpose
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def quick_retries(monkeypatch):
    """The real policy waits minutes between attempts; here the same job is retried at once."""
    from dataclasses import replace

    from inbox import jobqueue as jobs

    monkeypatch.setitem(jobs.JOBS, "webhook", replace(jobs.JOBS["webhook"], retry=(0, 0, 0, 0)))
