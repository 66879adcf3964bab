"""A missing model is an error with a reason, never a silent switch to VADER."""

from __future__ import annotations

import pytest

from inbox.sentiment import ModelUnavailable, get_classifier


def test_missing_model_dir_raises(tmp_path, monkeypatch):
    monkeypatch.setenv("INBOX_MODEL_DIR", str(tmp_path))
    with pytest.raises(ModelUnavailable, match="inbox sentiment build"):
        get_classifier("e5")


def test_missing_head_raises(tmp_path, monkeypatch):
    monkeypatch.setenv("INBOX_SENTIMENT_HEAD", str(tmp_path / "nope.safetensors"))
    with pytest.raises(ModelUnavailable, match="inbox sentiment train"):
        get_classifier("e5")


def test_unknown_name_raises():
    with pytest.raises(ModelUnavailable, match="unknown sentiment model"):
        get_classifier("bert-large")
