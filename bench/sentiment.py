"""Sentiment throughput, load time and memory, on real tweets from the VADER set.

    python bench/sentiment.py [--runs 5] [--batches 10] [--batch-size 32] [--model e5]

Prints the model load time (imports included: what a fresh worker pays), the median
throughput over ``--runs`` runs of ``--batches`` batches, process RSS (current and peak),
and raw VADER throughput on the same texts for reference.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def rss_mb() -> tuple[float, float]:
    fields = {}
    with open("/proc/self/status") as fh:
        for line in fh:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--model", default="e5")
    args = parser.parse_args()
    os.environ["HF_HUB_OFFLINE"] = "1"

    started = time.perf_counter()
    from inbox.sentiment import get_classifier

    classifier = get_classifier(args.model)
    load_s = time.perf_counter() - started

    from inbox.sentiment.data import load_set

    tweets = [e.text for e in load_set("vader_tweets")]
    per_run = args.batch_size * args.batches
    if len(tweets) < per_run * args.runs:
        raise SystemExit("not enough tweets for that many runs")
    classifier.classify(tweets[: args.batch_size])  # warm-up
    rates = []
    for run in range(args.runs):
        texts = tweets[run * per_run : (run + 1) * per_run]
        t0 = time.perf_counter()
        for start in range(0, per_run, args.batch_size):
            classifier.classify(texts[start : start + args.batch_size])
        rates.append(per_run / (time.perf_counter() - t0))
    rss, peak = rss_mb()

    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    sample = tweets[:2000]
    t0 = time.perf_counter()
    for text in sample:
        analyzer.polarity_scores(text)
    vader_rate = len(sample) / (time.perf_counter() - t0)

    import torch

    print(f"model: {classifier.model_id}")
    print(f"torch threads: {torch.get_num_threads()}, cpus: {os.cpu_count()}")
    print(f"load time (imports + model): {load_s:.2f} s")
    print(
        f"throughput at batch {args.batch_size}: median {statistics.median(rates):.1f} texts/s "
        f"over {args.runs} runs of {per_run} tweets (min {min(rates):.1f}, max {max(rates):.1f})"
    )
    print(f"process RSS: {rss:.0f} MB (peak {peak:.0f} MB)")
    print(f"raw VADER: {vader_rate:.0f} texts/s on {len(sample)} tweets")


if __name__ == "__main__":
    main()
