"""What a pushed channel (LINE) says besides new messages, written to what is stored: a message the
customer took back or rewrote, a customer who followed or blocked the account, their profile.

Each writer is idempotent: a redelivered event (same webhookEventId) or one already applied
changes nothing, so the webhook job can run any number of times. The caller commits.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable, Mapping

from sqlalchemy import select

from ..connectors.base import Rejected
from ..connectors.line.shapes import ContactNote, MessageChange
from ..extensions import db
from ..tickets.models import Contact, ContactIdentity, Message
from .models import ChannelAccount
from .quarantine import quarantine

MAX_NOTES = 50


def apply_message_changes(account: ChannelAccount, changes: Iterable[MessageChange]) -> list[str]:
    """Unsend hides the text (kept in the raw payload for audit); an edit replaces it, the old text on the
    message's history. Returns what changed ("unsent 325708"), for the job's log."""
    done: list[str] = []
    for change in changes:
        message = db.session.scalar(select(Message).where(Message.account_id == account.id,
                                                          Message.external_id == change.external_id))
        if message is None:
            continue  # a message from before the account was connected, or one set aside
        raw = dict(message.raw or {})
        line = dict(raw.get("line") or {})
        if change.change == "unsent":
            if line.get("unsent"):
                continue
            line["unsent"] = {"at": change.at.isoformat(), "event_id": change.event_id, "text": message.text,
                              "by": "customer"}
            message.text = ""
        elif change.change == "edited" and change.text is not None:
            edits = list(line.get("edits") or [])
            if line.get("unsent") or any(e.get("event_id") == change.event_id for e in edits) or message.text == change.text:
                continue
            edits.append({"at": change.at.isoformat(), "event_id": change.event_id, "previous": message.text})
            line["edits"] = edits
            message.text = change.text
        else:
            continue
        message.raw = {**raw, "line": line}
        done.append(f"{change.change} {change.external_id}")
    return done


def identity_of(account: ChannelAccount, user_id: str, name: str | None = None) -> ContactIdentity:
    """The customer's identity on this channel, created (with a contact of their own) when they have none yet."""
    identity = db.session.scalar(select(ContactIdentity).where(ContactIdentity.channel == account.channel,
                                                               ContactIdentity.external_id == user_id))
    if identity is None:
        shown = name or user_id
        identity = ContactIdentity(contact=Contact(display_name=shown), channel=account.channel, external_id=user_id,
                                   handle=user_id, name=shown)
        db.session.add(identity)
        db.session.flush()
    return identity


def note_contacts(account: ChannelAccount, notes: Iterable[ContactNote], names: Mapping[str, str] | None = None) -> list[str]:
    """Follow, unblock and block on the customer's identity: the current state and a short history."""
    done: list[str] = []
    for note in sorted(notes, key=lambda n: n.at):
        identity = identity_of(account, note.user_id, (names or {}).get(note.user_id))
        details = dict(identity.details or {})
        history = list(details.get("notes") or [])
        changed_at = details.get("follow_changed_at")
        if any(h.get("event_id") == note.event_id and h.get("change") == note.change for h in history):
            continue
        if isinstance(changed_at, str) and datetime.fromisoformat(changed_at) > note.at:
            continue  # an older event delivered late does not undo a newer one
        state = "blocked" if note.change == "blocked" else "following"
        history.append({"change": note.change, "at": note.at.isoformat(), "event_id": note.event_id})
        details.update(follow=state, follow_changed_at=note.at.isoformat(), notes=history[-MAX_NOTES:])
        identity.details = details
        done.append(f"{note.change} {note.user_id}")
    return done


def save_profiles(account: ChannelAccount, profiles: Mapping[str, Mapping[str, Any]]) -> None:
    """Picture and language from the network's profile, on the identities that exist."""
    if not profiles:
        return
    for identity in db.session.scalars(select(ContactIdentity).where(ContactIdentity.channel == account.channel,
                                                                     ContactIdentity.external_id.in_(sorted(profiles)))):
        profile = profiles[identity.external_id]
        details = dict(identity.details or {})
        fresh = {"picture_url": profile.get("picture_url"), "language": profile.get("language")}
        if any(details.get(k) != v for k, v in fresh.items()):
            identity.details = {**details, **fresh}


def set_aside_body(account_id: int | None, reference: str, reason: str, body: bytes) -> None:
    """A signed webhook body Inbox cannot read (too large, not JSON), kept with its reason for an admin."""
    quarantine(account_id, "webhook", [Rejected(reference, reason, body[:64_000].decode("utf-8", "replace"))])
    db.session.commit()
