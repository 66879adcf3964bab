"""CSV files that spreadsheet programs open safely: UTF-8 with BOM, no formula injection, atomic."""
from __future__ import annotations

import csv
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

# OWASP's list: a cell starting with one of these is run as a formula by Excel / LibreOffice.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Text that a spreadsheet would evaluate gets a leading quote; numbers we produce stay numbers."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def safe_row(values: list[Any]) -> list[Any]:
    return [safe_cell(v) for v in values]


@contextmanager
def atomic_csv(path: Path) -> Iterator[Any]:
    """A csv.writer on a temporary file beside `path`, moved over `path` only when the block succeeds.

    Readers (a download in progress, Excel) see the old file or the new one, never half of one.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        # utf-8-sig writes the BOM Excel needs to read Japanese correctly
        with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as fh:
            yield csv.writer(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o640)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def read_csv(path: Path) -> list[list[str]]:
    """Rows of a file written by `atomic_csv` (for tests and the UI preview)."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


