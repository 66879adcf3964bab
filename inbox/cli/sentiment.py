"""`inbox classify` and the `inbox sentiment` group (build, train, eval)."""
from __future__ import annotations

import io
import json
import sys

import click

from ..app import create_app
from ..connectors.base import MAX_TEXT_CHARS, text_problem
from ..sentiment import ModelUnavailable, get_classifier
from ..voice.corrections import load_corrections


@click.command(help="Classify texts from stdin: JSONL ({\"text\": ...}) or plain lines; writes one JSON object per line.")
@click.option("--batch-size", default=256, show_default=True)
@click.option("--model", default=None, help="e5 (default) or vader.")
def classify(batch_size: int, model: str | None) -> None:
    try:
        classifier = get_classifier(model)
    except ModelUnavailable as exc:
        raise click.ClickException(str(exc)) from None

    pending: list[str | None] = []
    problems: list[str] = []

    def flush() -> None:
        texts = [t for t in pending if t is not None]
        results = iter(classifier.classify(texts) if texts else [])
        unusable = iter(problems)
        for text in pending:
            if text is None:  # stays in its place: output line N answers input line N
                click.echo(json.dumps({"error": next(unusable)}, ensure_ascii=False))
                continue
            sentiment = next(results)
            click.echo(json.dumps({"label": sentiment.label, "score": round(sentiment.score, 4), "model": sentiment.model}, ensure_ascii=False))
        pending.clear()
        problems.clear()

    stdin = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace")
    for number, line in enumerate(stdin, start=1):
        text = line.rstrip("\n")
        if text.lstrip().startswith("{"):
            try:
                record = json.loads(text)
            except json.JSONDecodeError:
                record = None
            if isinstance(record, dict) and isinstance(record.get("text"), str):
                text = record["text"]
            elif isinstance(record, dict):
                click.echo(f"line {number}: JSON object has no \"text\" string; classified as plain text", err=True)
        problem = text_problem(text, "text", MAX_TEXT_CHARS)
        if problem:
            click.echo(f"line {number}: {problem}", err=True)
            problems.append(f"line {number}: {problem}")
            pending.append(None)
        else:
            pending.append(text)
        if len(pending) >= batch_size:
            flush()
    flush()


def _corrections() -> list[tuple[str, str]]:
    """Agents' corrections from the database, handed to the sentiment package (which stays a leaf)."""
    with create_app().app_context():
        return load_corrections()


def _sentiment_group() -> click.Command:
    try:
        from ..sentiment.cli import (
            sentiment_commands,  # deferred: torch and transformers load only for these commands
        )
    except ImportError as exc:  # keep the rest of the CLI usable and say why
        reason = str(exc)

        @click.command("sentiment", help="Sentiment model commands (unavailable).")
        def unavailable() -> None:
            raise click.ClickException(f"sentiment commands unavailable: {reason}")

        return unavailable
    return sentiment_commands(corrections_loader=_corrections)


COMMANDS = (classify, _sentiment_group())
