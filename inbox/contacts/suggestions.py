"""Who else this customer might be: pure rules over what the customer panel already knows.

Signals, strongest first: the same phone number (an SMS identity, or a number written in a
message or signature), an email address or handle the customer wrote in a message (only a
suggestion: anyone can type one), the same display name. Nothing here merges anything.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable

from flask_babel import gettext

from ..labels import label

PHONE = re.compile(r"(?<![\w+])\+?\d[\d ()./-]{6,18}\d(?!\w)")
HANDLE = re.compile(r"(?<![\w@])@([A-Za-z0-9_][A-Za-z0-9_.-]{0,60}(?:@[A-Za-z0-9.-]+\.[A-Za-z]{2,})?)")
EMAIL_IN_TEXT = re.compile(r"(?<![@\w.%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,255}\.[A-Za-z]{2,63}")
WEIGHTS = {"phone": 3, "email": 2, "handle": 2, "name": 1}


@dataclass(frozen=True)
class Clues:
    """What one contact gives away: its names, phone numbers, addresses and handles."""

    names: frozenset[str]
    phones: frozenset[str]
    emails: frozenset[str]
    handles: frozenset[str]


@dataclass
class Suggestion:
    contact_id: int
    reasons: list[str] = field(default_factory=list)
    score: int = 0


def phone_key(value: str) -> str | None:
    """Digits of a phone number, the last 9 of them (country prefixes and trunk zeros differ)."""
    digits = re.sub(r"\D", "", value)
    return digits[-9:] if 8 <= len(digits) <= 15 else None


def name_key(value: str) -> str | None:
    name = " ".join(value.casefold().split())
    # one short word ("Jo", "Support") says nothing about who someone is
    return name if len(name) >= 5 and (" " in name or len(name) >= 8) else None


def clues(names: Iterable[str], identities: Iterable[tuple[str, str, str]], texts: Iterable[str]) -> Clues:
    """`identities`: (channel, external id, handle) of the contact; `texts`: what the customer wrote."""
    phones: set[str] = set()
    emails: set[str] = set()
    handles: set[str] = set()
    for channel, external_id, _handle in identities:
        if channel in ("sms", "phone"):
            key = phone_key(external_id)
            if key:
                phones.add(key)
    for text in texts:
        for match in PHONE.findall(text):
            key = phone_key(match)
            if key:
                phones.add(key)
        emails.update(e.lower() for e in EMAIL_IN_TEXT.findall(text))
        stripped = EMAIL_IN_TEXT.sub(" ", text)
        handles.update(f"@{h.lower()}" for h in HANDLE.findall(stripped))
    keys = {key for key in (name_key(n) for n in names) if key}
    return Clues(frozenset(keys), frozenset(phones), frozenset(emails), frozenset(handles))


def rank(mine: Clues, own_identities: set[tuple[str, str]], candidates: dict[int, tuple[Clues, list[tuple[str, str, str]]]]) -> list[Suggestion]:
    """Other contacts that share a clue with this one, best first, each with its reasons in words."""
    found: list[Suggestion] = []
    for contact_id, (theirs, identities) in candidates.items():
        suggestion = Suggestion(contact_id)
        shared_phones = mine.phones & theirs.phones
        if shared_phones:
            suggestion.reasons.append(gettext("the same phone number"))
            suggestion.score += WEIGHTS["phone"]
        for channel, external_id, handle in identities:
            if (channel, external_id) in own_identities:
                continue
            if channel == "email" and external_id.lower() in mine.emails:
                suggestion.reasons.append(gettext("the customer wrote the address %(address)s", address=external_id))
                suggestion.score += WEIGHTS["email"]
            elif handle and handle.lower() in mine.handles:
                suggestion.reasons.append(gettext("the customer mentioned %(handle)s (%(channel)s)", handle=handle,
                                                  channel=label("channel", channel)))
                suggestion.score += WEIGHTS["handle"]
        if mine.names & theirs.names:
            suggestion.reasons.append(gettext("the same name"))
            suggestion.score += WEIGHTS["name"]
        if suggestion.score:
            found.append(suggestion)
    return sorted(found, key=lambda s: (-s.score, s.contact_id))
