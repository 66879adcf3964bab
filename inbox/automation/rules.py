"""Pure rule evaluation: facts about an arriving message and its ticket in, the actions to take out.

No database, no request: the service gathers `Facts`, this module decides, the service acts. Rules are
tried in order; a rule that matches and says "stop" ends the run.

Keywords are matched after Unicode NFKC folding and case folding ("ＲＥＦＵＮＤ" is "refund").
"Whole word" means not inside a longer word for scripts that separate words with spaces; Japanese
(and Chinese) text has no spaces between words, so a keyword written in those scripts is matched as
a substring in either mode (返金 finds 返金してください)."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

CONDITION_KEYS = ("channels", "account_ids", "kinds", "languages", "sentiments", "keywords", "keyword_match", "min_followers",
                  "max_followers", "customer_tags", "business_hours", "sla_states", "engagements")
ACTION_KEYS = ("priority", "add_tags", "assign", "set_pending", "canned_id", "webhook")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]")


@dataclass(frozen=True)
class Facts:
    channel: str
    account_id: int
    kind: str
    language: str | None
    sentiment: str | None
    text: str
    followers: int | None
    customer_tags: frozenset[str] = frozenset()
    in_business_hours: bool | None = None
    sla_state: str = "none"
    # the ticket's kind of engagement (question, complaint, …); None before the model has seen it
    engagement: str | None = None


@dataclass(frozen=True)
class Rule:
    id: int | None
    name: str
    conditions: dict[str, Any]
    actions: dict[str, Any]
    stop_processing: bool = False


@dataclass(frozen=True)
class Firing:
    rule: Rule
    actions: dict[str, Any] = field(default_factory=dict)


def fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def keyword_found(keyword: str, text: str, whole_word: bool) -> bool:
    word, haystack = fold(keyword).strip(), fold(text)
    if not word:
        return False
    if not whole_word or _CJK.search(word):
        return word in haystack
    return re.search(rf"(?<!\w){re.escape(word)}(?!\w)", haystack) is not None


def matches(conditions: dict[str, Any], facts: Facts) -> bool:
    """Every condition given must hold; an empty list or a missing key places no condition."""
    def among(key: str, value: Any) -> bool:
        allowed = conditions.get(key) or []
        return not allowed or value in allowed

    if not (among("channels", facts.channel) and among("account_ids", facts.account_id) and among("kinds", facts.kind)
            and among("sentiments", facts.sentiment) and among("sla_states", facts.sla_state)
            and among("engagements", facts.engagement)):
        return False
    languages = conditions.get("languages") or []
    if languages and (facts.language or "").split("-")[0].lower() not in [lang.lower() for lang in languages]:
        return False
    keywords = conditions.get("keywords") or []
    whole = conditions.get("keyword_match", "word") == "word"
    if keywords and not any(keyword_found(k, facts.text, whole) for k in keywords):
        return False
    low, high = conditions.get("min_followers"), conditions.get("max_followers")
    if low is not None and (facts.followers is None or facts.followers < low):
        return False
    if high is not None and facts.followers is not None and facts.followers > high:
        return False
    tags = {fold(t) for t in conditions.get("customer_tags") or []}
    if tags and not tags & {fold(t) for t in facts.customer_tags}:
        return False
    hours = conditions.get("business_hours")  # "in", "out" or None
    return not (hours in ("in", "out") and facts.in_business_hours is not None and facts.in_business_hours != (hours == "in"))


def evaluate(rules: list[Rule], facts: Facts) -> list[Firing]:
    """The rules that fire, in order, up to and including the first matching one that stops processing."""
    fired: list[Firing] = []
    for rule in rules:
        if matches(rule.conditions, facts):
            fired.append(Firing(rule, dict(rule.actions)))
            if rule.stop_processing:
                break
    return fired


def describe_actions(actions: dict[str, Any], names: dict[int, str] | None = None, canned: dict[int, str] | None = None) -> list[str]:
    """The actions in words, for the rule tester and the ticket history."""
    names, canned = names or {}, canned or {}
    words: list[str] = []
    if actions.get("priority"):
        words.append(f"set priority {actions['priority']}")
    if actions.get("add_tags"):
        words.append("tagged " + ", ".join(actions["add_tags"]))
    assign = actions.get("assign") or {}
    if assign.get("mode") == "agent":
        user_id = assign.get("user_id")
        words.append("assigned " + names.get(user_id, f"user #{user_id}"))
    elif assign.get("mode") == "auto":
        words.append("handed to automatic assignment")
    if actions.get("set_pending"):
        words.append("set pending")
    if actions.get("canned_id"):
        title = canned.get(actions["canned_id"], f"#{actions['canned_id']}")
        words.append(f"sent the acknowledgement “{title}”")
    if actions.get("webhook"):
        words.append("fired the rule.fired webhook")
    return words
