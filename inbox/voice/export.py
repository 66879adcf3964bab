"""The weekly sentiment export: messages, day × channel summary and negative themes, as CSV files.

One streamed pass over the week's inbound messages feeds all three files, so a week of any size
is written in constant memory (apart from the theme vocabulary).
"""
from __future__ import annotations

import logging
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select

from ..channels import ChannelAccount
from ..csvsafe import atomic_csv, safe_cell, safe_row
from ..extensions import db
from ..jobqueue import enqueue
from ..sentiment import topic_embedder
from ..tickets.events import EventType
from ..tickets.models import Message, SentimentCorrection, Ticket, TicketEvent
from .files import FILE_NAME, KINDS, store_files  # noqa: F401  (FILE_NAME, KINDS: where callers found them)
from .pseudonym import pseudonymise
from .summary import WeekSummary
from .surveys.models import SurveyResponse
from .themes import Embed, NegativeIndex, Theme, ThemeCounter, previous_week_index
from .weeks import IsoWeek, week_bounds

log = logging.getLogger(__name__)


MESSAGE_COLUMNS = [
    "message_id", "time", "channel", "account", "kind", "ticket_id", "customer", "language", "text",
    "model_label", "model_score", "agent_label", "ticket_status", "model",
]
SUMMARY_COLUMNS = [
    "date", "channel", "negative", "neutral", "positive", "net_sentiment", "mean_score", "messages",
    "tickets_opened", "tickets_resolved", "survey_answers", "csat_mean", "csat_satisfied", "nps", "ces_mean",
]
THEME_COLUMNS = ["rank", "theme", "negative_messages", "previous_week", "change", "share_of_negative",
                 "example_message_ids", "example_1", "example_2", "example_3"]
THEMES_PER_WEEK = 15


def file_name(week: IsoWeek, kind: str) -> str:
    return f"inbox-{week}-{kind}.csv"


@dataclass
class ExportOptions:
    zone: ZoneInfo
    pseudonymise: bool = False
    secret_key: str = ""
    # Groups negative messages by meaning for the themes; None: hashed phrase vectors instead.
    embed: Embed | None = None


@dataclass
class ExportResult:
    week: IsoWeek
    files: list[Path] = field(default_factory=list)
    messages: int = 0
    themes: list[Theme] = field(default_factory=list)
    seconds: float = 0.0


def latest_correction_label() -> Any:
    """The agent's latest label for a message (NULL when the model was never overruled)."""
    return (
        select(SentimentCorrection.label)
        .where(SentimentCorrection.message_id == Message.id)
        .order_by(SentimentCorrection.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def week_messages(start: datetime, end: datetime) -> Iterator[Any]:
    """The inbound messages sent in [start, end), oldest first, fetched in chunks."""
    query = (
        select(
            Message.id, Message.sent_at, ChannelAccount.channel, ChannelAccount.name, Message.kind, Message.ticket_id,
            Message.author_handle, Message.lang, Message.text, Message.sentiment_label, Message.sentiment_score,
            latest_correction_label().label("agent_label"), Ticket.status, Message.sentiment_model,
        )
        .join(ChannelAccount, ChannelAccount.id == Message.account_id)
        .outerjoin(Ticket, Ticket.id == Message.ticket_id)
        .where(Message.direction == "inbound", Message.sent_at >= start, Message.sent_at < end)
        .order_by(Message.sent_at, Message.id)
        .execution_options(yield_per=2000)
    )
    return iter(db.session.execute(query))


def _round(value: float | None, digits: int = 4) -> float | str:
    return "" if value is None else round(value, digits)


def write_weekly_export(week: IsoWeek, out_dir: Path, options: ExportOptions) -> ExportResult:
    """Write (or atomically replace) the three files of `week` in `out_dir`."""
    started = time.perf_counter()
    start, end = week_bounds(week, options.zone)
    result = ExportResult(week)
    channels = set(db.session.scalars(select(ChannelAccount.channel).distinct()))
    summary = WeekSummary(week.days(), channels)
    themes = ThemeCounter()
    zone = options.zone

    messages_path = out_dir / file_name(week, "messages")
    with atomic_csv(messages_path) as writer:
        writer.writerow(MESSAGE_COLUMNS)
        for row in week_messages(start, end):
            (message_id, sent_at, channel, account, kind, ticket_id, handle, lang, text,
             model_label, score, agent_label, status, model) = row
            local = sent_at.astimezone(zone)
            if options.pseudonymise and handle:
                handle = pseudonymise(channel, handle, options.secret_key)
            # only text that customers or admins typed can start with a formula; our own enums cannot
            writer.writerow([
                message_id, local.isoformat(timespec="seconds"), channel, safe_cell(account), kind, ticket_id or "",
                safe_cell(handle), safe_cell(lang or ""), safe_cell(text), model_label or "", _round(score),
                agent_label or "", status or "", safe_cell(model or ""),
            ])
            label = agent_label or model_label
            summary.add_message(local.date(), channel, label, score)
            themes.add(text, label == "negative", message_id)
            result.messages += 1
    result.files.append(messages_path)

    _add_ticket_activity(summary, start, end, zone)
    _add_survey_answers(summary, start, end, zone)
    summary_path = out_dir / file_name(week, "summary")
    with atomic_csv(summary_path) as writer:
        writer.writerow(SUMMARY_COLUMNS)
        for day, channel, cell in summary.rows():
            writer.writerow(safe_row([
                day.isoformat(), channel, cell.labels["negative"], cell.labels["neutral"], cell.labels["positive"],
                _round(cell.net_sentiment), _round(cell.mean_score), cell.messages, cell.tickets_opened, cell.tickets_resolved,
                cell.surveys.responses, _round(cell.surveys.csat_mean), _round(cell.surveys.csat_satisfied_share),
                _round(cell.surveys.nps_score, 1), _round(cell.surveys.ces_mean),
            ]))
    result.files.append(summary_path)

    result.themes = themes.top(options.embed, negative_messages(week.shifted(-1), zone), THEMES_PER_WEEK)
    themes_path = out_dir / file_name(week, "themes")
    write_themes(themes_path, result.themes, themes.negative_docs)
    result.files.append(themes_path)
    result.seconds = time.perf_counter() - started
    log.info("weekly export %s: %d messages in %.1f s to %s", week, result.messages, result.seconds, out_dir)
    return result


def negative_messages(week: IsoWeek, zone: ZoneInfo) -> NegativeIndex:
    """The phrases of a week's negative messages (the agent's label over the model's)."""
    start, end = week_bounds(week, zone)
    label = func.coalesce(latest_correction_label(), Message.sentiment_label)
    rows = db.session.execute(
        select(Message.id, Message.text)
        .where(Message.direction == "inbound", Message.sent_at >= start, Message.sent_at < end, label == "negative")
        .execution_options(yield_per=2000)
    )
    return previous_week_index([(message_id, text or "") for message_id, text in rows])


def write_themes(path: Path, themes: list[Theme], negative_docs: int) -> None:
    examples = example_texts([i for t in themes for i in t.example_ids])
    with atomic_csv(path) as writer:
        writer.writerow(THEME_COLUMNS)
        for rank, theme in enumerate(themes, start=1):
            share = theme.messages / negative_docs if negative_docs else 0.0
            texts = [examples.get(i, "") for i in theme.example_ids] + [""] * 3
            writer.writerow(safe_row([
                rank, theme.label, theme.messages, "" if theme.previous is None else theme.previous,
                "" if theme.change is None else theme.change, round(share, 4),
                " ".join(str(i) for i in theme.example_ids), *texts[:3],
            ]))


def example_texts(message_ids: list[int]) -> dict[int, str]:
    if not message_ids:
        return {}
    return dict(db.session.execute(select(Message.id, Message.text).where(Message.id.in_(message_ids))).all())


def _add_ticket_activity(summary: WeekSummary, start: datetime, end: datetime, zone: ZoneInfo) -> None:
    opened = select(Ticket.opened_at, Ticket.channel).where(Ticket.opened_at >= start, Ticket.opened_at < end)
    for opened_at, channel in db.session.execute(opened):
        summary.add_opened(opened_at.astimezone(zone).date(), channel)
    # from the recorded events, so a ticket resolved, reopened and resolved again counts twice
    resolved = (
        select(TicketEvent.at, TicketEvent.data, Ticket.channel)
        .join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .where(TicketEvent.type == EventType.STATUS, TicketEvent.at >= start, TicketEvent.at < end)
    )
    for at, data, channel in db.session.execute(resolved):
        if (data or {}).get("to") == "resolved":
            summary.add_resolved(at.astimezone(zone).date(), channel)


def options_from_config() -> ExportOptions:
    config = current_app.config
    return ExportOptions(zone=ZoneInfo(config["INBOX_TIMEZONE"]), pseudonymise=bool(config["INBOX_PSEUDONYMISE"]),
                         secret_key=config["SECRET_KEY"], embed=topic_embedder())


def export_week(week: IsoWeek, out_dir: Path | None = None) -> ExportResult:
    """The weekly export with the workspace's settings, stored in the database (and, with `out_dir`,
    also written to that folder). Files are written to a private temporary folder first: the
    database holds the only shared copy."""
    options = options_from_config()
    with tempfile.TemporaryDirectory(prefix="inbox-export-") as scratch:
        result = write_weekly_export(week, Path(scratch), options)
        store_files(result.files, current_app.config["INBOX_EXPORT_MAX_BYTES"])
        if out_dir is not None:
            out_dir.mkdir(parents=True, exist_ok=True)
            result.files = [Path(shutil.copy2(path, out_dir / path.name)) for path in result.files]
        else:
            result.files = [Path(path.name) for path in result.files]
    return result


def _add_survey_answers(summary: WeekSummary, start: datetime, end: datetime, zone: ZoneInfo) -> None:
    answers = select(SurveyResponse.answered_at, SurveyResponse.channel, SurveyResponse.csat, SurveyResponse.extra_question,
                     SurveyResponse.extra_score).where(SurveyResponse.answered_at >= start, SurveyResponse.answered_at < end)
    for answered_at, channel, csat, extra_question, extra_score in db.session.execute(answers):
        summary.add_survey_answer(answered_at.astimezone(zone).date(), channel, csat, extra_question, extra_score)


def enqueue_export(week: Any) -> str:
    """On demand from the UI; returns the RQ job id. Raises RedisError when the queue is away."""
    job = enqueue("weekly_export", str(week), description=f"weekly export {week} (on demand)")
    assert job is not None  # no job id given, so never a duplicate
    return job.id
