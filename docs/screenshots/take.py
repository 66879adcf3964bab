"""Screenshots for the README: the inbox list, one negative ticket and the lead dashboard at 1280x800, and the
inbox and the ticket on a phone (390x844).

    .venv/bin/python docs/screenshots/take.py [--out docs/screenshots]

Uses Debian's Chromium (`apt-get install chromium`, plus `fonts-noto-cjk fonts-noto-color-emoji` so the
Japanese messages and emoji render) through Python Playwright; never `playwright install`. Everything
runs in a temporary instance folder on the embedded defaults (SQLite + embedded Redis): migrate, seed the
Nova Hikari demo (inbox/demo/data.py, English and Japanese), poll once, run the real worker in burst mode with
the default sentiment model, serve the real WSGI app on a free localhost port, sign in through the form
and work one ticket the way an agent would (take it, tag it, leave a note) before shooting it.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
TMP = Path(tempfile.mkdtemp(prefix="inbox-screenshots-"))
os.environ["INBOX_INSTANCE_PATH"] = str(TMP / "instance")
for _var in ("DATABASE_URL", "REDIS_URL"):
    os.environ.pop(_var, None)
sys.path.insert(0, str(ROOT))

EMAIL, NAME, PASSWORD = "aya@novahikari.example", "Aya Sato", "screenshots-only-password"
CHROMIUM = os.environ.get("INBOX_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]
VIEWPORT = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def prepare() -> tuple[Any, int]:
    """Migrate, a lead user, the demo (channels and canned responses) polled and ingested. Returns the
    app and the negative ticket to show."""
    from sqlalchemy import select

    from inbox.app import create_app
    from inbox.auth.users import create_user
    from inbox.extensions import db
    from inbox.channels.poller import poll_once
    from inbox.setup import seed_demo_channels, upgrade_database
    from inbox.tickets.models import Ticket
    from inbox.jobs.worker import run_worker

    app = create_app()
    with app.app_context():
        upgrade_database()
        create_user(EMAIL, NAME, "lead", PASSWORD)
        seeded = seed_demo_channels()
        outcomes = poll_once()
        print(f"demo channels {[name for name, _ in seeded]}; polled {sum(o.fetched for o in outcomes)} message(s)")
    run_worker(app, burst=True)  # the real worker: default sentiment model, SimpleWorker, burst
    with app.app_context():
        negative = db.session.scalars(
            select(Ticket).where(Ticket.first_sentiment == "negative", Ticket.status.in_(("new", "open")))
            .order_by(Ticket.due_at, Ticket.id)
        ).all()
        total = len(db.session.scalars(select(Ticket.id)).all())
        if not negative:
            raise SystemExit(f"no open negative ticket among {total}: nothing to show")

        def clearly_negative(ticket: Ticket) -> tuple[bool, bool, float]:
            # a short thread (it fits the page) whose customer is still waiting and still unhappy, and
            # that the model is surest is a complaint
            first, last = ticket.messages[0], ticket.messages[-1]
            waiting = last.direction == "inbound" and last.sentiment_label == "negative"
            return 2 <= ticket.message_count <= 4, waiting, first.sentiment_score or 0.0

        chosen = max(negative, key=clearly_negative)
        print(f"{total} tickets, {len(negative)} open negative; showing #{chosen.id} ({chosen.message_count} messages, "
              f"{chosen.messages[0].sentiment_score:.2f} negative): {chosen.subject!r}")
        return app, chosen.id


def serve(app: Any) -> Any:
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _visit(page: Any, url: str) -> None:
    # not "networkidle": the live list keeps an EventSource open
    response = page.goto(url, wait_until="load")
    if response is None or not response.ok:
        raise SystemExit(f"GET {url} answered {response.status if response else 'nothing'}; not taking a screenshot of that")
    page.evaluate("document.fonts.ready")


def _work_the_ticket(page: Any) -> None:
    """Take it, tag it and leave a note through the page, as an agent would; parts not there are skipped."""
    if page.locator("#take-btn").count():
        page.click("#take-btn")
        page.wait_for_load_state("load")
    if page.locator("#tag-input").count():
        page.fill("#tag-input", "complaint, follow-up")
        page.press("#tag-input", "Enter")
        page.wait_for_load_state("load")
    if page.locator("#note-text").count():
        page.fill("#note-text", "Checked the account: nothing wrong on our side so far. Asking the network team before we reply.")
        page.click("#note-add")
        page.wait_for_load_state("load")
    _visit(page, page.url.split("#")[0])  # once more, without the flash messages of the steps above
    lang = page.locator("#thread .thread-message [lang]").first.get_attribute("lang") if page.locator(
        "#thread .thread-message [lang]").count() else "en"
    titles = [t.strip() for t in page.locator("#canned option").all_inner_texts()]
    wanted = "お詫び（対応中）" if lang == "ja" else "Sorry — we're on it"
    if wanted in titles:
        page.locator("#canned").select_option(label=wanted)  # placeholders filled in by the server
    page.evaluate("document.activeElement && document.activeElement.blur()")


def shoot(base: str, ticket_id: int, out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    shots: list[Path] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport=VIEWPORT, device_scale_factor=1, locale="en-GB", base_url=base)
            page = context.new_page()
            _visit(page, "/login")
            page.fill("#email", EMAIL)
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_load_state("load")
            if "/login" in page.url:
                raise SystemExit("login failed: still on the login page")

            _visit(page, f"/tickets/{ticket_id}")
            _work_the_ticket(page)
            page.evaluate("window.scrollTo(0, 0)")
            ticket_shot = out / "ticket.png"
            page.screenshot(path=str(ticket_shot))

            _visit(page, "/")
            page.keyboard.press("j")  # the keyboard selection on the most urgent ticket
            page.evaluate("document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0)")
            shots += [out / "inbox.png", ticket_shot]
            page.screenshot(path=str(shots[0]))

            _visit(page, "/dashboard")
            shots.append(out / "dashboard.png")
            page.screenshot(path=str(shots[-1]))

            # the same person on a phone: the list as cards, then the ticket with its reply box
            phone = browser.new_context(viewport=PHONE, device_scale_factor=2, locale="en-GB", base_url=base,
                                        storage_state=context.storage_state())
            mobile = phone.new_page()
            _visit(mobile, "/")
            shots.append(out / "phone-inbox.png")
            mobile.screenshot(path=str(shots[-1]))
            _visit(mobile, f"/tickets/{ticket_id}")
            mobile.evaluate("document.getElementById('reply-text') && document.getElementById('reply-text').scrollIntoView({block: 'center'})")
            shots.append(out / "phone-ticket.png")
            mobile.screenshot(path=str(shots[-1]))
            phone.close()
        finally:
            browser.close()
    return shots


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    if not os.access(CHROMIUM, os.X_OK):
        raise SystemExit(f"no Chromium at {CHROMIUM}: apt-get install chromium (or set INBOX_CHROMIUM)")
    server = None
    try:
        app, ticket_id = prepare()
        server = serve(app)
        for path in shoot(f"http://127.0.0.1:{server.server_port}", ticket_id, args.out):
            print(f"wrote {path}")
    finally:
        if server is not None:
            server.shutdown()
        from inbox.redis_client import stop_embedded_redis

        stop_embedded_redis(owner=True)  # this script started it
        shutil.rmtree(TMP, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
