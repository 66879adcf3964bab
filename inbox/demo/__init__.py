"""The demo a fresh install shows: Nova Hikari's inbox (data.py), eight weeks of resolved history
(history.py) and a local mailbox that really sends and answers (mailbox.py, customer.py)."""
from __future__ import annotations

from .data import DEMO_ACCOUNTS, DemoAccount, append_live, demo_messages, generate_demo

__all__ = ["DEMO_ACCOUNTS", "DemoAccount", "append_live", "demo_messages", "generate_demo"]
