"""Training runs on a tiny subset with extra (correction-like) examples, reproducibly."""

from __future__ import annotations

from inbox.sentiment.classifiers import E5Classifier
from inbox.sentiment.data import load_set, split
from inbox.sentiment.head import head_sha256
from inbox.sentiment.train import TrainConfig, f1_scores, train

CORRECTIONS = [
    ("@AcmeHelp still waiting for my refund, third week now", "negative"),
    ("my parcel arrived today, all good", "positive"),
    ("what are your opening hours on sunday?", "neutral"),
    ("ignored: unknown label", "angry"),
]


def _tiny_data():
    return {
        "vader_tweets": split(load_set("vader_tweets"), "train")[:40] + split(load_set("vader_tweets"), "dev")[:12],
        "chabsa": split(load_set("chabsa"), "train")[:20],
    }


def test_train_with_extra_examples(tmp_path, e5):
    data = _tiny_data()
    cfg = TrainConfig(epochs=3)
    first = train(out=tmp_path / "a.safetensors", extra_examples=CORRECTIONS, cfg=cfg, data=data, log=lambda *_: None)
    assert first.n_examples["corrections"] == 3  # the unknown label is dropped
    assert first.n_examples["vader_tweets"] == 52 and first.n_examples["chabsa"] == 20
    assert 0.05 <= first.temperature <= 20

    # reproducible: same data and seed give the same file
    second = train(out=tmp_path / "b.safetensors", extra_examples=CORRECTIONS, cfg=cfg, data=data, log=lambda *_: None)
    assert head_sha256(first.path) == head_sha256(second.path)

    # a different head is a different model id, served by the same encoder
    other = E5Classifier(head_path=first.path)
    assert other.model_id != e5.model_id
    assert other.model_id.split("+")[0] == e5.model_id.split("+")[0]
    assert len(other.classify(["thanks!", ""])) == 2


def test_f1_scores():
    scores = f1_scores(["positive", "negative", "neutral", "neutral"], ["positive", "neutral", "neutral", "neutral"])
    assert scores["positive"] == 1.0
    assert scores["negative"] == 0.0
    assert round(scores["neutral"], 3) == 0.8
    assert round(scores["macro"], 3) == 0.6
