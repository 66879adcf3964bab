"""The export folder as the UI sees it: which weeks exist, and safe file lookup for downloads."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from .export import FILE_NAME, KINDS


@dataclass(frozen=True)
class ExportFile:
    name: str
    kind: str
    size: int
    modified_at: datetime


@dataclass
class WeekExport:
    week: str
    files: dict[str, ExportFile] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return all(kind in self.files for kind in KINDS)


def list_exports(folder: Path) -> list[WeekExport]:
    """Weeks with at least one export file, newest first; temporary and foreign files are ignored."""
    weeks: dict[str, WeekExport] = {}
    if not folder.is_dir():
        return []
    for path in folder.iterdir():
        match = FILE_NAME.match(path.name)
        if not match or not path.is_file():
            continue
        stat = path.stat()
        week, kind = match.groups()
        weeks.setdefault(week, WeekExport(week)).files[kind] = ExportFile(
            path.name, kind, stat.st_size, datetime.fromtimestamp(stat.st_mtime, timezone.utc))
    return sorted(weeks.values(), key=lambda w: w.week, reverse=True)


def export_file(folder: Path, name: str) -> Path | None:
    """The file a download may serve: only our own names (no separators, no dots), inside `folder`."""
    if not FILE_NAME.match(name):
        return None
    path = folder / name
    return path if path.is_file() and path.resolve().parent == folder.resolve() else None
