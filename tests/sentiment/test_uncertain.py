"""Doubt: a label under the calibrated threshold is shown as "uncertain" and counts as neutral."""

from __future__ import annotations

from inbox.sentiment import UNCERTAIN, UNCERTAIN_BELOW, Sentiment, is_uncertain, priority_label, shown_label


def test_threshold_is_a_probability_above_chance():
    assert 1 / 3 < UNCERTAIN_BELOW < 1


def test_a_sentiment_under_the_threshold_is_uncertain():
    unsure = Sentiment("negative", round(UNCERTAIN_BELOW - 0.01, 4), "m")
    sure = Sentiment("negative", UNCERTAIN_BELOW, "m")
    assert unsure.uncertain and unsure.shown == UNCERTAIN and unsure.for_priority == "neutral"
    assert not sure.uncertain and sure.shown == "negative" and sure.for_priority == "negative"
    assert Sentiment("positive", 0.4, "m").shown == UNCERTAIN


def test_stored_labels():
    assert shown_label("negative", 0.35) == UNCERTAIN and priority_label("negative", 0.35) == "neutral"
    assert shown_label("negative", 0.95) == "negative" and priority_label("negative", 0.95) == "negative"
    assert shown_label("negative", None) == "negative"  # an agent's correction carries no score
    assert shown_label(None, None) is None and priority_label(None, 0.2) is None
    assert not is_uncertain("neutral", 1.0)


def test_uncertain_labels_are_the_ones_more_often_wrong(e5):
    """On texts the model never trained on (the tweets' and customer_care's test splits), the labels it
    marks uncertain are right less often than not, and the others mostly right."""
    from inbox.sentiment.data import load_set, split

    rows = split(load_set("vader_tweets"), "test") + split(load_set("customer_care"), "test")
    results = e5.classify([e.text for e in rows])
    unsure = [r.label == e.label for r, e in zip(results, rows) if r.uncertain]
    sure = [r.label == e.label for r, e in zip(results, rows) if not r.uncertain]
    assert 0.03 < len(unsure) / len(rows) < 0.30
    assert sum(unsure) / len(unsure) < 0.5 < 0.8 < sum(sure) / len(sure)
