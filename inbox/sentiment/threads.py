"""How many threads the model gets: the cores nobody else is using right now.

PyTorch's intra-op threads wait for each other at every operation. On a machine whose other cores
are busy (the web, PostgreSQL, a second worker), a thread that loses its core stalls all the others:
the encoder ran 16 texts/s with 2 threads against 59 with one, back to back at load 5–13, and its
load took minutes. So the rule (`choose_threads`) is: one thread per core this process may use,
minus the cores that other processes keep busy, at least one. "Busy" is the number of runnable
processes besides this one, averaged over a few quick looks at /proc/loadavg (the 1-minute load
average where there is no /proc); it is looked at when the model loads and again between jobs, at
most every `RETUNE_SECONDS`. `INBOX_TORCH_THREADS` set to a number fixes the count instead.
"""
from __future__ import annotations

import os
import threading
import time
from typing import Callable

RETUNE_SECONDS = 30.0
_SAMPLES = 5
_SAMPLE_GAP_SECONDS = 0.002

_lock = threading.Lock()
_setter: Callable[[int], None] | None = None
_current = 0
_checked_at = float("-inf")


def choose_threads(cores: int, busy_elsewhere: float, override: str | None = None) -> int:
    """The rule: `override` when it is a positive number, else the cores left by the others (rounded), 1..cores."""
    if override and override.strip().isdigit() and int(override) > 0:
        return int(override)
    cores = max(1, cores)
    return max(1, min(cores, round(cores - max(0.0, busy_elsewhere))))


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def busy_elsewhere(samples: int = _SAMPLES) -> float:
    """Runnable processes besides this one, now (mean of a few looks); the load average without /proc."""
    seen = []
    for i in range(samples):
        try:
            with open("/proc/loadavg", encoding="ascii") as fh:
                running = int(fh.read().split()[3].split("/")[0])
        except (OSError, ValueError, IndexError):
            return os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
        seen.append(running - 1)  # this process, looking
        if i + 1 < samples:
            time.sleep(_SAMPLE_GAP_SECONDS)
    return sum(seen) / len(seen)


def wanted_threads() -> int:
    override = os.environ.get("INBOX_TORCH_THREADS")
    if override and override.strip().isdigit() and int(override) > 0:
        return int(override)
    return choose_threads(usable_cores(), busy_elsewhere())


def install(setter: Callable[[int], None]) -> int:
    """Called where the model is loaded (sentiment.encoder) with torch's setter: applies the count now."""
    global _setter, _current, _checked_at
    with _lock:
        _setter = setter
        _current = wanted_threads()
        _checked_at = time.monotonic()
        setter(_current)
        return _current


def retune(now: float | None = None, force: bool = False) -> int:
    """Between jobs (jobs.worker): look again when `RETUNE_SECONDS` have passed (or now, with `force`);
    the count in use (0: no model in this process)."""
    global _current, _checked_at
    now = time.monotonic() if now is None else now
    with _lock:
        if _setter is None or (now - _checked_at < RETUNE_SECONDS and not force):
            return _current
        _checked_at = now
        wanted = wanted_threads()
        if wanted != _current:
            _setter(wanted)
            _current = wanted
        return _current


def current() -> int:
    return _current
