"""A ticket's kind of engagement from its messages' kinds (pure).

The strongest actionable kind wins (``sentiment.kinds.STRENGTH``: complaint, request, question,
feedback, praise, noise): a thank-you after a complaint leaves the ticket a complaint, and a ticket
is noise only while every message in it is. An agent's correction stands until an agent changes it.
"""

from __future__ import annotations

from ...sentiment.kinds import STRENGTH, strongest


def next_engagement(current: str | None, by_agent: bool, incoming: str | None) -> str | None:
    """The ticket's kind after a customer message of kind ``incoming``."""
    if by_agent or incoming is None:
        return current
    return strongest([current, incoming])


def is_stronger(candidate: str | None, than: str | None) -> bool:
    if candidate not in STRENGTH:
        return False
    return than not in STRENGTH or STRENGTH.index(candidate) < STRENGTH.index(than)
