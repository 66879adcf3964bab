"""Who is calling: a personal token (`Authorization: Bearer inbox_…`) or the browser's session.

A token acts with its user's current role; a read token may only read. A session request keeps
CSRF protection for anything that changes data; a token request has no cookie to ride on, so it
needs none. Each token (or signed-in user) has its own rate limit, counted in Redis; invalid tokens
are counted per client address, and an address past its limit is refused before any token it sends
is looked up (guessing tokens costs the guesser, not the database)."""
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
DEFAULT_INVALID_TOKEN_LIMITS = "20/minute;200/hour"
_EXTENSION = "inbox_api_limiter"
_INVALID_EXTENSION = "inbox_api_invalid_token_limiter"
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


class _InvalidTokens:
    """Invalid tokens per client address: only failures count, and while an address is over a
    window, every token it sends is refused unchecked (like sign-in's throttle)."""

    def __init__(self, storage: RedisStorage, items: list[RateLimitItem]) -> None:
        self._limiter = MovingWindowRateLimiter(storage)
        self.items = items

    def wait(self, address: str) -> int | None:
        worst = None
        for item in self.items:
            if not self._limiter.test(item, "api-invalid-token", address):
                reset, _ = self._limiter.get_window_stats(item, "api-invalid-token", address)
                wait = max(1, math.floor(reset - time.time()) + 1)
                worst = max(worst or 0, wait)
        return worst

    def failed(self, address: str) -> None:
        for item in self.items:
            self._limiter.hit(item, "api-invalid-token", address)


def _storage(app: Flask) -> RedisStorage:
    return RedisStorage("redis://", connection_pool=get_redis(app).connection_pool, key_prefix="inbox:api-rate")


def _limiter(app: Flask) -> _Limiter:
    found = app.extensions.get(_EXTENSION)
    if found is None:
        found = _Limiter(_storage(app), parse_limits(app.config["API_RATE_LIMITS"]))
        app.extensions[_EXTENSION] = found
    return found


def _invalid_tokens(app: Flask) -> _InvalidTokens:
    found = app.extensions.get(_INVALID_EXTENSION)
    if found is None:
        found = _InvalidTokens(_storage(app), parse_limits(app.config["API_INVALID_TOKEN_LIMITS"]))
        app.extensions[_INVALID_EXTENSION] = found
    return found


def _refuse_guessing_address() -> None:
    """429 when this address sent too many invalid tokens lately."""
    try:
        wait = _invalid_tokens(current_app).wait(request.remote_addr or "-")
    except Exception as exc:  # noqa: BLE001  Redis away: tokens are still checked, only not counted
        log.warning("API invalid-token limit not applied: %s", exc)
        return
    if wait is not None:
        raise ApiProblem(429, f"Too many invalid tokens from your address; try again in {wait} s.",
                         headers={"Retry-After": str(wait)})


def _invalid_token(detail: str) -> ApiProblem:
    try:
        _invalid_tokens(current_app).failed(request.remote_addr or "-")
    except Exception as exc:  # noqa: BLE001
        log.warning("API invalid token not counted: %s", exc)
    return ApiProblem(401, detail, headers=_CHALLENGE)


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
        _refuse_guessing_address()
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise _invalid_token("Send a personal API token as “Authorization: Bearer <token>”.")
        token = find_token(value.strip())
        if token is None:
            raise _invalid_token("That token is not valid (unknown, revoked, or its user is deactivated).")
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
