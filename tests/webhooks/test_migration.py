"""The breach webhook URL of earlier releases becomes a subscription to sla.breached on upgrade (and back)."""
from __future__ import annotations

import json

from sqlalchemy import create_engine, text

from inbox.app import create_app
from inbox.config import MIGRATIONS_DIR
from inbox.extensions import db


def test_breach_webhook_url_becomes_a_subscription(tmp_path):
    from flask_migrate import downgrade, upgrade

    url = f"sqlite:///{tmp_path / 'old.db'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": "redis://127.0.0.1:1/0"})
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR, revision="f3c1a8e5b7d9")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO app_settings (key, value) VALUES ('sla_webhook_url', 'https://hooks.example.com/sla')"))
        upgrade(directory=MIGRATIONS_DIR, revision="a9d4e2f7c1b3")
        with db.engine.connect() as conn:
            rows = conn.execute(text("SELECT name, url, events, active, secret FROM webhook_subscriptions")).all()
            setting = conn.execute(text("SELECT value FROM app_settings WHERE key = 'sla_webhook_url'")).scalar()
        (name, hook_url, events, active, secret), = rows
        assert (name, hook_url, json.loads(events), bool(active)) == ("SLA breach webhook", "https://hooks.example.com/sla", ["sla.breached"], True)
        assert len(secret) >= 32 and setting is None
        downgrade(directory=MIGRATIONS_DIR, revision="f3c1a8e5b7d9")
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT value FROM app_settings WHERE key = 'sla_webhook_url'")).scalar() == "https://hooks.example.com/sla"
        db.engine.dispose()
    create_engine(url).dispose()
