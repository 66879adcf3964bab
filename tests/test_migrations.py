"""Exactly one Alembic head, and `upgrade` builds the schema on an empty database."""
from __future__ import annotations

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect

from inbox import MIGRATIONS_DIR, create_app
from inbox.extensions import db


def test_single_head():
    config = Config()
    config.set_main_option("script_location", MIGRATIONS_DIR)
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1


def test_upgrade_on_empty_database_matches_models(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": "redis://127.0.0.1:1/0"})
    with app.app_context():
        from flask_migrate import upgrade

        upgrade(directory=MIGRATIONS_DIR)
        tables = set(inspect(db.engine).get_table_names())
    assert set(db.metadata.tables) <= tables
    assert "alembic_version" in tables
    create_engine(url).dispose()


def test_models_and_migrations_agree(app):
    """No model change without a migration: autogenerate finds nothing to do (it skips, as env.py does,
    the trigram search indexes that exist only on PostgreSQL with pg_trgm)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from inbox.tickets.search import include_object

    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": False, "include_object": include_object})
        diff = compare_metadata(context, db.metadata)
    assert diff == []
