"""The e5 encoder in transformers: tokenize, batch by fixed-width length buckets, mean pooling.

Scores must not depend on which other texts share the batch. Two things made them do so: dynamic
int8 quantization (activation scales computed over the whole batch) and padding to the batch's
longest member (a different padded width changes the order of floating-point reductions). So the
encoder runs unquantized, and every text is padded to a width fixed by its own length (the next
multiple of ``BUCKET``); rows of one width are batched together. With the width fixed, a row's
result does not depend on the number of rows or on their content (checked bit for bit in
``tests/sentiment/test_determinism.py``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Sequence

import torch
from transformers import AutoModel, AutoTokenizer
from transformers.masking_utils import create_bidirectional_mask
from transformers.utils import logging as hf_logging

from inbox.sentiment import threads
from inbox.sentiment.adapter import merge_lora

DEFAULT_MAX_LENGTH = 64
# Rows per forward pass; every pass is filled to this many (see Encoder.batches), so a small call
# pays for the filler rows of each width it touches. Measured (texts/s, medians of 3, same run):
#   AMD EPYC, AVX512-BF16, no AMX:  8 rows: batches of 32 tweets 112, demo messages in calls of 135
#                                   (an ingest job's size) 121; 16 rows: 73 / 98; 4 rows: 106 / 98
#   Intel with AMX:                 8 rows: 173 / 209; 16 rows: 148 / 255; 32 rows: 102 / 245
# 8 is the one size that keeps batches of 32 above 100 texts/s on both.
DEFAULT_BATCH_SIZE = 8
BUCKET = 8


def _offline() -> None:
    """Weights never come from a hub: these must be set before transformers is imported."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"


def _set_threads(wanted: int) -> None:
    if torch.get_num_threads() != wanted:
        torch.set_num_threads(wanted)


def configure_threads() -> int:
    """The cores nobody else is using, at least one (``inbox.sentiment.threads``; ``INBOX_TORCH_THREADS`` overrides)."""
    return threads.install(_set_threads)


def serving_dtype() -> Any:
    """bfloat16 where the CPU multiplies it natively (AVX512-BF16/AMX: ~3x fp32 here), else float32.

    ``INBOX_SENTIMENT_DTYPE=float32`` forces full precision.
    """
    wanted = os.environ.get("INBOX_SENTIMENT_DTYPE", "").strip().lower()
    if wanted in ("float32", "fp32"):
        return torch.float32
    if wanted in ("bfloat16", "bf16"):
        return torch.bfloat16
    try:
        native = bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        native = False
    return torch.bfloat16 if native else torch.float32


def bucket_width(n_tokens: int) -> int:
    return -(-n_tokens // BUCKET) * BUCKET


@dataclass
class Encoder:
    tokenizer: Any
    model: Any
    max_length: int = DEFAULT_MAX_LENGTH
    batch_size: int = DEFAULT_BATCH_SIZE

    def token_ids(self, texts: Sequence[str]) -> list[list[int]]:
        return self.tokenizer(list(texts), truncation=True, max_length=self.max_length, add_special_tokens=True)["input_ids"]

    def batches(self, encoded: list[list[int]]) -> Iterator[tuple[list[int], Any, Any]]:
        """(row indices, ids, mask) per mini-batch; every row padded to its own bucket width, and every
        mini-batch filled to `batch_size` rows. oneDNN picks its bfloat16 kernels (AMX tiles or AVX-512)
        by the matrix shape: with the shape fixed per width, a text's score is the same whatever else
        is in the batch, and the fast AMX kernels stay usable (capping the instruction set instead made
        the model ~4x slower on AMX machines)."""
        pad_id = self.tokenizer.pad_token_id
        by_width: dict[int, list[int]] = {}
        for i, seq in enumerate(encoded):
            by_width.setdefault(bucket_width(len(seq)), []).append(i)
        for width in sorted(by_width):
            rows = by_width[width]
            for start in range(0, len(rows), self.batch_size):
                chunk = rows[start : start + self.batch_size]
                ids = torch.full((self.batch_size, width), pad_id, dtype=torch.long)
                mask = torch.zeros((self.batch_size, width), dtype=torch.long)
                mask[len(chunk) :, 0] = 1  # filler rows: one token each, never read back
                for row, i in enumerate(chunk):
                    seq = encoded[i]
                    ids[row, : len(seq)] = torch.tensor(seq)
                    mask[row, : len(seq)] = 1
                yield chunk, ids, mask

    def embed(self, texts: Sequence[str], normalize: bool = False):
        """Mean-pooled last-layer embeddings, in input order, float32 ``(len(texts), hidden)``."""
        hidden = self.model.config.hidden_size
        out = torch.empty((len(texts), hidden))
        if not texts:
            return out
        with torch.inference_mode():
            for chunk, ids, mask in self.batches(self.token_ids(texts)):
                states = self.model(input_ids=ids, attention_mask=mask).last_hidden_state
                out[torch.tensor(chunk)] = mean_pool(states.float(), mask)[: len(chunk)]
        return torch.nn.functional.normalize(out, dim=1) if normalize else out

    def embed_lower(self, texts: Sequence[str], layer: int):
        """Mean-pooled output of layers ``0 .. layer-1``, L2-normalised, float32."""
        out = torch.empty((len(texts), self.model.config.hidden_size))
        if not texts:
            return out
        with torch.inference_mode():
            for chunk, ids, mask in self.batches(self.token_ids(texts)):
                out[torch.tensor(chunk)] = mean_pool(run_lower_layers(self.model, ids, mask, layer).float(), mask)[: len(chunk)]
        return torch.nn.functional.normalize(out, dim=1)

    def hidden_before(self, texts: Sequence[str], layer: int) -> list[Any]:
        """The input of encoder layer ``layer`` for each text, unpadded ``(tokens, hidden)`` each.

        Training caches these: the layers below ``layer`` are frozen, so they run once per text.
        """
        out: list[Any] = [None] * len(texts)
        if not texts:
            return out
        with torch.inference_mode():
            for chunk, ids, mask in self.batches(self.token_ids(texts)):
                states = run_lower_layers(self.model, ids, mask, layer)
                for row, i in enumerate(chunk):
                    out[i] = states[row, : int(mask[row].sum())].to(torch.bfloat16).clone()
        return out


def mean_pool(states: Any, mask: Any) -> Any:
    weights = mask.unsqueeze(-1).to(states.dtype)
    return (states * weights).sum(1) / weights.sum(1).clamp(min=1.0)


def attention_mask_4d(model: Any, hidden: Any, mask: Any) -> Any:
    return create_bidirectional_mask(config=model.config, inputs_embeds=hidden, attention_mask=mask)


def run_lower_layers(model: Any, ids: Any, mask: Any, layer: int) -> Any:
    """Embeddings then encoder layers ``0 .. layer-1``."""
    hidden = model.embeddings(input_ids=ids)
    extended = attention_mask_4d(model, hidden, mask)
    for block in model.encoder.layer[:layer]:
        hidden = block(hidden, extended)
    return hidden


def run_upper_layers(model: Any, hidden: Any, mask: Any, layer: int) -> Any:
    """Encoder layers ``layer .. last`` on cached hidden states (training)."""
    extended = attention_mask_4d(model, hidden, mask)
    for block in model.encoder.layer[layer:]:
        hidden = block(hidden, extended)
    return hidden


def load_base_model(path: Path) -> tuple[Any, Any]:
    """Tokenizer and fp32 ``BertModel`` from a built encoder directory (local files only)."""
    _offline()

    configure_threads()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
    model = AutoModel.from_pretrained(str(path), local_files_only=True, add_pooling_layer=False, dtype=torch.float32)
    model.eval()
    return tokenizer, model


def load_encoder(
    path: Path,
    max_length: int = DEFAULT_MAX_LENGTH,
    batch_size: int = DEFAULT_BATCH_SIZE,
    lora: dict[str, Any] | None = None,
    dtype: Any = None,
) -> Encoder:
    """The serving encoder: LoRA deltas (if any) merged into the weights, then cast to ``dtype``
    (default ``serving_dtype()``)."""
    tokenizer, model = load_base_model(path)
    if lora:
        merge_lora(model, lora["tensors"], lora["scale"])
    model.to(dtype if dtype is not None else serving_dtype())
    return Encoder(tokenizer=tokenizer, model=model, max_length=max_length, batch_size=batch_size)
