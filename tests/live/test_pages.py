"""What base.html gives every signed-in page for live updates and the keyboard, and nothing before sign-in."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_signed_in_pages_carry_the_scripts_the_token_and_the_shortcuts(logged_in, ticket):
    for url in ("/", f"/tickets/{ticket.id}"):
        html = logged_in.get(url).data
        assert b'<meta name="csrf-token" content="' in html
        assert b'<dialog id="shortcuts"' in html and b"<kbd>j</kbd>" in html and b"<kbd>?</kbd>" in html
        assert b'src="/static/keys.js"' in html and b'src="/static/live.js"' in html
    for name in ("keys.js", "live.js", "live.css"):
        assert logged_in.get(f"/static/{name}").status_code == 200


def test_the_login_page_has_no_live_scripts_and_no_token_meta(client):
    html = client.get("/login").data
    assert b"live.js" not in html and b"keys.js" not in html and b'name="csrf-token"' not in html


def test_importing_connects_nothing_and_the_hook_comes_with_create_app(tmp_path):
    """No side effects at import time: the session hook is installed by create_app (web and worker alike)."""
    script = """
import sqlalchemy.event as event
import inbox, inbox.app, inbox.live, inbox.live.publish as publish, inbox.jobs, inbox.jobs.worker, inbox.jobs.delivery, inbox.cli
import inbox.redis_client, inbox.tickets.hooks as hooks, inbox.tickets.signals as signals
from inbox.extensions import db
assert not event.contains(db.session, "after_commit", hooks._after_commit)
assert not signals.tickets_changed.receivers, "a receiver was connected on import"
assert not inbox.redis_client._embedded, "an embedded Redis was started on import"
app = inbox.app.create_app({"REDIS_URL": "redis://127.0.0.1:9/0"})
assert event.contains(db.session, "after_flush", hooks._after_flush)
assert event.contains(db.session, "after_commit", hooks._after_commit)
assert signals.tickets_changed.has_receivers_for(None)
assert publish.publish_changes in [r() if callable(r) and not hasattr(r, "__code__") else r for r in signals.tickets_changed.receivers.values()]
assert app.extensions["inbox_live"]._client is None  # no Redis client until something is published
print("ok")
"""
    env = {"INBOX_INSTANCE_PATH": str(tmp_path), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]
