"""The classification head on the pooled (fine-tuned) encoder output."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn


def build_head(dim: int, hidden: int, n_classes: int, dropout: float = 0.1) -> Any:
    class Head(nn.Module):
        """Dropout then linear (or one hidden layer); logits divided by a calibration temperature."""

        def __init__(self) -> None:
            super().__init__()
            self.register_buffer("temperature", torch.ones(()))
            if hidden:
                self.net = nn.Sequential(nn.Dropout(dropout), nn.Linear(dim, hidden), nn.GELU(), nn.Linear(hidden, n_classes))
            else:
                self.net = nn.Sequential(nn.Dropout(dropout), nn.Linear(dim, n_classes))

        def logits(self, x: torch.Tensor) -> torch.Tensor:
            return self.net(x)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.logits(x) / self.temperature

    return Head()
