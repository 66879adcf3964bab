"""A fixed list of hard customer-care lines (``hard_lines.csv``: English and Japanese, sarcasm,
complaints without sentiment words, negation, emoji), written before the model was trained and never
used to train or tune it.

The frozen-encoder model this replaced (head 482279c4) passes 62 of 71 (0.873) — 6 of its labels
changed between one batch and one text at a time — so it fails this test; the LoRA model passes 63
(0.887); VADER passes 34 (0.479). What is still missed is mostly sarcasm ("Oh great … AGAIN.
Fantastic service, really.") and neutral requests that sound annoyed.
"""

from __future__ import annotations

from inbox.sentiment.artefact import COMMITTED
from inbox.sentiment.evaluate import hard_lines_pass_rate, load_hard_lines

MIN_PASS_RATE = 0.88


def test_hard_lines_are_many_and_varied():
    rows = load_hard_lines()
    assert len(rows) >= 60
    assert {r["lang"] for r in rows} == {"en", "ja"}
    assert {"sarcasm", "complaint", "negation", "emoji"} <= {r["kind"] for r in rows}
    assert {r["label"] for r in rows if r["lang"] == "ja"} == {"negative", "neutral", "positive"}


def test_committed_model_passes_the_hard_lines():
    from inbox.sentiment.classifiers import E5Classifier

    model = E5Classifier(head_path=COMMITTED)
    rate, misses = hard_lines_pass_rate(lambda texts: [s.label for s in model.classify(texts)])
    assert rate >= MIN_PASS_RATE, "\n".join(f"{m['label']} -> {m['got']}: {m['text']}" for m in misses)
