"""Sentiment tests use the real rebuilt model (``inbox sentiment build`` runs before the suite)."""

from __future__ import annotations

import os

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"


@pytest.fixture(scope="session")
def e5():
    from inbox.sentiment import get_classifier

    return get_classifier("e5")


@pytest.fixture(scope="session")
def vader():
    from inbox.sentiment import get_classifier

    return get_classifier("vader")
