"""Where the recordings the connectors' tests replay are kept: real traffic and messages recorded
from each network (`../shared/eval` beside the repository, see SOURCES.md there), read by each
connector folder's `fixtures.py`. Set INBOX_EVAL_DIR to read them from elsewhere."""
from __future__ import annotations

import os
from pathlib import Path

EVAL_DIR_ENV = "INBOX_EVAL_DIR"


def eval_dir() -> Path:
    """INBOX_EVAL_DIR, else `<repo>/../shared/eval` (the repository is two folders above `inbox/connectors`)."""
    configured = os.environ.get(EVAL_DIR_ENV)
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[2].parent / "shared" / "eval"


def recording(*parts: str) -> Path:
    """One recorded file or folder; FileNotFoundError names where it was looked for."""
    path = eval_dir().joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"no recording {'/'.join(parts)} in {eval_dir()} (set {EVAL_DIR_ENV})")
    return path
