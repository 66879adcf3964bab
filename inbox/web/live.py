"""GET /events (the live stream) and the presence API of the ticket page."""
from __future__ import annotations

import json
from typing import Any

from flask import Response, current_app, jsonify, request
from flask_login import current_user, login_required
from redis.exceptions import RedisError

from ..auth.sessions import SESSIONS_ENDED_CHANNEL, session_still_valid
from ..extensions import db
from ..live.presence import (
    LEAVING,
    PRESENCE_STATES,
    announce,
    clear_presence,
    others_present,
    set_presence,
)
from ..live.publish import Live
from ..live.stream import parse_event_id, ticket_events
from ..redis_client import pubsub_channel
from ..tickets.models import Ticket
from .blueprint import live_bp as bp

MAX_PRESENCE_BODY = 1024


def _live() -> Live:
    return current_app.extensions["inbox_live"]


def _error(message: str, status: int = 400) -> tuple[Response, int]:
    return jsonify({"error": message}), status


@bp.get("/events")
@login_required
def events() -> Any:
    config = current_app.config
    live = _live()
    try:
        # subscribed before the response starts, so nothing committed from now on is missed
        pubsub = live.subscribe()
        pubsub.subscribe(pubsub_channel(live.redis, SESSIONS_ENDED_CHANNEL))
        current = live.last_sequence()
    except RedisError as exc:
        current_app.logger.warning("live stream unavailable: %s", exc)
        return Response("live updates are unavailable right now\n", 503, {"Retry-After": "30"}, mimetype="text/plain")
    if not session_still_valid(current_user):
        # signed out elsewhere between the login check and the subscription
        pubsub.close()
        return Response("signed out\n", 401, mimetype="text/plain")
    lifetime, retry_ms = float(config["LIVE_STREAM_SECONDS"]), int(config["LIVE_RETRY_MS"])
    if not request.environ.get("wsgi.multithread"):
        # a server that answers one request at a time (gunicorn's sync worker) must not be held by a
        # stream: answer what was missed at once and have the browser come back later, like polling
        lifetime, retry_ms = 0.0, int(config["LIVE_SINGLE_THREAD_RETRY_MS"])
    stream = ticket_events(
        pubsub,
        lifetime=lifetime,
        heartbeat=float(config["LIVE_HEARTBEAT_SECONDS"]),
        retry_ms=retry_ms,
        last_seen=parse_event_id(request.headers.get("Last-Event-ID")),
        current=current,
        user_id=current_user.id,
    )
    # the database session goes back to the pool when this returns; the stream needs only Redis
    return Response(stream, mimetype="text/event-stream", headers={
        "Cache-Control": "no-cache, no-store, no-transform",
        "X-Accel-Buffering": "no",  # a reverse proxy must pass each event on at once
    })


def _ticket_exists(ticket_id: int) -> bool:
    return db.session.get(Ticket, ticket_id) is not None


@bp.get("/tickets/<int:ticket_id>/presence")
@login_required
def presence(ticket_id: int) -> Any:
    if not _ticket_exists(ticket_id):
        return _error("no such ticket", 404)
    try:
        others = others_present(_live().redis, ticket_id, current_user.id)
    except RedisError:
        return _error("presence is unavailable right now", 503)
    return _json({"others": others})


@bp.post("/tickets/<int:ticket_id>/presence")
@login_required
def update_presence(ticket_id: int) -> Any:
    """{"state": "viewing" | "replying" | "left"}; answers with the others present."""
    if request.content_length is not None and request.content_length > MAX_PRESENCE_BODY:
        return _error(f"a presence update is at most {MAX_PRESENCE_BODY} bytes")
    if not request.is_json:
        return _error("send the presence as JSON (Content-Type: application/json)")
    raw = request.stream.read(MAX_PRESENCE_BODY + 1)
    if len(raw) > MAX_PRESENCE_BODY:
        return _error(f"a presence update is at most {MAX_PRESENCE_BODY} bytes")
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return _error("the presence update is not valid JSON")
    state = body.get("state") if isinstance(body, dict) else None
    if state not in PRESENCE_STATES and state != LEAVING:
        return _error("state must be one of: " + ", ".join((*PRESENCE_STATES, LEAVING)))
    if not _ticket_exists(ticket_id):
        return _error("no such ticket", 404)
    redis = _live().redis
    try:
        if state == LEAVING:
            changed = clear_presence(redis, ticket_id, current_user.id)
        else:
            changed = set_presence(redis, ticket_id, current_user.id, current_user.name, state,
                                   int(current_app.config["PRESENCE_TTL_SECONDS"]))
        if changed:
            announce(redis, ticket_id)
        others = others_present(redis, ticket_id, current_user.id)
    except RedisError:
        return _error("presence is unavailable right now", 503)
    return _json({"others": others})


def _json(data: dict[str, Any]) -> Response:
    response = jsonify(data)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
