"""exports in the database: every web host serves what any worker wrote

Revision ID: a9d2e4f6b8c1
Revises: f3c1a8e5b7d9
Create Date: 2026-11-30 19:50:00.000000

- export_files: the weekly sentiment export's CSV files (on demand or scheduled), with their
  content, so no host needs the disk of the worker that wrote them.
- Files already in the export folder (INBOX_WEEKLY_EXPORT_DIR, default instance/exports) of the
  host that runs this migration are imported; the folder itself is left as it was.
"""
import os
import re
from datetime import datetime, timezone
from pathlib import Path

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a9d2e4f6b8c1'
down_revision = 'f3c1a8e5b7d9'
branch_labels = None
depends_on = None

FILE_NAME = re.compile(r"^inbox-(\d{4}-W\d{2})-(messages|summary|themes)\.csv$")


def _legacy_folder() -> Path:
    try:
        from flask import current_app

        return Path(current_app.config["INBOX_WEEKLY_EXPORT_DIR"])
    except (RuntimeError, KeyError):
        from inbox.config import instance_path

        return Path(os.environ.get("INBOX_WEEKLY_EXPORT_DIR") or instance_path() / "exports")


def upgrade():
    files = op.create_table('export_files',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('week', sa.String(length=8), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('content', sa.LargeBinary(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('name', name='uq_export_files_name'),
    )
    op.create_index('ix_export_files_week', 'export_files', ['week'])
    op.create_index('ix_export_files_created_at', 'export_files', ['created_at'])
    folder = _legacy_folder()
    if not folder.is_dir():
        return
    sqlite = op.get_bind().dialect.name == "sqlite"
    for path in sorted(folder.iterdir()):
        match = FILE_NAME.match(path.name)
        if not match or not path.is_file():
            continue
        written = datetime.fromtimestamp(path.stat().st_mtime, timezone.utc)
        content = path.read_bytes()
        op.bulk_insert(files, [{
            "name": path.name, "week": match.group(1), "kind": match.group(2), "size": len(content),
            "content": content, "created_at": written.replace(tzinfo=None) if sqlite else written,
        }])


def downgrade():
    op.drop_index('ix_export_files_created_at', table_name='export_files')
    op.drop_index('ix_export_files_week', table_name='export_files')
    op.drop_table('export_files')
