"""The read side: the inbox list's queries and counts, the ticket page's thread, search and its documents."""
from __future__ import annotations

from flask import Flask

from ..signals import tickets_changed, tickets_flushed
from .counts import drop_stale_counts
from .search_index import refresh_flushed


def install(app: Flask) -> None:
    """Called by create_app: search documents follow every flush; tab counts drop at every commit."""
    tickets_flushed.connect(refresh_flushed)
    tickets_changed.connect(drop_stale_counts)
