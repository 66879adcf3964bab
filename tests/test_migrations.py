"""Exactly one Alembic head, and `upgrade` builds the schema on an empty database."""
from __future__ import annotations

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect

from inbox.app import create_app
from inbox.config import MIGRATIONS_DIR
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

    from inbox.tickets.read.search import include_object

    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": False, "include_object": include_object})
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_upgrade_imports_export_files_of_the_old_export_folder(tmp_path):
    """Before exports lived in the database a worker wrote them to a folder; upgrading keeps them."""
    from sqlalchemy import select

    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "inbox-2026-W40-messages.csv").write_bytes("\ufeffmessage_id\n7\n".encode())
    (folder / "inbox-2026-W40-summary.csv").write_bytes(b"summary")
    (folder / ".inbox-2026-W40-themes.csv.x.tmp").write_bytes(b"half written")
    (folder / "notes.txt").write_text("not ours")
    url = f"sqlite:///{tmp_path / 'old.db'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": "redis://127.0.0.1:1/0",
                      "INBOX_WEEKLY_EXPORT_DIR": str(folder)})
    with app.app_context():
        from flask_migrate import upgrade

        from inbox.voice.files import StoredExport, list_exports

        upgrade(directory=MIGRATIONS_DIR)
        assert [(w.week, sorted(w.files)) for w in list_exports()] == [("2026-W40", ["messages", "summary"])]
        stored = db.session.scalar(select(StoredExport).where(StoredExport.kind == "messages"))
        assert stored.content == "\ufeffmessage_id\n7\n".encode() and stored.size == len(stored.content)
        db.session.remove()
    create_engine(url).dispose()
