"""Ticket priority from what the customer said and how many people can see it."""
from __future__ import annotations

from ..models import PRIORITIES

HIGH_REACH_FOLLOWERS = 10_000
VERY_HIGH_REACH_FOLLOWERS = 100_000


def initial_priority(sentiment: str | None, followers: int | None, public: bool) -> str:
    level = PRIORITIES.index("normal")
    if sentiment == "negative":
        level += 1
    if public and followers is not None:
        if followers >= VERY_HIGH_REACH_FOLLOWERS:
            level += 2
        elif followers >= HIGH_REACH_FOLLOWERS:
            level += 1
    return PRIORITIES[min(level, len(PRIORITIES) - 1)]


def raise_priority(current: str, proposed: str) -> str:
    """Priority only goes up automatically; lowering is an agent's decision."""
    return max(current, proposed, key=PRIORITIES.index)
