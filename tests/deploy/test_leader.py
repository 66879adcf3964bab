"""The single-active lease on the suite's real Redis: one holder, a standby that takes over when
the holder stops renewing, and a holder that stops acting the moment it cannot prove it holds it."""
from __future__ import annotations

import time

import pytest

from inbox.leader import Leadership
from inbox.redis_client import get_redis


@pytest.fixture
def redis(app):
    return get_redis(app)


def _wait(condition, timeout: float) -> float:
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < timeout, "timed out"
        time.sleep(0.05)
    return time.monotonic() - started


def test_one_holder_and_a_standby_that_takes_over_when_it_dies(redis):
    active = Leadership(redis, "test-role", lease_seconds=2, check_seconds=0.2, holder="host-a").start()
    standby = Leadership(redis, "test-role", lease_seconds=2, check_seconds=0.2, holder="host-b").start()
    try:
        assert active.held and not standby.held
        time.sleep(2.5)  # longer than the lease: renewals keep it
        assert active.held and not standby.held and standby.current_holder() == "host-a"
        # the holder dies without a word (SIGKILL): its renewals simply stop
        active._stopping.set()
        active._thread.join()
        waited = _wait(lambda: standby.held, 5)
        assert 1.0 < waited < 3.0 and standby.current_holder() == "host-b"
    finally:
        standby.stop()
    assert redis.get("inbox:leader:test-role") is None  # a clean stop hands over at once


def test_a_holder_that_finds_the_lease_in_another_name_stops_acting(redis):
    lease = Leadership(redis, "test-role", lease_seconds=5, check_seconds=0.1, holder="host-a").start()
    try:
        assert lease.held
        redis.set("inbox:leader:test-role", "host-c", ex=5)  # e.g. it was paused past its lease and another took over
        _wait(lambda: not lease.held, 2)
        assert lease.current_holder() == "host-c"
    finally:
        lease.stop()
    assert redis.get("inbox:leader:test-role") == b"host-c"  # stop() never releases another's lease


def test_a_lease_kept_across_a_redis_restart_is_taken_back_by_its_holder(redis):
    redis.set("inbox:leader:test-role", "host-a", ex=20)  # restored from the append-only file
    lease = Leadership(redis, "test-role", lease_seconds=20, holder="host-a")
    assert lease.check() and lease.held
    other = Leadership(redis, "test-role", lease_seconds=20, holder="host-b")
    assert not other.check() and not other.held
    lease.stop()


def test_redis_gone_means_not_acting(app):
    from inbox.redis_client import connect

    lease = Leadership(connect("redis://127.0.0.1:1/0"), "test-role", holder="host-a")
    assert lease.check() is False and not lease.held


def test_a_one_off_poll_refuses_while_a_poller_is_active(app, redis, monkeypatch):
    from click.testing import CliRunner

    from inbox.cli import main

    monkeypatch.setenv("DATABASE_URL", app.config["SQLALCHEMY_DATABASE_URI"])
    monkeypatch.setenv("REDIS_URL", app.config["REDIS_URL"])
    redis.set("inbox:leader:poller", "ops-1:4242:abcdef", ex=20)
    refused = CliRunner().invoke(main, ["poll", "--once"])
    assert refused.exit_code == 1 and "another poller is active (ops-1:4242:abcdef)" in refused.output
    redis.delete("inbox:leader:poller")
    done = CliRunner().invoke(main, ["poll", "--once"])
    assert done.exit_code == 0, done.output
    assert redis.get("inbox:leader:poller") is None  # given back at once for the running pollers
