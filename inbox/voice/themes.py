"""Recurring themes of a week's negative messages, grouped by meaning, named by their phrases.

1. Every message of the week gives its candidate phrases (``keyphrases.py``); negative messages
   are kept in an inverted index (phrase → messages), others only counted.
2. Up to ``MAX_CLUSTERED`` negative messages (a fixed sample by message id, so a 100k-message
   week costs what a 400-message one does) are embedded — the sentiment model's encoder, passed in
   by the caller — and clustered by k-means on the unit sphere.
3. Each cluster is named by its most distinctive phrases: frequent inside the cluster, rare in the
   other clusters and in the week's non-negative messages.
4. A theme's size is the number of the week's negative messages that mention one of its phrases,
   counted the same way in the previous week for the change; its examples are the cluster's
   members nearest the centre that mention one of the phrases.
"""
from __future__ import annotations

import hashlib
import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from .keyphrases import is_filler, phrases

Embed = Callable[[Sequence[str]], np.ndarray]

MAX_CLUSTERED = 400
MAX_CLUSTERS = 12
MIN_THEME_MESSAGES = 2
MIN_CLUSTER_SHARE = 0.2  # a label phrase occurs in at least this share of its cluster
MAX_PHRASES = 3
MAX_EXAMPLES = 3


@dataclass(frozen=True)
class Theme:
    phrases: tuple[str, ...]
    messages: int  # negative messages this week that mention one of the phrases
    previous: int | None  # the same count in the previous week; None when that week was not read
    example_ids: tuple[int, ...]
    distinctiveness: float

    @property
    def label(self) -> str:
        return " · ".join(self.phrases)

    @property
    def change(self) -> int | None:
        return None if self.previous is None else self.messages - self.previous


@dataclass
class NegativeIndex:
    """Negative messages of one week: their phrases (inverted) and, for clustering, their text."""

    by_phrase: dict[str, set[int]] = field(default_factory=dict)
    texts: dict[int, str] = field(default_factory=dict)
    phrases_of: dict[int, frozenset[str]] = field(default_factory=dict)

    def add(self, message_id: int, text: str, keep_text: bool = True) -> None:
        found = frozenset(p for p in phrases(text) if not is_filler(p))
        for phrase in found:
            self.by_phrase.setdefault(phrase, set()).add(message_id)
        if keep_text:
            self.texts[message_id] = text
            self.phrases_of[message_id] = found

    def mentioning(self, wanted: Sequence[str]) -> set[int]:
        out: set[int] = set()
        for phrase in wanted:
            out |= self.by_phrase.get(phrase, set())
        return out

    def __len__(self) -> int:
        return len(self.texts)


@dataclass
class ThemeCounter:
    """Collects a week's messages in one streamed pass; ``top`` then finds the themes."""

    negative: NegativeIndex = field(default_factory=NegativeIndex)
    other: Counter[str] = field(default_factory=Counter)
    other_docs: int = 0

    @property
    def negative_docs(self) -> int:
        return len(self.negative)

    def add(self, text: str, is_negative: bool, message_id: int) -> None:
        if is_negative:
            self.negative.add(message_id, text)
        else:
            self.other_docs += 1
            self.other.update(p for p in phrases(text) if not is_filler(p))

    def top(self, embed: Embed | None = None, previous: NegativeIndex | None = None, limit: int = 10) -> list[Theme]:
        return find_themes(self.negative, self.other, self.other_docs, embed or lexical_embed, previous, limit)


def previous_week_index(texts: Sequence[tuple[int, str]]) -> NegativeIndex:
    """The previous week's negative messages, phrases only (for the week-on-week change)."""
    index = NegativeIndex()
    for message_id, text in texts:
        index.add(message_id, text, keep_text=False)
    return index


def _sample(ids: Sequence[int], cap: int) -> list[int]:
    if len(ids) <= cap:
        return sorted(ids)
    return sorted(sorted(ids, key=lambda i: hashlib.sha1(str(i).encode()).digest())[:cap])


def kmeans(vectors: np.ndarray, k: int, iterations: int = 30, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Spherical k-means with k-means++ seeding; deterministic for a given input."""
    rng = np.random.default_rng(seed)
    n = len(vectors)
    centres = [vectors[int(rng.integers(n))]]
    for _ in range(1, k):
        distance = np.clip(1 - np.max(vectors @ np.array(centres).T, axis=1), 0, None)
        total = distance.sum()
        if total <= 0:
            break
        centres.append(vectors[int(rng.choice(n, p=distance / total))])
    centre = np.array(centres)
    assign = np.zeros(n, dtype=int)
    for _ in range(iterations):
        new = np.argmax(vectors @ centre.T, axis=1)
        if _ and np.array_equal(new, assign):
            break
        assign = new
        for c in range(len(centre)):
            members = vectors[assign == c]
            if len(members):
                mean = members.sum(0)
                centre[c] = mean / (np.linalg.norm(mean) or 1.0)
    return assign, centre


def _cluster_count(n: int) -> int:
    return max(min(n // 2, 2), min(MAX_CLUSTERS, round(n / 5)))


def name_cluster(members: Sequence[int], sample: NegativeIndex, in_sample: int, other: Counter[str], other_docs: int,
                 all_counts: Counter[str]) -> list[tuple[str, float]]:
    """Phrases typical of this cluster against the rest of the sample and the non-negative messages."""
    inside = Counter(p for m in members for p in sample.phrases_of[m])
    size, rest_size = len(members), max(in_sample - len(members), 1)
    scored = []
    for phrase, count in inside.items():
        share = count / size
        if count < MIN_THEME_MESSAGES or share < MIN_CLUSTER_SHARE:
            continue
        rest = (all_counts[phrase] - count) / rest_size
        elsewhere = max(rest, other.get(phrase, 0) / max(other_docs, 1))
        score = share * math.log((share + 0.01) / (elsewhere + 0.01))
        if score > 0:
            scored.append((phrase, score + 0.05 * phrase.count(" ")))
    scored.sort(key=lambda item: (-item[1], item[0]))
    chosen: list[tuple[str, float]] = []
    for phrase, score in scored:
        if any(phrase in kept or kept in phrase for kept, _ in chosen):
            continue
        chosen.append((phrase, score))
        if len(chosen) == MAX_PHRASES:
            break
    return chosen


def find_themes(negative: NegativeIndex, other: Counter[str], other_docs: int, embed: Embed,
                previous: NegativeIndex | None = None, limit: int = 10) -> list[Theme]:
    if len(negative) < MIN_THEME_MESSAGES:
        return []
    ids = _sample(list(negative.texts), MAX_CLUSTERED)
    vectors = np.asarray(embed([negative.texts[i] for i in ids]), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True).clip(1e-9)
    assign, centres = kmeans(vectors, _cluster_count(len(ids)))
    sample_counts = Counter(p for i in ids for p in negative.phrases_of[i])
    themes: list[Theme] = []
    for c in range(len(centres)):
        rows = np.flatnonzero(assign == c)
        members = [ids[r] for r in rows]
        named = name_cluster(members, negative, len(ids), other, other_docs, sample_counts)
        if not named:
            continue
        wanted = tuple(p for p, _ in named)
        mentioning = negative.mentioning(wanted)
        if len(mentioning) < MIN_THEME_MESSAGES:
            continue
        nearest = sorted(rows, key=lambda r: (-float(vectors[r] @ centres[c]), ids[r]))
        examples = tuple(ids[r] for r in nearest if ids[r] in mentioning)[:MAX_EXAMPLES]
        themes.append(Theme(wanted, len(mentioning), len(previous.mentioning(wanted)) if previous is not None else None, examples,
                            round(named[0][1], 4)))
    return _merge(themes)[:limit]


def _merge(themes: list[Theme]) -> list[Theme]:
    """One theme per leading phrase (two clusters can be named alike), largest first."""
    themes.sort(key=lambda t: (-t.messages, -t.distinctiveness, t.label))
    kept: list[Theme] = []
    for theme in themes:
        if any(theme.phrases[0] in k.phrases or k.phrases[0] in theme.phrases for k in kept):
            continue
        kept.append(theme)
    return kept


def lexical_embed(texts: Sequence[str], dim: int = 1024) -> np.ndarray:
    """Hashed phrase vectors, for when no sentiment encoder is loaded (a VADER-only install)."""
    sets = [phrases(t) for t in texts]
    df = Counter(p for s in sets for p in s)
    out = np.zeros((len(texts), dim), dtype=np.float32)
    for row, found in enumerate(sets):
        for phrase in found:
            slot = int.from_bytes(hashlib.blake2b(phrase.encode(), digest_size=4).digest(), "little") % dim
            out[row, slot] += math.log((1 + len(texts)) / (1 + df[phrase]))
    out[:, 0] += 1e-3  # an empty message still has a direction
    return out
