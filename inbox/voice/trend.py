"""What the trend page shows: daily sentiment per channel, the week's themes, how often agents overruled the model."""
from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select

from ..channels import ChannelAccount
from ..extensions import db
from ..tickets.models import Message, SentimentCorrection
from .export import (
    THEME_COLUMNS,
    file_name,
    latest_correction_label,
    negative_messages,
    week_messages,
)
from .files import stored_export
from .summary import DayChannel
from .themes import Theme, ThemeCounter
from .weeks import IsoWeek, local_midnight_utc, week_bounds, week_containing


def daily_sentiment(first_day: date, days: int, zone: ZoneInfo) -> dict[tuple[date, str], DayChannel]:
    """Inbound messages per local day and channel, counted by their effective (agent-corrected) label.

    Days are cut at local midnight in SQL with a CASE over the day boundaries, so DST and any UTC
    offset are exact on SQLite and PostgreSQL alike.
    """
    edges = [local_midnight_utc(first_day + timedelta(days=i), zone) for i in range(days + 1)]
    day_index = case(*[(Message.sent_at < edge, i) for i, edge in enumerate(edges[1:])], else_=None).label("day")
    label = func.coalesce(latest_correction_label(), Message.sentiment_label).label("label")
    rows = (
        select(day_index, ChannelAccount.channel.label("channel"), label)
        .join(ChannelAccount, ChannelAccount.id == Message.account_id)
        .where(Message.direction == "inbound", Message.sent_at >= edges[0], Message.sent_at < edges[-1])
        .subquery()
    )
    query = select(rows.c.day, rows.c.channel, rows.c.label, func.count()).group_by(rows.c.day, rows.c.channel, rows.c.label)
    cells: dict[tuple[date, str], DayChannel] = defaultdict(DayChannel)
    for index, channel, found, count in db.session.execute(query):
        cell = cells[(first_day + timedelta(days=int(index)), channel)]
        cell.messages += count
        if found in cell.labels:
            cell.labels[found] += count
    return dict(cells)


def net_series(cells: dict[tuple[date, str], DayChannel], days: list[date]) -> dict[str, list[float | None]]:
    channels = sorted({channel for _, channel in cells})
    return {channel: [cells[(d, channel)].net_sentiment if (d, channel) in cells else None for d in days]
            for channel in channels}


@dataclass(frozen=True)
class Corrections:
    count: int
    labelled: int

    @property
    def rate(self) -> float | None:
        return self.count / self.labelled if self.labelled else None


def corrections_between(start: datetime, end: datetime) -> Corrections:
    """Customer messages sent in [start, end) whose model label an agent overruled, out of those labelled."""
    in_period = (Message.direction == "inbound", Message.sentiment_label.is_not(None),
                 Message.sent_at >= start, Message.sent_at < end)
    count = db.session.scalar(
        select(func.count(func.distinct(SentimentCorrection.message_id)))
        .join(Message, Message.id == SentimentCorrection.message_id)
        .where(*in_period, SentimentCorrection.label != Message.sentiment_label)
    ) or 0
    labelled = db.session.scalar(select(func.count()).select_from(Message).where(*in_period)) or 0
    return Corrections(count, labelled)


@dataclass(frozen=True)
class ThemeExample:
    message_id: int
    ticket_id: int | None
    text: str


def latest_week_with_messages(zone: ZoneInfo, now: datetime) -> IsoWeek | None:
    """The week of the newest customer message sent by ``now`` (None when there is none)."""
    latest = db.session.scalar(
        select(func.max(Message.sent_at)).where(Message.direction == "inbound", Message.sent_at <= now)
    )
    if latest is None:
        return None
    if latest.tzinfo is None:  # SQLite hands back naive UTC
        latest = latest.replace(tzinfo=timezone.utc)
    return week_containing(latest, zone)


def exported_themes(week: IsoWeek) -> list[Theme] | None:
    """The themes the weekly export found (grouped with the sentiment model), if that week was exported."""
    stored = stored_export(file_name(week, "themes"))
    if stored is None:
        return None
    rows = list(csv.DictReader(io.StringIO(stored.content.decode("utf-8-sig"), newline="")))
    if rows and set(THEME_COLUMNS) - set(rows[0]):
        return None  # written by an older version: recompute
    return [
        Theme(tuple(row["theme"].lstrip("'").split(" · ")), int(row["negative_messages"]),
              int(row["previous_week"]) if row["previous_week"] else None,
              tuple(int(i) for i in row["example_message_ids"].split()), 0.0)
        for row in rows
    ]


def week_themes(week: IsoWeek, zone: ZoneInfo, limit: int = 10) -> tuple[list[tuple[Theme, list[ThemeExample]]], bool]:
    """The week's themes with their example messages, and whether they come from the weekly export.

    Without an export the page groups by phrase vectors (no model in the web process); the export,
    run by a worker that has the model loaded, groups by meaning.
    """
    themes = exported_themes(week)
    exported = themes is not None
    if themes is None:
        start, end = week_bounds(week, zone)
        counter = ThemeCounter()
        for row in week_messages(start, end):
            label = row.agent_label or row.sentiment_label
            counter.add(row.text or "", label == "negative", row.id)
        themes = counter.top(None, negative_messages(week.shifted(-1), zone), limit)
    themes = themes[:limit]
    ids = [i for theme in themes for i in theme.example_ids]
    found = {
        m.id: ThemeExample(m.id, m.ticket_id, m.text)
        for m in db.session.execute(select(Message.id, Message.ticket_id, Message.text).where(Message.id.in_(ids or [-1])))
    }
    return [(theme, [found[i] for i in theme.example_ids if i in found]) for theme in themes], exported
