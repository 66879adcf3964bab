"""The labelled sentiment sets in ``shared/eval/sentiment`` and their fixed train/test split.

The split is a hash of the text, so a fresh clone reproduces it without any stored list, and
duplicated texts always land on the same side (no train/test leakage through duplicates).
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path

from inbox.sentiment.paths import PACKAGE_DIR, eval_dir

LABELS = ("negative", "neutral", "positive")
# Sets we may train on: VADER (MIT) and chABSA (CC BY 4.0). WRIME (NC-ND) and the
# customer-support conversations (NC) are deliberately not used.
# customer_care: English/Japanese customer-care messages written and labelled by the team
# (inbox/sentiment/seed/), the closest thing we have to what the inbox actually sees: 600 everyday
# messages, and 152 lines on the patterns a lexicon misses (sarcasm markers, "again"/"still"/「また」
# complaints, negated praise and complaints, emoji, neutral requests that sound annoyed).
SETS = ("customer_care", "vader_tweets", "vader_movie_reviews", "vader_nyt_editorials", "chabsa")
SEED_FILES = {"customer_care": (PACKAGE_DIR / "seed" / "customer_care.csv", PACKAGE_DIR / "seed" / "care_patterns.csv")}
_FILES = {
    "vader_tweets": "sentiment/vader_icwsm2014/normalised.csv",
    "vader_movie_reviews": "sentiment/vader_icwsm2014/normalised.csv",
    "vader_nyt_editorials": "sentiment/vader_icwsm2014/normalised.csv",
    "chabsa": "sentiment/ja_chabsa/normalised.csv",
}
TEST_BUCKETS = frozenset({0, 1})  # 20 % test
DEV_BUCKETS = frozenset({2})  # 10 % of the data, a slice of train used for tuning and calibration


@dataclass(frozen=True)
class Example:
    text: str
    label: str
    source: str

    @property
    def bucket(self) -> int:
        digest = hashlib.sha256(self.text.strip().encode("utf-8")).hexdigest()
        return int(digest[:8], 16) % 10

    @property
    def split(self) -> str:
        if self.bucket in TEST_BUCKETS:
            return "test"
        return "dev" if self.bucket in DEV_BUCKETS else "train"


def load_set(name: str, root: Path | None = None) -> list[Example]:
    paths = SEED_FILES[name] if name in SEED_FILES else ((root or eval_dir()) / _FILES[name],)
    examples: list[Example] = []
    for path in paths:
        if not path.exists():
            raise FileNotFoundError(f"sentiment data not found: {path} (set INBOX_EVAL_DIR)")
        with path.open(encoding="utf-8", newline="") as fh:
            examples += [
                Example(row["text"], row["label"], row.get("source") or name)
                for row in csv.DictReader(fh)
                if (row.get("source") or name) == name and row["label"] in LABELS and row["text"].strip()
            ]
    return examples


def load_all(root: Path | None = None) -> dict[str, list[Example]]:
    return {name: load_set(name, root) for name in SETS}


def split(examples: list[Example], which: str) -> list[Example]:
    """``which``: "test", "dev", "train" (without dev) or "fit" (train + dev, all non-test)."""
    if which == "fit":
        return [e for e in examples if e.split != "test"]
    return [e for e in examples if e.split == which]
