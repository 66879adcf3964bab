"""What Inbox requires before it starts on a server database (inbox.config.deployment_problems), for
the benchmarks that run on PostgreSQL: a throwaway signing key per run and a loopback public address,
unless the environment gives real ones."""
from __future__ import annotations

import os
import secrets


def server_settings() -> dict[str, str]:
    return {
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_hex(32),
        "INBOX_PUBLIC_URL": os.environ.get("INBOX_PUBLIC_URL") or "http://127.0.0.1:8000",
    }
