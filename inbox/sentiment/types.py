"""Value types of the sentiment API (kept free of heavy imports)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, Sequence

UNCERTAIN = "uncertain"
# A label whose calibrated probability is below this is shown as "uncertain" and counts as neutral for
# priority. Chosen on held-out data (the served model's test-split predictions): below it, its top label
# is right less often than not (docs/sentiment.md, "Calibration and doubt").
UNCERTAIN_BELOW = 0.51


def is_uncertain(label: str | None, score: float | None) -> bool:
    """Whether a stored (label, score) pair is too unsure to show as a colour. A label without a score
    (an agent's correction) is never uncertain."""
    return label is not None and label != UNCERTAIN and score is not None and score < UNCERTAIN_BELOW


def shown_label(label: str | None, score: float | None) -> str | None:
    """What a ticket shows: the label, or "uncertain" when its probability is under ``UNCERTAIN_BELOW``."""
    return UNCERTAIN if is_uncertain(label, score) else label


def priority_label(label: str | None, score: float | None) -> str | None:
    """The label priority rules should read: an uncertain label counts as neutral."""
    return "neutral" if is_uncertain(label, score) else label


@dataclass(frozen=True)
class Sentiment:
    label: str  # "negative" | "neutral" | "positive"
    score: float  # calibrated probability 0..1 of that label
    model: str  # model id; changes whenever the model changes
    # The kind of engagement (``kinds.KINDS``) from the same encoder pass, and its probability;
    # None when the classifier has no kind head (VADER, or a head not built for this model).
    kind: str | None = None
    kind_score: float | None = None

    @property
    def uncertain(self) -> bool:
        return is_uncertain(self.label, self.score)

    @property
    def shown(self) -> str:
        """``label``, or "uncertain" when the model is unsure."""
        return UNCERTAIN if self.uncertain else self.label

    @property
    def for_priority(self) -> str:
        """``label``, or "neutral" when the model is unsure: doubt never raises a ticket's priority."""
        return "neutral" if self.uncertain else self.label


class ModelUnavailable(RuntimeError):
    """The requested sentiment model cannot be loaded; the message says why and what to run."""


class Classifier(Protocol):
    model_id: str

    def classify(self, texts: Sequence[str]) -> list[Sentiment]: ...
