"""Retraining with agents' corrections, and the gate a new model passes before it replaces the old.

Corrections are deduplicated by text (the latest label wins) and split by a hash of the text: a
fifth is held out. The candidate is trained on the labelled sets plus the other corrections, then
both the candidate and the model in use label the labelled sets' dev slice and the held-out
corrections. The candidate replaces the old model only if it is at least as good on the held-out
corrections and loses at most ``DEV_TOLERANCE`` mean macro-F1 on the dev slice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

from inbox.sentiment.classifiers import E5Classifier
from inbox.sentiment.data import Example, load_all, split
from inbox.sentiment.metrics import f1_scores
from inbox.sentiment.train import (
    Log,
    TrainConfig,
    dedupe_corrections,
    save_model,
    train_model,
)

DEV_TOLERANCE = 0.01


@dataclass
class Scores:
    dev_macro_f1: float  # mean over the labelled sets' dev slices
    held_out_accuracy: float | None  # on the held-out corrections (None when there are none)


@dataclass
class RetrainReport:
    out: Path
    written: bool
    candidate: Scores
    current: Scores | None
    corrections_trained: int
    corrections_held_out: int
    reasons: list[str] = field(default_factory=list)


def split_corrections(corrections: Sequence[Example]) -> tuple[list[Example], list[Example]]:
    """(train, held out): the held-out fifth is the texts whose hash falls in the test buckets."""
    held = [e for e in corrections if e.split == "test"]
    return [e for e in corrections if e.split != "test"], held


def score(predict: Callable[[Sequence[str]], list[str]], dev: dict[str, list[Example]], held: Sequence[Example]) -> Scores:
    macro = [f1_scores([e.label for e in rows], predict([e.text for e in rows]))["macro"] for rows in dev.values() if rows]
    accuracy = None
    if held:
        got = predict([e.text for e in held])
        accuracy = sum(g == e.label for g, e in zip(got, held)) / len(held)
    return Scores(sum(macro) / len(macro) if macro else 0.0, accuracy)


def _served(path: Path) -> Callable[[Sequence[str]], list[str]]:
    classifier = E5Classifier(head_path=path)
    return lambda texts: [s.label for s in classifier.classify(texts)]


def retrain(
    corrections: Iterable[tuple[str, str]],
    out: Path,
    current: Path | None,
    force: bool = False,
    cfg: TrainConfig | None = None,
    data: dict[str, list[Example]] | None = None,
    log: Log = print,
) -> RetrainReport:
    """Train a candidate and write it to ``out`` if it passes the gate against ``current`` (or ``force``)."""
    data = data if data is not None else load_all()
    train_corr, held = split_corrections(dedupe_corrections(corrections))
    log(f"corrections: {len(train_corr)} to train on, {len(held)} held out")
    result = train_model(data, cfg, corrections=train_corr, log=log)
    out = Path(out)
    candidate_path = out.with_name(f".{out.name}.candidate")
    save_model(result, candidate_path)
    dev = {name: split(rows, "dev") for name, rows in data.items()}
    candidate = score(_served(candidate_path), dev, held)
    previous = score(_served(current), dev, held) if current and Path(current).exists() else None
    report = RetrainReport(out, False, candidate, previous, len(train_corr), len(held))
    if previous is not None:
        if previous.held_out_accuracy is not None and candidate.held_out_accuracy is not None \
                and candidate.held_out_accuracy < previous.held_out_accuracy:
            report.reasons.append(
                f"held-out corrections: {candidate.held_out_accuracy:.3f} < {previous.held_out_accuracy:.3f} (current)")
        if candidate.dev_macro_f1 < previous.dev_macro_f1 - DEV_TOLERANCE:
            report.reasons.append(f"dev macro-F1: {candidate.dev_macro_f1:.3f} < {previous.dev_macro_f1:.3f} (current) - {DEV_TOLERANCE}")
    if force or not report.reasons:
        candidate_path.replace(out)
        report.written = True
    else:
        candidate_path.unlink()
    return report
