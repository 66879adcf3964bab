"""Kinds of engagement: what a customer message asks of the team, beside how it feels.

A message is a question (asks for information), a complaint (something went wrong for them), a
request (asks us to act on their account: refund, cancel, change, call back, or hands us what a case
needs), praise, feedback (an idea or an opinion meant to improve the product), or noise (spam, bots,
off-topic posts, a bare mention or acknowledgement). The labelling guide with examples is in
``docs/kinds.md``. Everything here is pure: the head that predicts kinds is in ``kind_head.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

KINDS = ("question", "complaint", "request", "praise", "feedback", "noise")
NOISE = "noise"
# The ticket's kind is its strongest actionable message's: first in this order wins.
STRENGTH = ("complaint", "request", "question", "feedback", "praise", "noise")


@dataclass(frozen=True)
class KindGuess:
    kind: str
    score: float  # the head's probability of ``kind``


def strongest(kinds: Sequence[str | None]) -> str | None:
    """The kind a ticket takes from its messages' kinds (None when none is known)."""
    known = [k for k in kinds if k in STRENGTH]
    return min(known, key=STRENGTH.index) if known else None


def decide(probabilities: Sequence[float], noise_at_least: float, labels: Sequence[str] = KINDS) -> KindGuess:
    """The kind from the head's probabilities. Noise only when its probability reaches
    ``noise_at_least``: a real message hidden as noise is the costly error, so below that the best
    other kind wins."""
    pairs = list(zip(labels, probabilities))
    best_kind, best_p = max(pairs, key=lambda pair: pair[1])
    if best_kind == NOISE and best_p < noise_at_least:
        best_kind, best_p = max((pair for pair in pairs if pair[0] != NOISE), key=lambda pair: pair[1])
    return KindGuess(best_kind, round(float(best_p), 4))


# The keyword baseline a team could write on its own, in order: the first rule that matches wins.
_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("noise", re.compile(r"^\W*(?:@\w+\W*)*$|follow ?back|#f4f|giveaway|click (?:the )?link|link in (?:my )?bio|crypto|"
                         r"\bbtc\b|earn \$|free (?:iphone|gift)|相互フォロー|副業|プロフ|稼げる|拡散希望|自動返信|out of office", re.I)),
    ("request", re.compile(r"\bplease (?:cancel|refund|change|update|send|remove|delete|close|call|move|reset|switch|escalate)|"
                           r"\bi(?:'d| would) like (?:a|to)\b|\brefund\b|\bcancel (?:my|order)|call me back|"
                           r"してください|お願いします|お願いいたします|お願いできますか|してもらえますか|いただけますか", re.I)),
    ("feedback", re.compile(r"\bsuggest|\bidea\b|would (?:be|love) |feature request|\bwish\b|\bconsider\b|\bshould (?:add|offer)|"
                            r"提案|要望|ほしい|欲しい|あったら|あると", re.I)),
    ("praise", re.compile(r"\bthank|\bthx\b|\bty\b|\blove\b|\bgreat\b|amazing|brilliant|excellent|legend|\bkudos\b|appreciate|"
                          r"ありがと|感謝|最高|助かり|素晴らし|神対応|嬉し", re.I)),
    ("question", re.compile(r"\?|？|^(?:how|what|when|where|why|who|which|is|are|can|could|do|does|will)\b|"
                            r"ですか|ますか|教えて", re.I)),
)


def keyword_kind(text: str) -> str:
    """The keyword baseline's kind (complaint when no rule matches: most unmatched messages are)."""
    for kind, pattern in _RULES:
        if pattern.search(text or ""):
            return kind
    return "complaint"


def keyword_kinds(texts: Sequence[str]) -> list[str]:
    return [keyword_kind(t) for t in texts]
