"""One active process per role across hosts (the poller, the scheduler), by a lease in Redis.

Any number of processes of a role may run, on any hosts; the one holding the lease acts, the
others stand by. The holder renews the lease from a thread every few seconds; a holder that dies
in any way (SIGKILL, power cut, network gone) stops renewing, its lease expires after
LEASE_SECONDS and a standby takes it on its next try, so the role is idle for at most 12 seconds.
A holder that cannot renew (Redis away, or the lease found in another's name) stops acting at once:
it can no longer prove that it is the only one.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import uuid

from redis import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

# a standby takes over at most LEASE_SECONDS + CHECK_SECONDS (12 s) after the holder's death
LEASE_SECONDS = 10
# renew (or, standing by, try to take over) this often: a fifth of the lease leaves four retries
CHECK_SECONDS = 2.0
KEY_PREFIX = "inbox:leader:"

# compare-and-set: only the holder named in the lease may extend or give it up
_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('expire', KEYS[1], ARGV[2])
end
return 0
"""
# take a free lease, or take back our own (a Redis restarted from its append-only file keeps it)
_ACQUIRE = """
local current = redis.call('get', KEYS[1])
if current == false then
  redis.call('set', KEYS[1], ARGV[1], 'EX', ARGV[2])
  return 1
end
if current == ARGV[1] then
  redis.call('expire', KEYS[1], ARGV[2])
  return 1
end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0
"""


def holder_name() -> str:
    """Who holds a lease, readable in `inbox doctor` and the logs: host, process, and a nonce."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Leadership:
    """The lease of `role`, kept by a daemon thread once `start()`ed; `held` says whether to act."""

    def __init__(self, redis: Redis, role: str, *, lease_seconds: int = LEASE_SECONDS,
                 check_seconds: float = CHECK_SECONDS, holder: str | None = None) -> None:
        self.redis = redis
        self.role = role
        self.key = KEY_PREFIX + role
        self.holder = holder or holder_name()
        self.lease_seconds = lease_seconds
        self.check_seconds = check_seconds
        self._held = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._standby_logged = False
        self._redis_down = False

    @property
    def held(self) -> bool:
        return self._held.is_set()

    def current_holder(self) -> str | None:
        value = self.redis.get(self.key)
        return value.decode() if isinstance(value, bytes) else value

    def check(self) -> bool:
        """One renewal (when held) or one attempt to take the lease (when standing by)."""
        try:
            if self.held:
                if self.redis.eval(_RENEW, 1, self.key, self.holder, self.lease_seconds):
                    return True
                self._held.clear()
                log.error("%s: lost the lease (now held by %s); standing by", self.role, self.current_holder())
                return False
            acquired = self.redis.eval(_ACQUIRE, 1, self.key, self.holder, self.lease_seconds)
            if self._redis_down:
                log.info("%s: Redis is back", self.role)
                self._redis_down = False
            if acquired:
                self._held.set()
                self._standby_logged = False
                log.info("%s: this process (%s) is now the active one", self.role, self.holder)
                return True
            if not self._standby_logged:
                log.info("%s: standing by; %s is active", self.role, self.current_holder())
                self._standby_logged = True
            return False
        except RedisError as exc:
            if not self._redis_down:
                log.error("%s: Redis is unavailable (%s); not acting until it answers and the lease is ours",
                          self.role, str(exc).splitlines()[0][:300])
                self._redis_down = True
            self._held.clear()
            return False

    def wait_until_held(self, timeout: float) -> bool:
        return self._held.wait(timeout)

    def start(self) -> Leadership:
        self.check()
        self._thread = threading.Thread(target=self._keep, name=f"inbox-lease-{self.role}", daemon=True)
        self._thread.start()
        return self

    def _keep(self) -> None:
        while not self._stopping.wait(self.check_seconds):
            self.check()

    def stop(self) -> None:
        """Give the lease up at once (a clean stop hands over without waiting for the expiry)."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=self.check_seconds + 1)
        if self.held:
            try:
                self.redis.eval(_RELEASE, 1, self.key, self.holder)
                log.info("%s: lease released", self.role)
            except RedisError:
                pass  # it expires on its own
            self._held.clear()
