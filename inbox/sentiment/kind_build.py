"""``inbox sentiment build`` step two: train the kind head on the built encoder (no download, ~1 min)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from inbox.sentiment import kind_head
from inbox.sentiment.artefact import active_artefact, file_sha256
from inbox.sentiment.classifiers import E5Classifier
from inbox.sentiment.kind_data import load_kinds, part
from inbox.sentiment.normalise import normalise


@dataclass
class KindBuild:
    path: Path
    built: bool  # False when a head for this sentiment artefact and this labelled set was there
    noise_at_least: float
    trained_on: int


def embedder(classifier: E5Classifier) -> Callable:
    """The pooled output the serving classifier computes, for training texts (same dtype, same LoRA)."""
    return lambda texts: classifier.pooled([normalise(t) or "." for t in texts])


def build_kind_head(force: bool = False, head_path: Path | None = None, out: Path | None = None,
                    log: Callable[[str], None] = lambda _msg: None) -> KindBuild:
    sentiment_path = Path(head_path) if head_path else active_artefact()
    sentiment_sha = file_sha256(sentiment_path)
    target = Path(out) if out else kind_head.kind_head_path()
    if not force and kind_head.is_current(target, sentiment_sha):
        meta = kind_head.read_meta(target)
        return KindBuild(target, False, float(meta["noise_at_least"]), int(meta["trained_on"]))
    classifier = E5Classifier(head_path=sentiment_path)
    examples = part(load_kinds(), "train")
    log(f"training the kind head on {len(examples)} labelled messages (the eval part is left out)")
    trained = kind_head.train(embedder(classifier), examples, sentiment_sha)
    kind_head.save(target, trained)
    return KindBuild(target, True, trained.noise_at_least, len(examples))
