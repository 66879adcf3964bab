"""The model's thread count: the cores other processes leave free (inbox.sentiment.threads)."""
from __future__ import annotations

import pytest

from inbox.sentiment import threads


@pytest.mark.parametrize("cores, busy, expected", [
    (2, 0.0, 2),    # quiet: every core
    (2, 0.3, 2),    # a blip of another process
    (2, 0.8, 1),    # the other core is busy: one thread, never two that wait on each other
    (2, 11.0, 1),   # a crowded machine still gets one
    (4, 1.2, 3),
    (1, 0.0, 1),
    (8, -1.0, 8),
])
def test_threads_are_the_cores_left_free(cores, busy, expected):
    assert threads.choose_threads(cores, busy) == expected


def test_a_number_in_the_environment_wins():
    assert threads.choose_threads(2, 9.0, "2") == 2
    assert threads.choose_threads(2, 0.0, " 1 ") == 1
    assert threads.choose_threads(2, 9.0, "0") == 1  # not a count: the rule decides
    assert threads.choose_threads(2, 0.0, "many") == 2


def test_the_count_is_looked_at_again_between_jobs_at_most_every_half_minute(monkeypatch):
    applied: list[int] = []
    monkeypatch.setenv("INBOX_TORCH_THREADS", "1")
    for name in ("_setter", "_current", "_checked_at"):  # the process's own state comes back after the test
        monkeypatch.setattr(threads, name, getattr(threads, name))
    assert threads.install(applied.append) == 1
    monkeypatch.setenv("INBOX_TORCH_THREADS", "2")
    start = threads._checked_at
    assert threads.retune(start + threads.RETUNE_SECONDS / 2) == 1  # too soon: unchanged
    assert threads.retune(start + threads.RETUNE_SECONDS + 1) == 2
    assert threads.retune(start + threads.RETUNE_SECONDS + 2) == 2
    assert applied == [1, 2]


def test_unset_the_machine_decides(monkeypatch):
    monkeypatch.delenv("INBOX_TORCH_THREADS", raising=False)
    assert threads.busy_elsewhere(samples=2) >= -1.0
    assert 1 <= threads.wanted_threads() <= threads.usable_cores()
