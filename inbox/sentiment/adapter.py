"""LoRA adapters on the encoder's upper layers: attach for training (peft), merge for serving.

Training wraps the rebuilt BertModel with peft; what is kept is only the low-rank pairs
``(A, B)`` per adapted Linear, stored in the artefact as ``lora.<module path>.A|B``. Serving merges
them into the base weights once at load (``W += scale · B @ A``), so workers run a plain
BertModel and do not need peft.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import torch
from peft import LoraConfig, get_peft_model

# "dense" matches attention.output.dense, intermediate.dense and output.dense.
TARGET_MODULES = ("query", "key", "value", "dense")


@dataclass
class LoraSpec:
    first_layer: int = 8  # layers first_layer .. 11 are adapted; the ones below stay frozen
    rank: int = 8
    alpha: int = 16
    dropout: float = 0.1
    targets: tuple[str, ...] = field(default=TARGET_MODULES)

    @property
    def scale(self) -> float:
        return self.alpha / self.rank


def attach_lora(model: Any, spec: LoraSpec, n_layers: int) -> Any:
    """peft-wrapped model whose only trainable parameters are the LoRA pairs of the upper layers."""
    config = LoraConfig(
        r=spec.rank,
        lora_alpha=spec.alpha,
        lora_dropout=spec.dropout,
        target_modules=list(spec.targets),
        layers_to_transform=list(range(spec.first_layer, n_layers)),
        layers_pattern="layer",
        bias="none",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # peft asks transformers a deprecated question
        return get_peft_model(model, config)


def lora_tensors(peft_model: Any) -> dict[str, Any]:
    """The trained pairs as ``{"<module path>.A": tensor, "<module path>.B": tensor}``."""
    out: dict[str, Any] = {}
    for name, param in peft_model.named_parameters():
        if ".lora_A." not in name and ".lora_B." not in name:
            continue
        module = name.split(".lora_")[0].removeprefix("base_model.model.")
        out[f"{module}.{'A' if '.lora_A.' in name else 'B'}"] = param.detach().float().contiguous().clone()
    return out


def merge_lora(model: Any, tensors: dict[str, Any], scale: float) -> None:
    """Add ``scale · B @ A`` to each adapted Linear's weight, in place."""
    modules = dict(model.named_modules())
    with torch.no_grad():
        for key, a in tensors.items():
            if not key.endswith(".A"):
                continue
            path = key[: -len(".A")]
            b = tensors[path + ".B"]
            weight = modules[path].weight
            weight += (scale * (b.float() @ a.float())).to(weight.dtype)
