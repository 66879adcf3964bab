"""The trained sentiment artefact: LoRA pairs for the encoder's upper layers plus the head, one
safetensors file, with everything that shapes the model in its metadata.

The committed artefact lives in ``inbox/sentiment/heads/``; ``inbox sentiment train`` writes to the
instance folder (``<model dir>/sentiment/``), which the classifier prefers when present, so a
retrain with agents' corrections takes effect without touching the repository. The model id is
derived from the file's hash, so it changes whenever anything about the model changes.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from safetensors import safe_open
from safetensors.torch import load_file, save_file

from inbox.sentiment.head import build_head
from inbox.sentiment.paths import (  # noqa: F401  (where callers found them)
    COMMITTED,
    FILE_NAME,
    HEADS_DIR,
    active_artefact,
    instance_artefact,
    model_dir,
)

ARTEFACT_FORMAT = 2


def file_sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@dataclass
class Artefact:
    head: Any
    lora: dict[str, Any]  # {"tensors": {...}, "scale": float} or {} for a frozen encoder
    meta: dict


def save_artefact(path: Path, head: Any, lora_tensors: dict[str, Any], meta: dict) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tensors = {f"head.{k}": v.detach().float().contiguous().cpu() for k, v in head.state_dict().items()}
    tensors.update({f"lora.{k}": v.detach().float().contiguous().cpu() for k, v in lora_tensors.items()})
    tmp = path.with_suffix(".tmp")
    save_file(tensors, str(tmp), metadata={"inbox": json.dumps({"format": ARTEFACT_FORMAT, **meta}, sort_keys=True)})
    tmp.chmod(0o644)  # may be committed: readable like any other file
    tmp.replace(path)


def read_meta(path: Path) -> dict:
    with safe_open(str(path), framework="pt") as fh:
        return json.loads((fh.metadata() or {}).get("inbox", "{}"))


def load_artefact(path: Path) -> Artefact:
    meta = read_meta(path)
    if meta.get("format") != ARTEFACT_FORMAT:
        raise ValueError(f"{path}: not an inbox sentiment artefact (format {meta.get('format')!r})")
    tensors = load_file(str(path))
    head = build_head(meta["dim"], meta["hidden"], len(meta["labels"]))
    head.load_state_dict({k[len("head."):]: v for k, v in tensors.items() if k.startswith("head.")})
    head.eval()
    lora = {k[len("lora."):]: v for k, v in tensors.items() if k.startswith("lora.")}
    return Artefact(head, {"tensors": lora, "scale": float(meta["lora"]["scale"])} if lora else {}, meta)
