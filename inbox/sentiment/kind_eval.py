"""Kinds on the held-out part of the labelled set: per-kind precision and recall, macro-F1, against
the keyword baseline (``kinds.keyword_kind``). The part was never trained on (``kind_data``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from inbox.sentiment.classifiers import E5Classifier
from inbox.sentiment.kind_data import KindExample, load_kinds, part
from inbox.sentiment.kinds import KINDS, NOISE, keyword_kinds

# What the model must reach on the held-out part (docs/kinds.md); bench/kinds.py checks them.
MACRO_F1_TARGET = 0.75
NOISE_PRECISION_TARGET = 0.95


@dataclass
class KindScores:
    name: str
    gold: list[str]
    predicted: list[str]

    def precision(self, kind: str) -> float:
        called = [g for g, p in zip(self.gold, self.predicted) if p == kind]
        return sum(1 for g in called if g == kind) / len(called) if called else 0.0

    def recall(self, kind: str) -> float:
        actual = [p for g, p in zip(self.gold, self.predicted) if g == kind]
        return sum(1 for p in actual if p == kind) / len(actual) if actual else 0.0

    def f1(self, kind: str) -> float:
        p, r = self.precision(kind), self.recall(kind)
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def macro_f1(self) -> float:
        return sum(self.f1(k) for k in KINDS) / len(KINDS)


@dataclass
class KindEvaluation:
    model_id: str
    noise_at_least: float | None
    examples: list[KindExample]
    model: KindScores
    keywords: KindScores
    by_language: dict[str, KindScores]

    @property
    def meets_targets(self) -> bool:
        return self.model.macro_f1 >= MACRO_F1_TARGET and self.model.precision(NOISE) >= NOISE_PRECISION_TARGET


def evaluate_kinds(classifier: E5Classifier, examples: Sequence[KindExample] | None = None) -> KindEvaluation:
    if classifier.kinds is None:
        raise RuntimeError("no kind head for this sentiment model: run `inbox sentiment build`")
    held_out = list(examples) if examples is not None else part(load_kinds(), "eval")
    texts = [e.text for e in held_out]
    gold = [e.kind for e in held_out]
    predicted = [s.kind or "" for s in classifier.classify(texts)]
    by_language = {
        lang: KindScores(lang, [g for g, e in zip(gold, held_out) if e.lang == lang],
                         [p for p, e in zip(predicted, held_out) if e.lang == lang])
        for lang in sorted({e.lang for e in held_out})
    }
    return KindEvaluation(classifier.model_id, classifier.kinds.noise_at_least, held_out,
                          KindScores("model", gold, predicted), KindScores("keywords", gold, keyword_kinds(texts)), by_language)


def format_kind_report(result: KindEvaluation) -> str:
    n = len(result.examples)
    lines = [
        f"Kinds of engagement: held-out part of seed/kinds.jsonl ({n} messages, never trained on)",
        f"model {result.model_id}, noise only at p >= {result.noise_at_least:.2f}",
        "",
        "| kind | n | model P | model R | model F1 | keywords P | keywords R | keywords F1 |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for kind in KINDS:
        count = sum(1 for g in result.model.gold if g == kind)
        m, k = result.model, result.keywords
        lines.append(f"| {kind} | {count} | {m.precision(kind):.3f} | {m.recall(kind):.3f} | {m.f1(kind):.3f} | "
                     f"{k.precision(kind):.3f} | {k.recall(kind):.3f} | {k.f1(kind):.3f} |")
    lines.append(f"| **macro-F1** | {n} | | | **{result.model.macro_f1:.3f}** | | | **{result.keywords.macro_f1:.3f}** |")
    lines.append("")
    for lang, scores in result.by_language.items():
        lines.append(f"{lang}: {len(scores.gold)} messages, model macro-F1 {scores.macro_f1:.3f}, "
                     f"noise precision {scores.precision(NOISE):.3f}")
    verdict = "met" if result.meets_targets else "NOT met"
    lines.append(f"targets (macro-F1 >= {MACRO_F1_TARGET}, noise precision >= {NOISE_PRECISION_TARGET}): {verdict} — "
                 f"macro-F1 {result.model.macro_f1:.3f}, noise precision {result.model.precision(NOISE):.3f}")
    return "\n".join(lines)
