"""Per day × channel sentiment figures: pure accumulation, no database."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from .surveys.scores import ScoreTally

LABELS = ("negative", "neutral", "positive")


@dataclass
class DayChannel:
    messages: int = 0
    labels: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LABELS, 0))
    score_sum: float = 0.0
    scored: int = 0
    tickets_opened: int = 0
    tickets_resolved: int = 0
    surveys: ScoreTally = field(default_factory=ScoreTally)

    @property
    def labelled(self) -> int:
        return sum(self.labels.values())

    @property
    def net_sentiment(self) -> float | None:
        """(positive − negative) ÷ labelled messages, from −1 (all negative) to +1 (all positive)."""
        total = self.labelled
        return (self.labels["positive"] - self.labels["negative"]) / total if total else None

    @property
    def mean_score(self) -> float | None:
        return self.score_sum / self.scored if self.scored else None


class WeekSummary:
    """Accumulates one week's messages and ticket events into day × channel cells."""

    def __init__(self, days: list[date], channels: set[str] | None = None) -> None:
        self.days = days
        self.channels: set[str] = set(channels or ())
        self.cells: dict[tuple[date, str], DayChannel] = {}

    def cell(self, day: date, channel: str) -> DayChannel:
        self.channels.add(channel)
        found = self.cells.get((day, channel))
        if found is None:
            found = self.cells[(day, channel)] = DayChannel()
        return found

    def add_message(self, day: date, channel: str, label: str | None, score: float | None) -> None:
        cell = self.cell(day, channel)
        cell.messages += 1
        if label in cell.labels:
            cell.labels[label] += 1
        if score is not None:
            cell.score_sum += score
            cell.scored += 1

    def add_opened(self, day: date, channel: str) -> None:
        self.cell(day, channel).tickets_opened += 1

    def add_resolved(self, day: date, channel: str) -> None:
        self.cell(day, channel).tickets_resolved += 1

    def add_survey_answer(self, day: date, channel: str, csat: int, extra_question: str, extra_score: int | None) -> None:
        self.cell(day, channel).surveys.add(csat, extra_question, extra_score)

    def rows(self) -> list[tuple[date, str, DayChannel]]:
        """Every day of the week for every channel seen, zeros included, so charts have no gaps."""
        return [(day, channel, self.cells.get((day, channel)) or DayChannel())
                for day in self.days for channel in sorted(self.channels)]
