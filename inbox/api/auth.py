"""Who is calling: a personal token (`Authorization: Bearer inbox_…`) or the browser's session.

A token acts with its user's current role; a read token may only read. A session request keeps
CSRF protection for anything that changes data; a token request has no cookie to ride on, so it
needs none. Each token (or signed-in user) has its own rate limit, counted in Redis."""
from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

from flask import Flask, current_app, g, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from limits import RateLimitItem
from limits.storage import RedisStorage
from limits.strategies import MovingWindowRateLimiter

from ..auth.models import User
from ..auth.throttle import parse_limits
from ..extensions import csrf
from ..redis_client import get_redis
from .models import ApiToken
from .problems import ApiProblem
from .tokens import find_token, touch

log = logging.getLogger(__name__)

DEFAULT_RATE_LIMITS = "120/minute;5000/hour"
_EXTENSION = "inbox_api_limiter"
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="inbox"'}


@dataclass(frozen=True)
class Caller:
    user: User
    token: ApiToken | None  # None: the browser session


class _Limiter:
    def __init__(self, storage: RedisStorage, items: list[RateLimitItem]) -> None:
        self._limiter = MovingWindowRateLimiter(storage)
        self.items = items

    def check(self, key: str) -> int | None:
        """Count this request; seconds to wait when a window is full, else None."""
        for item in self.items:
            if not self._limiter.hit(item, "api", key):
                reset, _ = self._limiter.get_window_stats(item, "api", key)
                return max(1, math.floor(reset - time.time()) + 1)
        return None


def _limiter(app: Flask) -> _Limiter:
    found = app.extensions.get(_EXTENSION)
    if found is None:
        storage = RedisStorage("redis://", connection_pool=get_redis(app).connection_pool, key_prefix="inbox:api-rate")
        found = _Limiter(storage, parse_limits(app.config["API_RATE_LIMITS"]))
        app.extensions[_EXTENSION] = found
    return found


def _rate_limit(key: str) -> None:
    try:
        wait = _limiter(current_app).check(key)
    except Exception as exc:  # noqa: BLE001  Redis away: the API keeps answering; the limit resumes with Redis
        log.warning("API rate limit not counted: %s", exc)
        return
    if wait is not None:
        raise ApiProblem(429, f"Too many requests; try again in {wait} s.", headers={"Retry-After": str(wait)})


def authenticate(method: str, role: str) -> Caller:
    header = request.headers.get("Authorization")
    if header is not None:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise ApiProblem(401, "Send a personal API token as “Authorization: Bearer <token>”.", headers=_CHALLENGE)
        token = find_token(value.strip())
        if token is None:
            raise ApiProblem(401, "That token is not valid (unknown, revoked, or its user is deactivated).", headers=_CHALLENGE)
        _rate_limit(f"token:{token.id}")
        if not token.allows(method):
            raise ApiProblem(403, "This token is read-only; create a write token to make changes.")
        touch(token)
        caller = Caller(token.user, token)
    else:
        if not current_user.is_authenticated:
            raise ApiProblem(401, "Sign in, or send a personal API token as “Authorization: Bearer <token>”.", headers=_CHALLENGE)
        if method not in ("GET", "HEAD", "OPTIONS"):
            try:
                csrf.protect()
            except CSRFError as exc:
                raise ApiProblem(400, f"CSRF check failed ({exc.description}); token requests need no CSRF token.") from None
        _rate_limit(f"user:{current_user.id}")
        caller = Caller(current_user._get_current_object(), None)
    if not caller.user.has_role(role):
        raise ApiProblem(403, f"This needs the {role} role (you are {caller.user.role}).")
    g.api_caller = caller
    return caller
