"""Per-class and macro F1 (no dependency: the sets are small)."""

from __future__ import annotations

from typing import Sequence

from inbox.sentiment.data import LABELS


def f1_scores(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str] = LABELS) -> dict[str, float]:
    """Per-class F1 plus "macro" (unweighted mean over ``labels``)."""
    out: dict[str, float] = {}
    for label in labels:
        tp = sum(1 for g, p in zip(gold, pred) if g == label and p == label)
        fp = sum(1 for g, p in zip(gold, pred) if g != label and p == label)
        fn = sum(1 for g, p in zip(gold, pred) if g == label and p != label)
        out[label] = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    out["macro"] = sum(out[label] for label in labels) / len(labels)
    return out
