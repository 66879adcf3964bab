"""Training: reproducible on a tiny subset, corrections weighted like examples and capped, and a worse
candidate never replaces the model in use."""

from __future__ import annotations

import pytest

from inbox.sentiment.artefact import COMMITTED, file_sha256, read_meta
from inbox.sentiment.classifiers import E5Classifier
from inbox.sentiment.data import Example, load_set, split
from inbox.sentiment.metrics import f1_scores
from inbox.sentiment.retrain import retrain, split_corrections
from inbox.sentiment.train import CORRECTIONS_SOURCE, TrainConfig, dedupe_corrections, example_weights, save_model, train_model

QUIET = {"log": lambda *_: None}
CORRECTIONS = [
    ("@AcmeHelp still waiting for my refund, third week now", "negative"),
    ("my parcel arrived today, all good", "positive"),
    ("what are your opening hours on sunday?", "neutral"),
    ("ignored: unknown label", "angry"),
]


def _tiny_data():
    tweets, chabsa = load_set("vader_tweets"), load_set("chabsa")
    return {
        "vader_tweets": split(tweets, "train")[:40] + split(tweets, "dev")[:12],
        "chabsa": split(chabsa, "train")[:20] + split(chabsa, "dev")[:6],
    }


def _labelled(n: int, source: str = "vader_tweets") -> list[Example]:
    labels = ("negative", "neutral", "positive")
    return [Example(f"text {source} {i}", labels[i % 3], source) for i in range(n)]


def test_one_correction_weighs_like_one_labelled_example():
    rows = _labelled(300) + _labelled(90, "chabsa") + dedupe_corrections([("my refund is late", "negative")])
    weights = example_weights(rows, TrainConfig())
    labelled = [w for e, w in zip(rows, weights) if e.source != CORRECTIONS_SOURCE]
    assert sum(labelled) / len(labelled) == pytest.approx(1.0)
    assert weights[-1] == pytest.approx(1.0)  # the average labelled example, not a fixed share of the loss
    assert weights[-1] / sum(weights) < 0.01


def test_corrections_together_are_capped():
    many = dedupe_corrections((f"complaint number {i}", "negative") for i in range(500))
    rows = _labelled(300) + many
    cfg = TrainConfig()
    weights = example_weights(rows, cfg)
    share = sum(w for e, w in zip(rows, weights) if e.source == CORRECTIONS_SOURCE) / sum(weights)
    assert share == pytest.approx(cfg.corrections_cap)


def test_corrections_are_deduplicated_by_text_latest_label_wins():
    found = dedupe_corrections([
        ("Refund  still missing", "neutral"), ("ok", "positive"), ("Refund still missing", "negative"), ("x", "angry"),
    ])
    assert [(e.text, e.label) for e in found] == [("ok", "positive"), ("Refund still missing", "negative")]
    train, held = split_corrections(dedupe_corrections((f"complaint number {i}", "negative") for i in range(200)))
    assert 0.1 < len(held) / 200 < 0.3 and not {e.text for e in train} & {e.text for e in held}


def test_training_is_reproducible_and_records_what_it_trained_on(tmp_path):
    data = _tiny_data()
    cfg = TrainConfig(epochs=1)
    first = train_model(data, cfg, corrections=dedupe_corrections(CORRECTIONS), **QUIET)
    assert first.model.examples == {"vader_tweets": 40, "chabsa": 20, CORRECTIONS_SOURCE: 3}
    assert 0.05 <= first.temperature <= 20
    second = train_model(data, cfg, corrections=dedupe_corrections(CORRECTIONS), **QUIET)
    a, b = save_model(first, tmp_path / "a.safetensors"), save_model(second, tmp_path / "b.safetensors")
    assert file_sha256(a) == file_sha256(b)
    meta = read_meta(a)
    assert meta["lora"]["first_layer"] == 8 and meta["examples"][CORRECTIONS_SOURCE] == 3
    model = E5Classifier(head_path=a)
    assert model.model_id.split("+")[1].startswith("lora.") and model.model_id != E5Classifier(head_path=COMMITTED).model_id
    assert len(model.classify(["thanks!", ""])) == 2


def test_a_worse_candidate_does_not_replace_the_model_in_use(tmp_path):
    data = _tiny_data()
    out = tmp_path / "model.safetensors"
    report = retrain(CORRECTIONS, out, COMMITTED, cfg=TrainConfig(epochs=1), data=data, **QUIET)
    assert not report.written and not out.exists() and report.reasons
    assert report.current is not None and report.current.dev_macro_f1 > report.candidate.dev_macro_f1
    assert not list(tmp_path.iterdir())  # the candidate file is gone too
    forced = retrain(CORRECTIONS, out, COMMITTED, force=True, cfg=TrainConfig(epochs=1), data=data, **QUIET)
    assert forced.written and out.exists()


def test_f1_scores():
    scores = f1_scores(["positive", "negative", "neutral", "neutral"], ["positive", "neutral", "neutral", "neutral"])
    assert scores["positive"] == 1.0
    assert scores["negative"] == 0.0
    assert round(scores["neutral"], 3) == 0.8
    assert round(scores["macro"], 3) == 0.6
