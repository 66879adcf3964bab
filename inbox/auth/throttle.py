"""Sign-in throttling per account and per client address, on the `limits` library (the engine of
Flask-Limiter) with the installation's Redis, embedded or not.

Only failures count. Each scope has several moving windows, tightest first: a few failures cost a
minute's wait, more cost longer, and many lock the account (or address) until the oldest failure
leaves the longest window. While refused, even the right password is not checked.
"""
from __future__ import annotations

import hashlib
import logging
import math
import time
from dataclasses import dataclass

from flask import Flask, current_app
from flask_babel import ngettext
from limits import RateLimitItem, parse_many
from limits.storage import RedisStorage
from limits.strategies import MovingWindowRateLimiter

from ..redis_client import get_redis

log = logging.getLogger(__name__)

# growing delays, then a lock of up to an hour; an office behind one address gets more room
_EXTENSION = "inbox_signin_throttle"


@dataclass(frozen=True)
class Refusal:
    scope: str  # "account" or "address"
    retry_after: int  # seconds until one more attempt is allowed

    def message(self) -> str:
        minutes = max(1, math.ceil(self.retry_after / 60))
        if self.scope == "account":
            return ngettext("Too many failed sign-ins for this account. Try again in %(num)d minute.",
                            "Too many failed sign-ins for this account. Try again in %(num)d minutes.", minutes)
        return ngettext("Too many failed sign-ins from your network address. Try again in %(num)d minute.",
                        "Too many failed sign-ins from your network address. Try again in %(num)d minutes.", minutes)


def parse_limits(spec: str) -> list[RateLimitItem]:
    """"5/minute;10/15 minutes" → limits, tightest window first; ValueError for anything else."""
    items = parse_many(spec)
    return sorted(items, key=lambda item: item.get_expiry())


class SignInThrottle:
    def __init__(self, storage: RedisStorage, account_limits: list[RateLimitItem], address_limits: list[RateLimitItem]) -> None:
        self._limiter = MovingWindowRateLimiter(storage)
        self._scopes = {"account": account_limits, "address": address_limits}

    @staticmethod
    def _key(value: str) -> str:
        # bounded and free of whatever was typed into the email field
        return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:32]

    def _keys(self, account: str, address: str) -> dict[str, str]:
        return {"account": self._key(account.strip().lower()), "address": self._key(address or "-")}

    def refusal(self, account: str, address: str, now: float | None = None) -> Refusal | None:
        """Why the next attempt must wait, or None when it may go ahead."""
        now = time.time() if now is None else now
        keys = self._keys(account, address)
        worst: Refusal | None = None
        for scope, items in self._scopes.items():
            for item in items:
                if self._limiter.test(item, "signin", scope, keys[scope]):
                    continue
                reset, _ = self._limiter.get_window_stats(item, "signin", scope, keys[scope])
                # the window still holds an entry exactly `expiry` old: one second more frees it
                wait = max(1, math.floor(reset - now) + 1)
                if worst is None or wait > worst.retry_after:
                    worst = Refusal(scope, wait)
        return worst

    def failed(self, account: str, address: str) -> None:
        keys = self._keys(account, address)
        for scope, items in self._scopes.items():
            for item in items:
                self._limiter.hit(item, "signin", scope, keys[scope])

    def succeeded(self, account: str) -> None:
        """The right password ends the account's count (the address keeps its own)."""
        key = self._keys(account, "")["account"]
        for item in self._scopes["account"]:
            self._limiter.clear(item, "signin", "account", key)


def throttle(app: Flask | None = None) -> SignInThrottle:
    """The app's throttle, made on first use (importing or building the app never connects to Redis)."""
    app = app or current_app
    found = app.extensions.get(_EXTENSION)
    if found is None:
        storage = RedisStorage("redis://", connection_pool=get_redis(app).connection_pool, key_prefix="inbox:signin")
        found = SignInThrottle(storage, parse_limits(app.config["SIGNIN_ACCOUNT_LIMITS"]),
                               parse_limits(app.config["SIGNIN_ADDRESS_LIMITS"]))
        app.extensions[_EXTENSION] = found
    return found
