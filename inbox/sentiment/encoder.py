"""The e5 encoder in transformers: tokenize, length-sorted mini-batches, mean pooling."""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

DEFAULT_MAX_LENGTH = 128
DEFAULT_BATCH_SIZE = 32


def _offline() -> None:
    """Weights never come from a hub: these must be set before transformers is imported."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"


def configure_threads() -> None:
    """One intra-op thread per core (``INBOX_TORCH_THREADS`` overrides)."""
    import torch

    wanted = int(os.environ.get("INBOX_TORCH_THREADS") or 0) or (os.cpu_count() or 1)
    if torch.get_num_threads() != wanted:
        torch.set_num_threads(wanted)


def quantize_linear_int8(model: Any) -> Any:
    """Dynamic int8 quantization of the Linear layers (weights int8, activations per batch)."""
    import torch

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.ao.quantization announces its own deprecation
        return torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8, inplace=True)


@dataclass
class Encoder:
    tokenizer: Any
    model: Any
    max_length: int = DEFAULT_MAX_LENGTH
    batch_size: int = DEFAULT_BATCH_SIZE

    def embed(self, texts: Sequence[str], normalize: bool = False, layers: tuple[int, int] | None = None):
        """Mean-pooled embeddings, in input order, as a float32 tensor ``(len(texts), hidden)``.

        ``layers=(a, b)`` averages the hidden states ``a..b-1`` (0 = embeddings, 12 = last)
        before pooling instead of using the last layer only; it costs nothing extra.

        Texts are sorted by token length and run in mini-batches padded only to their own
        longest member, which matters on CPU where padding is paid for in full.
        """
        import torch

        hidden = self.model.config.hidden_size
        if not texts:
            return torch.empty((0, hidden))
        encoded = self.tokenizer(
            list(texts), truncation=True, max_length=self.max_length, add_special_tokens=True
        )["input_ids"]
        order = sorted(range(len(encoded)), key=lambda i: len(encoded[i]))
        pad_id = self.tokenizer.pad_token_id
        out = torch.empty((len(encoded), hidden))
        with torch.inference_mode():
            for start in range(0, len(order), self.batch_size):
                chunk = order[start : start + self.batch_size]
                width = max(len(encoded[i]) for i in chunk)
                ids = torch.full((len(chunk), width), pad_id, dtype=torch.long)
                mask = torch.zeros((len(chunk), width), dtype=torch.long)
                for row, i in enumerate(chunk):
                    seq = encoded[i]
                    ids[row, : len(seq)] = torch.tensor(seq)
                    mask[row, : len(seq)] = 1
                if layers:
                    hidden_states = self.model(
                        input_ids=ids, attention_mask=mask, output_hidden_states=True
                    ).hidden_states
                    states = torch.stack(hidden_states[layers[0] : layers[1]]).mean(0)
                else:
                    states = self.model(input_ids=ids, attention_mask=mask).last_hidden_state
                weights = mask.unsqueeze(-1).to(states.dtype)
                pooled = (states * weights).sum(1) / weights.sum(1).clamp(min=1.0)
                out[torch.tensor(chunk)] = pooled.float()
        if normalize:
            out = torch.nn.functional.normalize(out, dim=1)
        return out


def load_encoder(
    path: Path,
    quantize: bool = True,
    max_length: int = DEFAULT_MAX_LENGTH,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> Encoder:
    _offline()
    import torch
    from transformers import AutoModel, AutoTokenizer
    from transformers.utils import logging as hf_logging

    configure_threads()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
    model = AutoModel.from_pretrained(
        str(path), local_files_only=True, add_pooling_layer=False, dtype=torch.float32
    )
    model.eval()
    if quantize:
        model = quantize_linear_int8(model)
    return Encoder(tokenizer=tokenizer, model=model, max_length=max_length, batch_size=batch_size)
