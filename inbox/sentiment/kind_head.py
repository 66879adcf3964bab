"""The kind head: a small classifier on the same pooled encoder output the sentiment head reads.

It is trained by ``inbox sentiment build`` (``make model``) from the labelled set in
``seed/kinds.jsonl`` (train part only) on top of the installed encoder and the active sentiment
artefact, so serving it costs no second model load and no second encoder forward. The file records
the sentiment artefact it was trained with; a head trained for another artefact is not used (the
pooled output changed), and the next build retrains it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file

from inbox.sentiment.head import build_head
from inbox.sentiment.kind_data import KindExample, data_sha256
from inbox.sentiment.kinds import KINDS, NOISE
from inbox.sentiment.paths import model_dir

KIND_HEAD_FORMAT = 1
FILE_NAME = "kinds.safetensors"
# The threshold is raised until noise precision on out-of-fold predictions over the train part
# reaches this; a margin over the 0.95 the evaluation part must show.
NOISE_PRECISION_TARGET = 0.98
FOLDS = 5
EPOCHS = 200
SEED = 20261208

Embedder = Callable[[Sequence[str]], Any]


def kind_head_path() -> Path:
    return model_dir() / "sentiment" / FILE_NAME


@dataclass
class KindHead:
    head: Any
    labels: tuple[str, ...]
    noise_at_least: float
    meta: dict

    def probabilities(self, pooled: Any) -> Any:
        with torch.inference_mode():
            return torch.softmax(self.head(torch.nn.functional.normalize(pooled.float(), dim=1)), dim=1)


def fit(features: Any, targets: Any, epochs: int = EPOCHS, seed: int = SEED) -> Any:
    """A linear head on L2-normalised pooled vectors, classes weighted by inverse frequency."""
    torch.manual_seed(seed)
    head = build_head(features.shape[1], 0, len(KINDS), dropout=0.1)
    counts = torch.bincount(targets, minlength=len(KINDS)).float().clamp(min=1.0)
    loss_fn = torch.nn.CrossEntropyLoss(weight=counts.sum() / (len(KINDS) * counts))
    optimiser = torch.optim.AdamW(head.parameters(), lr=0.01, weight_decay=1e-3)
    x = torch.nn.functional.normalize(features.float(), dim=1)
    head.train()
    for _ in range(epochs):
        optimiser.zero_grad()
        loss = loss_fn(head.logits(x), targets)
        loss.backward()
        optimiser.step()
    head.eval()
    return head


def out_of_fold(features: Any, targets: Any, folds: int = FOLDS) -> Any:
    """Each train example's probabilities from a head that never saw it."""
    order = torch.arange(len(targets))
    probs = torch.zeros((len(targets), len(KINDS)))
    for fold in range(folds):
        held = order % folds == fold
        head = fit(features[~held], targets[~held])
        with torch.inference_mode():
            probs[held] = torch.softmax(head(torch.nn.functional.normalize(features[held].float(), dim=1)), dim=1)
    return probs


def noise_threshold(probs: Any, targets: Any, target_precision: float = NOISE_PRECISION_TARGET) -> float:
    """The lowest probability at which calling a message noise is right often enough."""
    noise = KINDS.index(NOISE)
    p_noise = probs[:, noise]
    is_top = probs.argmax(dim=1) == noise
    for step in range(50, 100):
        threshold = step / 100
        called = is_top & (p_noise >= threshold)
        if int(called.sum()) == 0:
            return threshold
        if float((targets[called] == noise).float().mean()) >= target_precision:
            return threshold
    return 0.99


def train(embed: Embedder, examples: Sequence[KindExample], sentiment_sha256: str) -> KindHead:
    texts = [e.text for e in examples]
    targets = torch.tensor([KINDS.index(e.kind) for e in examples])
    features = embed(texts)
    threshold = noise_threshold(out_of_fold(features, targets), targets)
    head = fit(features, targets)
    meta = {
        "format": KIND_HEAD_FORMAT, "labels": list(KINDS), "dim": int(features.shape[1]), "noise_at_least": threshold,
        "sentiment_sha256": sentiment_sha256, "data_sha256": data_sha256(), "trained_on": len(examples),
    }
    return KindHead(head, KINDS, threshold, meta)


def save(path: Path, kind_head: KindHead) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tensors = {k: v.detach().float().contiguous() for k, v in kind_head.head.state_dict().items()}
    tmp = path.with_suffix(".tmp")
    save_file(tensors, str(tmp), metadata={"inbox": json.dumps(kind_head.meta, sort_keys=True)})
    tmp.replace(path)


def read_meta(path: Path) -> dict:
    with safe_open(str(path), framework="pt") as fh:
        return json.loads((fh.metadata() or {}).get("inbox", "{}"))


def is_current(path: Path, sentiment_sha256: str) -> bool:
    """Whether ``path`` holds a kind head trained for this sentiment artefact and this labelled set."""
    if not path.exists():
        return False
    try:
        meta = read_meta(path)
    except Exception:  # a torn or foreign file is simply not current
        return False
    return (meta.get("format") == KIND_HEAD_FORMAT and meta.get("sentiment_sha256") == sentiment_sha256
            and meta.get("data_sha256") == data_sha256())


def load(path: Path, sentiment_sha256: str) -> KindHead | None:
    """The kind head at ``path`` if it was trained for this sentiment artefact, else None."""
    if not path.exists():
        return None
    meta = read_meta(path)
    if meta.get("format") != KIND_HEAD_FORMAT or meta.get("sentiment_sha256") != sentiment_sha256:
        return None
    head = build_head(int(meta["dim"]), 0, len(meta["labels"]))
    head.load_state_dict(load_file(str(path)))
    head.eval()
    return KindHead(head, tuple(meta["labels"]), float(meta["noise_at_least"]), meta)
