"""The informal-English and kaomoji sources: which items become which class, and a fixed sample."""

from __future__ import annotations

from collections import Counter

from inbox.sentiment.data import (
    PER_CLASS,
    Example,
    has_emoji,
    informal_label,
    load_informal,
    load_kaomoji,
    load_set,
    per_class_sample,
)
from inbox.sentiment.paths import eval_dir


def test_mixed_or_ambiguous_emotions_are_left_out():
    assert informal_label({"positive"}) == "positive"
    assert informal_label({"neutral"}) == "neutral"
    assert informal_label({"positive", "negative"}) is None  # e.g. joy + sadness
    assert informal_label({"negative", None}) is None  # anger + surprise: surprise says no polarity
    assert informal_label({None}) is None


def test_informal_english_maps_goemotions_and_xed():
    rows = load_informal(eval_dir() / "sentiment")
    by_text = {e.text: e.label for e in rows}
    assert by_text["My favourite food is anything I didn't have to cook myself."] == "neutral"  # GoEmotions 27
    assert by_text["WHY THE FUCK IS BAYLESS ISOING"] == "negative"  # GoEmotions 2 = anger
    assert "!" not in by_text  # XED "1, 4, 7" (anger, fear, surprise): surprise is ambiguous, and no words
    assert "... And I don't think we need to discuss the Trinity any more ." not in by_text  # XED "8, 1": trust + anger
    assert by_text["Yeah I was just telling him."] == "neutral"  # XED neu_en.txt
    assert not any("[NAME]" in t or "[PERSON]" in t for t in by_text)
    counts = Counter(e.label for e in rows)
    assert set(counts) == {"negative", "neutral", "positive"} and min(counts.values()) > 10_000


def test_kaomoji_faces_carry_their_emotion():
    rows = load_kaomoji()
    by_text = {e.text: e.label for e in rows}
    assert by_text["(◕‿◕)"] == "positive"  # happy
    assert by_text["(╥﹏╥)"] == "negative"  # sad
    assert by_text["(╬ಠ益ಠ)"] == "negative"  # angry
    assert "(⁄ ⁄>⁄ ▽ ⁄<⁄ ⁄)" not in by_text  # shy: no polarity
    assert Counter(e.label for e in rows)["neutral"] > 100


def test_sample_is_fixed_and_capped_per_class():
    rows = [Example(f"text {i}", ("negative", "neutral", "positive")[i % 3], "x") for i in range(300)]
    rows.append(Example("text 0", "negative", "x"))  # a duplicate is kept once
    first = per_class_sample(rows, 40)
    assert Counter(e.label for e in first) == {"negative": 40, "neutral": 40, "positive": 40}
    assert {e.text for e in first} == {e.text for e in per_class_sample(list(reversed(rows)), 40)}  # not order-bound
    with_emoji = [Example("great 😂", "positive", "x"), Example("fine (^^)", "positive", "x")]
    picked = per_class_sample(rows + with_emoji, 5, emoji_first=True)
    assert "great 😂" in {e.text for e in picked}  # the one with an emoji is taken before lower hashes
    assert not has_emoji("fine (^^)") and has_emoji("great 😂") and has_emoji("nice ✨")
    informal = load_set("informal_en")
    assert max(Counter(e.label for e in informal).values()) <= PER_CLASS["informal_en"]
    assert [e.text for e in informal[:50]] == [e.text for e in load_set("informal_en")[:50]]
