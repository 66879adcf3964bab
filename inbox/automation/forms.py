"""The rule form: what an admin typed, checked, into a rule's conditions and actions."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from ..auth.models import User
from ..channels.models import CHANNEL_TYPES, ChannelAccount
from ..extensions import db
from ..security.params import parse_bounded_int, parse_id
from ..tickets.models import ENGAGEMENTS, PRIORITIES, SENTIMENT_LABELS, CannedResponse
from ..tickets.workspace.actions import ActionError
from ..tickets.workspace.tags import parse_tags
from ..translatable import N_, message_of

KINDS = ("mention", "dm", "reply", "email")
SLA_STATES = ("on_track", "at_risk", "breached", "none")
MAX_KEYWORDS = 50
MAX_KEYWORD_CHARS = 100


class RuleError(ValueError):
    pass


def _choices(form: Any, name: str, allowed: tuple[str, ...]) -> list[str]:
    values = [v for v in form.getlist(name) if v]
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise RuleError(N_("unknown %(field)s value %(value)s", field=name, value=repr(unknown[0][:30])))
    return [v for v in allowed if v in values]


def _tags(raw: str) -> list[str]:
    if not raw.strip():
        return []
    try:
        return parse_tags(raw)
    except ActionError as exc:
        raise RuleError(message_of(exc)) from None


def _count(raw: str, name: str) -> int | None:
    if not raw.strip():
        return None
    value = parse_bounded_int(raw, 0, 10**12)
    if value is None:
        raise RuleError(N_("%(field)s must be a whole number", field=name))
    return value


def parse_rule_form(form: Any) -> dict[str, Any]:
    """{"name", "active", "stop_processing", "conditions", "actions"} or RuleError with the reason."""
    name = " ".join(form.get("name", "").split())[:120]
    if not name:
        raise RuleError(N_("give the rule a name"))
    keywords = [k.strip() for k in form.get("keywords", "").replace(",", "\n").replace("、", "\n").splitlines() if k.strip()]
    if len(keywords) > MAX_KEYWORDS or any(len(k) > MAX_KEYWORD_CHARS or "\x00" in k for k in keywords):
        raise RuleError(N_("at most %(limit)s keywords of at most %(chars)s characters", limit=MAX_KEYWORDS,
                              chars=MAX_KEYWORD_CHARS))
    languages = [part.strip().lower() for part in form.get("languages", "").split(",") if part.strip()]
    if any(not (2 <= len(lang) <= 8 and lang.replace("-", "").isalpha() and lang.isascii()) for lang in languages):
        raise RuleError(N_("languages are codes like en, ja"))
    accounts = []
    for raw in form.getlist("account_ids"):
        account_id = parse_id(raw)
        if account_id is None:
            raise RuleError(N_("unknown account"))
        accounts.append(account_id)
    hours = form.get("business_hours", "")
    if hours not in ("", "in", "out"):
        raise RuleError(N_("business hours must be in, out or either"))
    match = form.get("keyword_match", "word")
    if match not in ("word", "substring"):
        raise RuleError(N_("keyword match must be word or substring"))
    conditions: dict[str, Any] = {
        "channels": _choices(form, "channels", CHANNEL_TYPES), "account_ids": accounts,
        "kinds": _choices(form, "kinds", KINDS), "languages": languages,
        "sentiments": _choices(form, "sentiments", SENTIMENT_LABELS), "keywords": keywords, "keyword_match": match,
        "min_followers": _count(form.get("min_followers", ""), N_("minimum followers")),
        "max_followers": _count(form.get("max_followers", ""), N_("maximum followers")),
        "customer_tags": _tags(form.get("customer_tags", "")), "business_hours": hours or None,
        "sla_states": _choices(form, "sla_states", SLA_STATES),
        "engagements": _choices(form, "engagements", ENGAGEMENTS),
    }
    actions: dict[str, Any] = {}
    priority = form.get("priority", "")
    if priority:
        if priority not in PRIORITIES:
            raise RuleError(N_("unknown priority"))
        actions["priority"] = priority
    if tags := _tags(form.get("add_tags", "")):
        actions["add_tags"] = tags
    assign = form.get("assign", "")
    if assign == "auto":
        actions["assign"] = {"mode": "auto"}
    elif assign:
        user_id = parse_id(assign)
        user = db.session.get(User, user_id) if user_id else None
        if user is None or not user.active:
            raise RuleError(N_("assign to an active user, or to automatic assignment"))
        actions["assign"] = {"mode": "agent", "user_id": user.id}
    if form.get("set_pending") == "1":
        actions["set_pending"] = True
    canned = form.get("canned_id", "")
    if canned:
        canned_id = parse_id(canned)
        if canned_id is None or db.session.get(CannedResponse, canned_id) is None:
            raise RuleError(N_("unknown canned response"))
        actions["canned_id"] = canned_id
    if form.get("webhook") == "1":
        actions["webhook"] = True
    if not actions:
        raise RuleError(N_("choose at least one action"))
    return {"name": name, "active": form.get("active") == "1", "stop_processing": form.get("stop_processing") == "1",
            "conditions": conditions, "actions": actions}


def form_values(conditions: Mapping[str, Any], actions: Mapping[str, Any]) -> dict[str, Any]:
    """What the form shows for a saved rule."""
    assign = actions.get("assign") or {}
    return {
        **{k: conditions.get(k) or [] for k in ("channels", "account_ids", "kinds", "sentiments", "sla_states", "engagements")},
        "languages": ", ".join(conditions.get("languages") or []), "keywords": "\n".join(conditions.get("keywords") or []),
        "keyword_match": conditions.get("keyword_match", "word"),
        "min_followers": "" if conditions.get("min_followers") is None else conditions["min_followers"],
        "max_followers": "" if conditions.get("max_followers") is None else conditions["max_followers"],
        "customer_tags": ", ".join(conditions.get("customer_tags") or []), "business_hours": conditions.get("business_hours") or "",
        "priority": actions.get("priority", ""), "add_tags": ", ".join(actions.get("add_tags") or []),
        "assign": "auto" if assign.get("mode") == "auto" else str(assign.get("user_id", "")),
        "set_pending": bool(actions.get("set_pending")), "canned_id": str(actions.get("canned_id", "")),
        "webhook": bool(actions.get("webhook")),
    }


def choices() -> dict[str, Any]:
    return {"channels": CHANNEL_TYPES, "kinds": KINDS, "sentiments": SENTIMENT_LABELS, "sla_states": SLA_STATES,
            "engagements": ENGAGEMENTS, "priorities": PRIORITIES,
            "accounts": list(db.session.execute(select(ChannelAccount.id, ChannelAccount.name).order_by(ChannelAccount.name))),
            "users": list(db.session.execute(select(User.id, User.name).where(User.active.is_(True)).order_by(User.name))),
            "canned": list(db.session.execute(select(CannedResponse.id, CannedResponse.title).where(CannedResponse.active.is_(True))
                                              .order_by(CannedResponse.title)))}
