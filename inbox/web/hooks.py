"""Webhooks in: networks that push their events (LINE) post them here.

No session and no CSRF token (the network signs its body instead, as API callers carry a token).
The order is what makes it safe: the signature first (a bad or missing one is 401 and nothing is
kept), then the body goes onto the Redis queue, and only then the network hears 200. Redis away
means 503, so the network delivers again later: no 200 is ever given for a body not kept. A signed
body Inbox cannot read (too large, not JSON) is set aside with its reason, and answered 200: sending
it again would not make it readable.
"""
from __future__ import annotations

import json
import logging

from flask import Blueprint, Flask, Response, request
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from ..channels.models import ChannelAccount
from ..channels.pushed import set_aside_body
from ..connectors.line.signature import signature_valid
from ..extensions import csrf, db
from ..jobqueue import enqueue

log = logging.getLogger(__name__)

hooks_bp = Blueprint("hooks", __name__)

# LINE's bodies are a few kilobytes (at most a few dozen events); more is set aside unread
MAX_BODY_BYTES = 1024 * 1024
# beyond this the body is not even read (its signature cannot be checked without reading it)
MAX_READ_BYTES = 8 * 1024 * 1024


def _plain(text: str, status: int) -> Response:
    return Response(text + "\n", status=status, mimetype="text/plain")


def _read_body() -> bytes | None:
    """The body, or None when it is larger than anything worth checking."""
    length = request.content_length
    if length is not None and length > MAX_READ_BYTES:
        return None
    data = request.stream.read(MAX_READ_BYTES + 1)
    return None if len(data) > MAX_READ_BYTES else data


@hooks_bp.post("/hooks/line/<int:account_id>")
def line_webhook(account_id: int) -> Response:
    signature = request.headers.get("X-Line-Signature")
    if not signature:
        return _plain("missing X-Line-Signature", 401)
    account = db.session.get(ChannelAccount, account_id)
    secret = str((account.config or {}).get("channel_secret") or "") if account is not None and account.connector == "line" else ""
    config_id = account.id if account is not None else None
    db.session.rollback()  # nothing held open while the body is read and queued
    body = _read_body()
    if body is None:
        return _plain("body too large", 413)
    if not secret:
        return _plain("unknown LINE account", 404)
    if not signature_valid(secret, body, signature):
        return _plain("invalid X-Line-Signature", 401)
    problem = _unreadable(body)
    if problem:
        try:
            set_aside_body(config_id, "LINE webhook body", problem, body)
        except SQLAlchemyError:
            db.session.rollback()
            log.exception("account %s: could not set aside an unreadable LINE body", account_id)
            return _plain("temporarily unavailable", 503)
        return _plain("set aside", 200)
    text = body.decode("utf-8")
    if json.loads(text).get("events") == []:
        return _plain("ok", 200)  # the console's "Verify" button: nothing to keep
    try:
        enqueue("line_webhook", account_id, text, description=f"line_webhook(account={account_id}, {len(body)} bytes)")
    except (RedisError, OSError) as exc:
        log.warning("account %s: LINE webhook not queued (Redis unavailable: %s); LINE will deliver again", account_id, exc)
        return _plain("queue unavailable, deliver again later", 503)
    return _plain("ok", 200)


def _unreadable(body: bytes) -> str | None:
    if len(body) > MAX_BODY_BYTES:
        return f"the body is {len(body):,} bytes, more than the {MAX_BODY_BYTES:,} a LINE webhook sends"
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        return f"the body is not JSON ({type(exc).__name__}: {str(exc)[:200]})"
    if not isinstance(data, dict) or not isinstance(data.get("events"), list):
        return "the body has no list of events"
    return None


def register(app: Flask) -> None:
    csrf.exempt(hooks_bp)
    app.register_blueprint(hooks_bp)
