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


def test_the_model_is_unsure_of_some_texts_and_sure_of_others(e5):
    results = e5.classify([
        "Thank you so much, your team sorted it out in minutes. Great service!",
        "Worst experience ever. Two weeks and my refund still hasn't arrived.",
        "ok",
        "the parcel came, the colour is a bit different from the photo but fine i guess",
    ])
    assert not results[0].uncertain and not results[1].uncertain
    assert any(r.uncertain for r in results[2:]), [(r.label, r.score) for r in results]
