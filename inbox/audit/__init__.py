"""The audit log. Every sensitive action calls `record`, inside the transaction of the change it
describes, so the change and its audit line are committed (or rolled back) together."""
from __future__ import annotations

from typing import Any

from flask import Request, has_request_context
from flask import request as current_request

from ..extensions import db
from ..timeutil import utcnow
from ..translatable import N_
from .models import AuditEntry

# What the audit page offers as filters; `record` accepts any name, new features add theirs here.
ACTIONS: dict[str, str] = {
    "sign_in": N_("signed in"),
    "sign_in_failed": N_("failed sign-in"),
    "sign_in_throttled": N_("sign-in refused (too many failures)"),
    "sign_out": N_("signed out everywhere"),
    "user_created": N_("user added"),
    "role_changed": N_("role changed"),
    "user_deactivated": N_("user deactivated"),
    "user_activated": N_("user reactivated"),
    "password_changed": N_("password changed"),
    "password_set_by_admin": N_("one-time password set"),
    "password_reset_link": N_("password reset link sent"),
    "password_reset": N_("password reset with a link"),
    "channel_credentials_changed": N_("channel settings changed"),
    "sla_policy_changed": N_("SLA policy changed"),
    "sla_calendar_changed": N_("business calendar changed"),
    "sla_webhook_changed": N_("breach webhook changed"),
    "outbound_allowlist_changed": N_("outbound allow-list changed"),
    "export_downloaded": N_("export downloaded"),
    "contact_exported": N_("customer data exported"),
    "contact_erased": N_("customer data erased"),
    "retention_erased": N_("retention erased resolved tickets"),
    "api_token_created": N_("API token created"),
    "api_token_revoked": N_("API token revoked"),
    "contacts_merged": N_("contacts merged"),
    "webhook_changed": N_("webhook subscription changed"),
}
_LABEL_CHARS = 255


def _clip(text: str | None, limit: int = _LABEL_CHARS) -> str:
    return "".join(ch for ch in (text or "") if ch.isprintable())[:limit]


def describe_target(target: Any) -> tuple[str | None, str | None, str]:
    """(type, id, label) for a model row, a (type, id, label) tuple or a plain string.

    Rows of customers (contacts) are named by id only: the audit log must not keep what an
    erasure removes."""
    if target is None:
        return None, None, ""
    if isinstance(target, tuple):
        kind, ident, label = (list(target) + [None, None, ""])[:3]
        return _clip(kind, 32) or None, _clip(str(ident), 64) if ident is not None else None, _clip(label)
    if isinstance(target, str):
        return None, None, _clip(target)
    table = getattr(target, "__tablename__", type(target).__name__.lower())
    ident = getattr(target, "id", None) or getattr(target, "key", None)
    if table == "users":
        label = f"{target.name} <{target.email}>"
    elif table == "contacts":
        label = f"customer #{ident}"
    else:
        label = str(getattr(target, "name", None) or getattr(target, "title", None) or f"{table} #{ident}")
    return table, str(ident) if ident is not None else None, _clip(label)


def record(action: str, actor: Any = None, target: Any = None, details: dict[str, Any] | None = None,
           request: Request | None = None) -> AuditEntry:
    """Add one audit line to the current transaction (the caller commits it with its change).

    `actor` is the User who acted (None: the system, or an unknown visitor; a string names what
    they typed); `request` gives the address and browser, and defaults to the current request."""
    if request is None and has_request_context():
        request = current_request
    if isinstance(actor, str):
        actor_id, actor_label = None, _clip(actor)
    elif actor is not None:
        actor_id, actor_label = actor.id, _clip(f"{actor.name} <{actor.email}>")
    else:
        actor_id, actor_label = None, ""
    target_type, target_id, target_label = describe_target(target)
    entry = AuditEntry(
        at=utcnow(), action=_clip(action, 48), actor_id=actor_id, actor_label=actor_label,
        target_type=target_type, target_id=target_id, target_label=target_label,
        address=_clip(request.remote_addr, 64) or None if request is not None else None,
        user_agent=_clip(request.user_agent.string) or None if request is not None else None,
        details=details or None,
    )
    db.session.add(entry)
    return entry


def record_now(action: str, actor: Any = None, target: Any = None, details: dict[str, Any] | None = None,
               request: Request | None = None) -> AuditEntry:
    """`record` for an action that changes nothing else (a download): its own commit."""
    entry = record(action, actor, target, details, request)
    db.session.commit()
    return entry
