"""Themes of negative messages on a small English + Japanese week: log-odds ranking, no segmenter."""
from __future__ import annotations

from collections import Counter

from inbox.voice.themes import ThemeCounter, phrases, rank_log_odds

WEEK = [
    ("My refund still hasn't arrived", True),
    ("Where is my refund? Two weeks now", True),
    ("refund refused again, terrible", True),
    ("返金がまだです。いつになりますか", True),
    ("返金の手続きが遅い", True),
    ("アプリが起動しません、ログインできない", True),
    ("ログインできません", True),
    ("Thanks for the quick refund info", False),
    ("Great app, love it", False),
    ("ありがとうございます、助かりました", False),
    ("アプリの新機能が便利です", False),
    ("Where is the store?", False),
]


def _counter() -> ThemeCounter:
    counter = ThemeCounter()
    for i, (text, negative) in enumerate(WEEK, start=1):
        counter.add(text, negative, i)
    return counter


def test_japanese_phrases_without_a_dictionary():
    found = phrases("返金の手続きが遅い。ｱﾌﾟﾘが起動しません")
    assert {"返金", "手続", "遅い", "アプリ", "起動"} <= found
    assert not {"金の", "金の手", "が遅", "ぎが", "プリ", "アプ"} & found  # particles and katakana fragments are not themes


def test_english_phrases_skip_stop_words_and_links():
    found = phrases("Where is my REFUND?? https://t.co/x @NovaHikari still not refunded")
    assert {"refund", "still not", "still not refunded"} <= found
    assert not {"where", "my", "https", "novahikari", "is my"} & found


def test_top_themes_rank_english_and_japanese_complaints():
    themes = _counter().top(5)
    top = [t.phrase for t in themes]
    assert top == ["ログイン", "返金", "refund"]  # only complaints recurring in two or more messages
    refund = next(t for t in themes if t.phrase == "refund")
    assert (refund.negative_messages, refund.other_messages, refund.example_ids) == (3, 1, (1, 2, 3))
    assert "アプリ" not in top  # as frequent in praise as in complaints
    assert all(t.z > 0 for t in themes)


def test_a_phrase_seen_once_is_not_a_theme():
    assert [p for p, _ in rank_log_odds(Counter({"outage": 1, "late": 2}), Counter({"fine": 5}))] == ["late"]
