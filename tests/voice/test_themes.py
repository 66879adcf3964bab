"""Themes of negative messages: phrases in English and Japanese, grouped by meaning, on a real week.

The week is 2020-W13 of the IBM brand↔customer Twitter conversations in shared/eval (Apache-2.0),
labelled by the real sentiment model; the week before gives the change.
"""
from __future__ import annotations

import json
from datetime import datetime

import pytest

from inbox.sentiment.paths import eval_dir
from inbox.voice.keyphrases import FILLER_WORDS, is_filler, phrases
from inbox.voice.themes import ThemeCounter, kmeans, lexical_embed, previous_week_index

FILLER_THEMES = {"looking", "nothing", "called", "morning", "since", "told", "twice", "two"}


def _customer_messages() -> dict[tuple[int, int], list[tuple[int, str]]]:
    path = eval_dir() / "customer_support" / "ibm_twitter_cdp" / "dev.json"
    weeks: dict[tuple[int, int], list[tuple[int, str]]] = {}
    for conversation in json.loads(path.read_text(encoding="utf-8")):
        for message in conversation["dialogContent"]:
            sent = datetime.fromisoformat(message["datetime"].replace("Z", "+00:00"))
            weeks.setdefault(tuple(sent.isocalendar()[:2]), []).append((int(message["tweet_ID"]), message["message"]))
    return weeks


@pytest.fixture(scope="module")
def real_week():
    from inbox.sentiment import get_classifier, topic_embedder

    weeks = _customer_messages()
    classifier = get_classifier("e5")
    this, before = weeks[(2020, 13)], weeks[(2020, 12)]
    labels = [s.label for s in classifier.classify([t for _, t in this])]
    previous = [(i, t) for (i, t), s in zip(before, classifier.classify([t for _, t in before])) if s.label == "negative"]
    return this, labels, previous, topic_embedder("e5")


def _themes(real_week):
    this, labels, previous, embed = real_week
    counter = ThemeCounter()
    for (message_id, text), label in zip(this, labels):
        counter.add(text, label == "negative", message_id)
    return counter.top(embed, previous_week_index(previous), limit=10), counter


def test_real_week_has_themes_a_lead_can_act_on(real_week):
    themes, counter = _themes(real_week)
    this, labels, _, _ = real_week
    negative = {i: t for (i, t), label in zip(this, labels) if label == "negative"}
    assert len(negative) >= 30 and len(themes) >= 3
    for theme in themes:
        assert not FILLER_THEMES & set(theme.phrases), theme
        assert not any(is_filler(p) for p in theme.phrases), theme
        assert 2 <= len(theme.example_ids) <= 3, theme
        for example in theme.example_ids:
            # an example is a negative message of the week that really mentions the theme
            assert example in negative
            assert set(theme.phrases) & phrases(negative[example]), (theme.label, negative[example])
        assert theme.messages >= len(theme.example_ids)
        assert theme.previous is not None and theme.change == theme.messages - theme.previous
    assert themes == _themes(real_week)[0]  # same week, same themes


def test_japanese_noun_phrases_from_a_real_tokenizer():
    found = phrases("請求が二重になっています。届いたルーターが初期不良でした。解約手続きはどこですか？")
    assert {"請求", "ルーター", "初期不良", "解約手続き"} <= found
    assert not {"こと", "二", "重", "が", "です"} & found
    assert "快適" in phrases("600Mbps出てます、快適すぎる！")


def test_english_phrases_skip_stop_and_filler_words():
    found = phrases("@NovaHelp I was charged twice for my subscription, told twice it's fixed since Monday https://t.co/x")
    assert {"subscription", "charged twice"} - found == {"charged twice"}  # ends on a filler word: not a phrase
    assert not (FILLER_THEMES | {"novahelp", "https", "monday"}) & found
    assert "subscription" in found and "twice" in FILLER_WORDS


def test_week_without_an_encoder_still_groups_by_phrases():
    counter = ThemeCounter()
    week = [
        ("My refund still hasn't arrived", True), ("Where is my refund? Two weeks now", True),
        ("refund refused, terrible", True), ("返金がまだです。いつになりますか", True), ("返金の手続きが遅い", True),
        ("ログインできません", True), ("アプリが起動しません、ログインできない", True),
        ("Thanks for the quick help", False), ("ありがとうございます、助かりました", False),
    ]
    for i, (text, negative) in enumerate(week, start=1):
        counter.add(text, negative, i)
    themes = counter.top(lexical_embed, previous_week_index([(100, "返金してください")]))
    named = {p: t for t in themes for p in t.phrases}
    assert {"refund", "返金", "ログイン"} <= set(named), [t.label for t in themes]
    assert named["返金"].previous == 1


def test_kmeans_is_deterministic():
    import numpy as np

    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(50, 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    first, _ = kmeans(vectors, 5)
    second, _ = kmeans(vectors.copy(), 5)
    assert first.tolist() == second.tolist()
