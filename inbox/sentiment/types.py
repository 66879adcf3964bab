"""Value types of the sentiment API (kept free of heavy imports)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, Sequence


@dataclass(frozen=True)
class Sentiment:
    label: str  # "negative" | "neutral" | "positive"
    score: float  # confidence 0..1 of that label
    model: str  # model id; changes whenever the model changes


class ModelUnavailable(RuntimeError):
    """The requested sentiment model cannot be loaded; the message says why and what to run."""


class Classifier(Protocol):
    model_id: str

    def classify(self, texts: Sequence[str]) -> list[Sentiment]: ...
