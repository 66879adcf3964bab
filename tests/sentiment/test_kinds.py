"""Kinds of engagement: the pure rules, the labelled set's shape, and the head on the real encoder."""
from __future__ import annotations

import collections
import hashlib

import pytest

from inbox.sentiment.kind_data import load_kinds, part
from inbox.sentiment.kinds import KINDS, NOISE, STRENGTH, decide, keyword_kind, strongest


def test_the_strongest_actionable_kind_wins():
    assert strongest(["praise", "complaint", "question"]) == "complaint"
    assert strongest(["noise", "praise"]) == "praise"
    assert strongest(["noise", None, "noise"]) == "noise"
    assert strongest([None, None]) is None
    assert set(STRENGTH) == set(KINDS)


def test_noise_only_above_its_threshold():
    probs = [0.05, 0.1, 0.05, 0.05, 0.05, 0.7]  # in KINDS order: noise is the most likely
    assert decide(probs, noise_at_least=0.6).kind == NOISE
    below = decide(probs, noise_at_least=0.8)
    assert below.kind == "complaint" and below.score == 0.1  # the best other kind, with its own probability


def test_the_keyword_baseline_reads_english_and_japanese():
    assert keyword_kind("How do I change my address?") == "question"
    assert keyword_kind("解約の手続きはどこからできますか？") == "question"
    assert keyword_kind("Please cancel my subscription") == "request"
    assert keyword_kind("注文をキャンセルしてください") == "request"
    assert keyword_kind("ありがとうございました！") == "praise"
    assert keyword_kind("@Parcelo") == NOISE
    assert keyword_kind("my parcel never came") == "complaint"


def test_the_labelled_set_is_big_enough_bilingual_and_split_by_text():
    examples = load_kinds()
    assert len(examples) >= 600
    assert len({e.text for e in examples}) == len(examples)
    by_lang = collections.Counter(e.lang for e in examples)
    assert by_lang["en"] >= 200 and by_lang["ja"] >= 200
    for which in ("train", "eval"):
        kinds = collections.Counter(e.kind for e in part(examples, which))
        assert set(kinds) == set(KINDS), which
    for e in examples:
        bucket = int(hashlib.sha256(e.text.strip().encode("utf-8")).hexdigest()[:8], 16) % 10
        # the same buckets the sentiment adapter never trains on: no evaluation text was ever trained on
        assert (e.split == "eval") == (bucket in (0, 1, 2)), e.text


@pytest.fixture(scope="module")
def e5_with_kinds(e5):
    assert e5.kinds is not None, "no kind head built: `make model` (inbox sentiment build) trains it"
    return e5


def test_kinds_come_from_the_same_encoder_forward_as_sentiment(e5_with_kinds):
    texts = ["Where is my refund? It has been three weeks.", "配達員さん、雨の中ありがとうございました！",
             "How do I change my plan?", "Please cancel my subscription from next month."]
    forwards = []
    handle = e5_with_kinds.encoder.model.register_forward_hook(lambda *_: forwards.append(1))
    try:
        results = e5_with_kinds.classify(texts)
    finally:
        handle.remove()
    batches = len(list(e5_with_kinds.encoder.batches(e5_with_kinds.encoder.token_ids([f"query: {t}" for t in texts]))))
    assert len(forwards) == batches  # one pass serves both heads
    assert all(r.kind in KINDS and 0 < r.kind_score <= 1 for r in results)


def test_a_kind_head_trained_for_another_sentiment_model_is_not_used(e5_with_kinds, tmp_path):
    from inbox.sentiment import kind_head

    stale = tmp_path / "kinds.safetensors"
    kind_head.save(stale, kind_head.KindHead(e5_with_kinds.kinds.head, KINDS, 0.9, {**e5_with_kinds.kinds.meta, "sentiment_sha256": "0" * 64}))
    assert kind_head.load(stale, "1" * 64) is None
    assert not kind_head.is_current(stale, "1" * 64)
