"""Sentiment throughput, load time and memory, on real tweets from the VADER set.

    python bench/sentiment.py [--runs 5] [--batches 10] [--batch-size 32] [--model e5] [--no-compare] [--against FILE]

Prints the model load time (imports included: what a fresh worker pays), the median throughput over
``--runs`` runs of ``--batches`` batches, process RSS (current and peak) right after, and raw VADER
throughput on the same texts. Then, in the same process, the served precision (bfloat16 where the
CPU has it) against float32, runs interleaved so that both see the same machine load: the median
of the per-run ratios is the figure to quote on a shared machine. ``--against FILE`` compares, the same
way, the served artefact with another one (e.g. the previous commit's ``git show <rev>:inbox/sentiment/heads/…``),
so a retrained model's throughput is measured against the old one under the same load.
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


def rate(classifier, texts: list[str], batch_size: int) -> float:
    started = time.perf_counter()
    for start in range(0, len(texts), batch_size):
        classifier.classify(texts[start : start + batch_size])
    return len(texts) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--model", default="e5")
    parser.add_argument("--no-compare", action="store_true", help="Skip the float32 comparison.")
    parser.add_argument("--against", type=Path, default=None, help="Another artefact to compare with, runs interleaved.")
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
    runs = [tweets[r * per_run : (r + 1) * per_run] for r in range(args.runs)]
    classifier.classify(tweets[: args.batch_size])  # warm-up
    rates = [rate(classifier, texts, args.batch_size) for texts in runs]
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
    encoder = getattr(classifier, "encoder", None)
    if encoder is not None:
        print(f"precision: {next(encoder.model.parameters()).dtype}, max tokens {encoder.max_length}")
    print(f"torch threads: {torch.get_num_threads()}, cpus: {os.cpu_count()}, load average: {os.getloadavg()[0]:.2f}")
    print(f"load time (imports + model): {load_s:.2f} s")
    print(
        f"throughput at batch {args.batch_size}: median {statistics.median(rates):.1f} texts/s "
        f"over {args.runs} runs of {per_run} tweets (min {min(rates):.1f}, max {max(rates):.1f})"
    )
    print(f"process RSS: {rss:.0f} MB (peak {peak:.0f} MB)")
    print(f"raw VADER: {vader_rate:.0f} texts/s on {len(sample)} tweets "
          f"({vader_rate / statistics.median(rates):.0f}x the model)")

    from inbox.sentiment.classifiers import E5Classifier

    if encoder is not None and args.against:
        other = E5Classifier(head_path=args.against)
        other.classify(tweets[: args.batch_size])
        ratios, other_rates, served_rates = [], [], []
        for texts in runs:
            served_rates.append(rate(classifier, texts, args.batch_size))
            other_rates.append(rate(other, texts, args.batch_size))
            ratios.append(served_rates[-1] / other_rates[-1])
        print(
            f"same run, interleaved: served {statistics.median(served_rates):.1f} vs {other.model_id} "
            f"{statistics.median(other_rates):.1f} texts/s; median ratio {statistics.median(ratios):.2f}x "
            f"(runs {', '.join(f'{r:.2f}' for r in ratios)})"
        )
    if encoder is None or args.no_compare:
        return

    os.environ["INBOX_SENTIMENT_DTYPE"] = "float32"
    full = E5Classifier(head_path=classifier.path)
    full.classify(tweets[: args.batch_size])
    ratios, full_rates, served_rates = [], [], []
    for texts in runs:
        served_rates.append(rate(classifier, texts, args.batch_size))
        full_rates.append(rate(full, texts, args.batch_size))
        ratios.append(served_rates[-1] / full_rates[-1])
    agree = sum(a.label == b.label for a, b in zip(classifier.classify(tweets[:1000]), full.classify(tweets[:1000])))
    print(
        f"same run, interleaved: served {statistics.median(served_rates):.1f} vs float32 "
        f"{statistics.median(full_rates):.1f} texts/s; median ratio {statistics.median(ratios):.2f}x "
        f"(runs {', '.join(f'{r:.2f}' for r in ratios)}); same label on {agree}/1000 tweets"
    )


if __name__ == "__main__":
    main()
