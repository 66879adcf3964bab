"""Browser tests: Playwright drives Debian's Chromium (headless) against the real app served on a free
localhost port, on the same database and Redis as the rest of the suite (SQLite + embedded Redis, or
TEST_DATABASE_URL / TEST_REDIS_URL).

Never `playwright install`: the browser is the distribution's /usr/bin/chromium (`apt-get install
chromium chromium-driver`; .ci/run does it on a new machine). A missing browser fails these tests
instead of skipping them, so a green run always includes them.
"""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from tests.helpers import ago, message, write_jsonl

CHROMIUM = os.environ.get("INBOX_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]
PASSWORD = "correct horse battery"
# Generous but bounded: two cores are shared with the worker's model and the server threads (and, on a
# crowded machine, with everything else); the expectations poll, so a quick pass stays quick.
TIMEOUT_MS = 30_000
# every EventSource a page opens, so a test waits for its live stream to be open instead of sleeping
RECORD_STREAMS = """
(() => {
  const Real = window.EventSource;
  if (!Real) return;
  window.__streams = [];
  window.EventSource = function (...args) { const s = new Real(...args); window.__streams.push(s); return s; };
  window.EventSource.prototype = Real.prototype;
  Object.assign(window.EventSource, {CONNECTING: 0, OPEN: 1, CLOSED: 2});
})();
"""


def wait_stream_open(page: Any) -> None:
    """Until the page's live stream is connected (readyState OPEN): what it publishes from now on arrives."""
    page.wait_for_function("() => (window.__streams || []).some(s => s.readyState === 1)")


@dataclass(frozen=True)
class Person:
    email: str
    name: str
    role: str
    id: int


@pytest.fixture(scope="package")  # the browser quits when tests/browser is done, not at the end of the suite
def browser() -> Iterator[Any]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"the browser tests need Debian's Chromium at {CHROMIUM}: `apt-get install chromium chromium-driver` "
            "(never `playwright install`); set INBOX_CHROMIUM to use another Chromium binary",
            pytrace=False,
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the browser tests need the playwright package: `pip install -e '.[test]'`", pytrace=False)
    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


class _ServerErrors:
    """WSGI middleware that remembers every 5xx the live server answered: a browser test fails on any."""

    def __init__(self, wsgi: Callable) -> None:
        self.wsgi = wsgi
        self.errors: list[str] = []

    def __call__(self, environ: dict, start_response: Callable) -> Any:
        def recording_start(status: str, headers: list, exc_info: Any = None) -> Any:
            if status[:1] == "5":
                self.errors.append(f"{environ.get('REQUEST_METHOD')} {environ.get('PATH_INFO')} -> {status}")
            return start_response(status, headers, exc_info)

        try:
            return self.wsgi(environ, recording_start)
        except Exception as exc:
            self.errors.append(f"{environ.get('REQUEST_METHOD')} {environ.get('PATH_INFO')} raised {exc!r}")
            raise


@pytest.fixture
def live_server(app) -> Iterator[str]:
    """The real app on 127.0.0.1:<free port>, a werkzeug server thread per request (SSE needs threads)."""
    from werkzeug.serving import make_server

    recorder = _ServerErrors(app.wsgi_app)
    app.wsgi_app = recorder
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        app.wsgi_app = recorder.wsgi
    assert not recorder.errors, f"the server answered with errors: {recorder.errors}"


@pytest.fixture
def people(app) -> dict[str, Person]:
    """An agent, a second agent, a lead and an admin, all with PASSWORD."""
    from inbox.auth.users import create_user

    made = {}
    for key, email, name, role in (
        ("agent", "ada@example.com", "Ada Agent", "agent"),
        ("agent2", "bea@example.com", "Bea Baker", "agent"),
        ("lead", "lee@example.com", "Lee Lead", "lead"),
        ("admin", "root@example.com", "Ann Admin", "admin"),
    ):
        user, _ = create_user(email, name, role, PASSWORD)
        made[key] = Person(email, name, role, user.id)
    return made


# Customers of the seeded inbox: (conversation, author id, display name, text, minutes ago). The oldest
# unanswered message is the most urgent (same channel, so the same first-response target).
CUSTOMERS = [
    ("c-dan", "dan", "Dan Whitfield", "@NovaHikari_help fibre has been down since this morning and nobody answers", 200),
    ("c-mika", "mika", "田中 美香", "@NovaHikari_help 朝から光回線が全く繋がりません。本当に困っています。", 150),
    ("c-tom", "tom", "Tom Becker", "@NovaHikari_help charged twice for October, refund please", 120),
    ("c-mallory", "mallory", "Mallory", "<script>alert(1)</script> my invoice page is blank", 90),
    ("c-priya", "priya", "Priya Raman", "@NovaHikari_help does the 20GB plan include tethering?", 60),
]
SCRIPT_TEXT = "<script>alert(1)</script>"


@dataclass
class Seeder:
    """Creates tickets through the real path: JSONL file -> poll -> RQ -> worker (real sentiment model)."""

    folder: Path
    run_jobs: Callable[[], None]
    count: int = 0

    def add(self, rows: list[tuple[str, str, str, str, float]]) -> None:
        from inbox.channels import get_or_create_account
        from inbox.channels.poller import poll_once

        records = []
        for conversation, author, name, text, minutes in rows:
            self.count += 1
            record = message(f"b{self.count}", conversation, text, ago(minutes=minutes), author=author)
            record["author"]["name"] = name
            records.append(record)
        write_jsonl(self.folder / "mentions.jsonl", records)
        # an outbox: agents reply on this channel (a JSONL account without one only receives)
        get_or_create_account("Nova X", "jsonl", "x", {"path": str(self.folder), "outbox": str(self.folder / "outbox.out")})
        outcomes = poll_once()
        assert sum(o.fetched for o in outcomes) == len(rows), outcomes
        self.run_jobs()


@pytest.fixture
def seed(app, tmp_path, run_jobs) -> Seeder:
    return Seeder(tmp_path / "x", run_jobs)


@pytest.fixture
def inbox(seed, people) -> dict[str, int]:
    """The seeded inbox: customer conversation -> ticket id, plus two canned responses."""
    from sqlalchemy import select

    from inbox.extensions import db
    from inbox.tickets.models import CannedResponse, Ticket

    seed.add(CUSTOMERS)
    db.session.add_all([
        CannedResponse(title="Looking into it",
                       body="Hi {customer_name}, sorry for the trouble. I am looking into it now. {agent_name}",
                       created_by_id=people["admin"].id),
        CannedResponse(title="Thanks", body="Thank you {customer_name}!", created_by_id=people["admin"].id),
    ])
    db.session.commit()
    tickets = {t.conversation_key: t.id for t in db.session.scalars(select(Ticket))}
    assert set(tickets) == {c[0] for c in CUSTOMERS}
    return tickets


@pytest.fixture
def new_page(browser, live_server) -> Iterator[Callable[..., Any]]:
    """new_page(person=None) -> a page in its own browser context (own cookies), signed in as person.

    Every page fails its test on a JavaScript dialog (alert/confirm), an uncaught script error or a CSP violation.
    """
    contexts = []
    problems: list[str] = []

    def make(person: Person | None = None) -> Any:
        context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 800}, locale="en-GB")
        context.set_default_timeout(TIMEOUT_MS)
        context.add_init_script(RECORD_STREAMS)
        contexts.append(context)
        page = context.new_page()

        def on_dialog(dialog: Any) -> None:
            problems.append(f"{dialog.type} dialog: {dialog.message!r}")
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.on("pageerror", lambda exc: problems.append(f"script error: {exc}"))
        # anything the Content-Security-Policy blocked (an inline script, style or handler) fails the test
        page.on("console", lambda msg: problems.append(f"CSP violation: {msg.text}")
                if "Content Security Policy" in msg.text else None)
        if person is not None:
            sign_in(page, person)
        return page

    make.problems = problems  # type: ignore[attr-defined]
    yield make
    for context in contexts:
        context.close()
    assert not problems, problems


def sign_in(page: Any, person: Person) -> None:
    from playwright.sync_api import expect

    page.goto("/login")
    page.fill("#email", person.email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("header.topbar")).to_contain_text(person.name)
