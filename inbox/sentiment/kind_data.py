"""The labelled set of kinds (``seed/kinds.jsonl``): one message a line with its kind, language,
source and fixed split. The ``eval`` part is never trained on; it is the part of the text-hash
buckets the sentiment adapter never trained on either (``data.TEST_BUCKETS`` and ``DEV_BUCKETS``)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from inbox.sentiment.kinds import KINDS
from inbox.sentiment.paths import PACKAGE_DIR

KINDS_FILE = PACKAGE_DIR / "seed" / "kinds.jsonl"


@dataclass(frozen=True)
class KindExample:
    text: str
    kind: str
    lang: str
    source: str
    split: str  # "train" | "eval"


def load_kinds(path: Path = KINDS_FILE) -> list[KindExample]:
    out = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        if row["kind"] not in KINDS or row["split"] not in ("train", "eval"):
            raise ValueError(f"{path}:{number}: unknown kind or split in {row!r}")
        out.append(KindExample(row["text"], row["kind"], row["lang"], row["source"], row["split"]))
    return out


def part(examples: list[KindExample], which: str) -> list[KindExample]:
    return [e for e in examples if e.split == which]


def data_sha256(path: Path = KINDS_FILE) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
