"""The same text gets the same label and score whatever else is in the batch."""

from __future__ import annotations

import random

from inbox.sentiment.data import load_set

TEXTS = [
    "Internet's down again. Third time this week.",
    "最悪のサポートです。今日解約します。",
    "Thanks, all sorted!",
    "Can I change my delivery address?",
]


def test_scores_do_not_depend_on_the_batch(e5):
    alone = [e5.classify([t])[0] for t in TEXTS]
    tweets = [e.text for e in load_set("vader_tweets")[:400]]
    rng = random.Random(7)
    for size in (2, 5, 31, 32, 33, 100):
        batch = rng.sample(tweets, size - 1)
        for text, expected in zip(TEXTS, alone):
            mixed = batch[:]
            mixed.insert(rng.randrange(len(mixed) + 1), text)
            got = e5.classify(mixed)[mixed.index(text)]
            assert (got.label, got.score) == (expected.label, expected.score), (size, text)


def test_embeddings_are_bitwise_equal_alone_and_batched(e5):
    import torch

    tweets = [e.text for e in load_set("vader_tweets")[:64]]
    texts = ["query: " + t for t in tweets]
    together = e5.encoder.embed(texts)
    alone = torch.stack([e5.encoder.embed([t])[0] for t in texts[:8]])
    assert torch.equal(together[:8], alone)
