"""Where the sentiment model's files live.

The rebuilt encoder is large and derived from an installed package, so it is built at install
time into ``instance/models/`` (overridable by ``INBOX_MODEL_DIR``); the trained head is tiny
and committed under ``inbox/sentiment/heads/``.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent.parent
HEADS_DIR = PACKAGE_DIR / "heads"


def model_dir() -> Path:
    """Directory holding built models (``INBOX_MODEL_DIR``, default ``<repo>/instance/models``)."""
    configured = os.environ.get("INBOX_MODEL_DIR")
    return Path(configured) if configured else REPO_ROOT / "instance" / "models"


def eval_dir() -> Path:
    """Shared labelled data (``INBOX_EVAL_DIR``, default ``<repo>/../shared/eval``)."""
    configured = os.environ.get("INBOX_EVAL_DIR")
    return Path(configured) if configured else REPO_ROOT.parent / "shared" / "eval"
