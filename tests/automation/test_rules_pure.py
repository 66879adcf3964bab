"""The pure rule evaluation: every condition kind, keyword matching in English and Japanese, order and stop."""
from __future__ import annotations

import pytest

from inbox.automation.rules import (
    Facts,
    Rule,
    describe_actions,
    evaluate,
    keyword_found,
    matches,
)

BASE = Facts(channel="x", account_id=1, kind="mention", language="en", sentiment="negative",
             text="My REFUND never arrived, refunds are slow", followers=12_000, customer_tags=frozenset({"vip"}),
             in_business_hours=True, sla_state="on_track")


@pytest.mark.parametrize("keyword, text, whole, found", [
    ("refund", "I want a refund!", True, True),
    ("refund", "refunds please", True, False),
    ("refund", "refunds please", False, True),
    ("refund", "ＲＥＦＵＮＤ now", True, True),  # full-width folds to ASCII
    ("Refund", "REFUND", True, True),
    ("返金", "返金してください", True, True),  # Japanese: no spaces between words, found anywhere
    ("返金", "返品したい", True, False),
    ("キャンセル", "ｷｬﾝｾﾙしたい", True, True),  # half-width katakana folds
    ("late delivery", "very late delivery again", True, True),
    ("", "anything", False, False),
])
def test_keywords(keyword, text, whole, found):
    assert keyword_found(keyword, text, whole) is found


@pytest.mark.parametrize("conditions, expected", [
    ({}, True),
    ({"channels": ["x"]}, True),
    ({"channels": ["email"]}, False),
    ({"account_ids": [2]}, False),
    ({"kinds": ["dm"]}, False),
    ({"languages": ["ja"]}, False),
    ({"languages": ["EN"]}, True),
    ({"sentiments": ["negative", "neutral"]}, True),
    ({"keywords": ["refund"], "keyword_match": "word"}, True),
    ({"keywords": ["arriv"], "keyword_match": "word"}, False),
    ({"keywords": ["arriv"], "keyword_match": "substring"}, True),
    ({"min_followers": 10_000}, True),
    ({"min_followers": 20_000}, False),
    ({"max_followers": 100}, False),
    ({"customer_tags": ["VIP"]}, True),
    ({"customer_tags": ["churn-risk"]}, False),
    ({"business_hours": "out"}, False),
    ({"business_hours": "in"}, True),
    ({"sla_states": ["at_risk", "breached"]}, False),
    ({"channels": ["x"], "sentiments": ["positive"]}, False),  # every condition must hold
])
def test_conditions(conditions, expected):
    assert matches(conditions, BASE) is expected


def test_unknown_followers_fail_a_minimum_but_not_a_maximum():
    facts = Facts("x", 1, "dm", None, None, "hi", None)
    assert not matches({"min_followers": 1}, facts)
    assert matches({"max_followers": 1}, facts)


def test_rules_fire_in_order_and_stop():
    first = Rule(1, "Refunds to billing", {"keywords": ["refund"]}, {"add_tags": ["billing"]})
    stopper = Rule(2, "VIP", {"customer_tags": ["vip"]}, {"priority": "urgent"}, stop_processing=True)
    never = Rule(3, "Later", {}, {"set_pending": True})
    fired = evaluate([first, stopper, never], BASE)
    assert [f.rule.name for f in fired] == ["Refunds to billing", "VIP"]
    assert [f.rule.name for f in evaluate([never, stopper], BASE)] == ["Later", "VIP"]


def test_actions_in_words():
    words = describe_actions({"priority": "high", "add_tags": ["billing"], "assign": {"mode": "agent", "user_id": 4}},
                             {4: "Bea Tanaka"})
    assert words == ["set priority high", "tagged billing", "assigned Bea Tanaka"]
    assert describe_actions({"assign": {"mode": "auto"}}) == ["handed to automatic assignment"]
