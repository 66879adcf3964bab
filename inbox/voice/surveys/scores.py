"""CSAT, NPS and CES from survey answers. `survey_scores` is what dashboards call."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from ...extensions import db
from .models import SurveyInvitation, SurveyResponse

SCALES = {"csat": (1, 5), "nps": (0, 10), "ces": (1, 7)}


@dataclass
class ScoreTally:
    """Answers added one by one; every figure derives from counts, so tallies can be merged and tested."""

    csat: list[int] = field(default_factory=lambda: [0] * 6)
    nps: list[int] = field(default_factory=lambda: [0] * 11)
    ces: list[int] = field(default_factory=lambda: [0] * 8)

    def add(self, csat: int, extra_question: str = "", extra_score: int | None = None) -> None:
        self.csat[csat] += 1
        if extra_question in ("nps", "ces") and extra_score is not None:
            getattr(self, extra_question)[extra_score] += 1

    @property
    def responses(self) -> int:
        return sum(self.csat)

    @property
    def csat_mean(self) -> float | None:
        return _mean(self.csat)

    @property
    def csat_satisfied_share(self) -> float | None:
        """The usual CSAT figure: share of 4s and 5s."""
        total = sum(self.csat)
        return (self.csat[4] + self.csat[5]) / total if total else None

    @property
    def nps_responses(self) -> int:
        return sum(self.nps)

    @property
    def nps_score(self) -> float | None:
        """% promoters (9–10) − % detractors (0–6), from −100 to +100."""
        total = sum(self.nps)
        return 100.0 * (sum(self.nps[9:]) - sum(self.nps[:7])) / total if total else None

    @property
    def ces_responses(self) -> int:
        return sum(self.ces)

    @property
    def ces_mean(self) -> float | None:
        return _mean(self.ces)


def _mean(counts: list[int]) -> float | None:
    total = sum(counts)
    return sum(score * n for score, n in enumerate(counts)) / total if total else None


@dataclass(frozen=True)
class Figure:
    responses: int
    mean: float | None = None
    satisfied_share: float | None = None
    score: float | None = None


@dataclass(frozen=True)
class SurveyScores:
    invitations: int
    csat: Figure
    nps: Figure
    ces: Figure

    @property
    def response_rate(self) -> float | None:
        return self.csat.responses / self.invitations if self.invitations else None


def scores_of(tally: ScoreTally, invitations: int) -> SurveyScores:
    return SurveyScores(
        invitations=invitations,
        csat=Figure(tally.responses, tally.csat_mean, tally.csat_satisfied_share),
        nps=Figure(tally.nps_responses, score=tally.nps_score),
        ces=Figure(tally.ces_responses, tally.ces_mean),
    )


def survey_scores(start: datetime, end: datetime, channel: str | None = None) -> SurveyScores:
    """CSAT / NPS / CES of the answers given in [start, end) (optionally one channel type).

    Reads only; safe to call from any page or job. Invitations are counted by when they were made.
    """
    answers = select(SurveyResponse.csat, SurveyResponse.extra_question, SurveyResponse.extra_score).where(
        SurveyResponse.answered_at >= start, SurveyResponse.answered_at < end)
    invited = select(func.count()).select_from(SurveyInvitation).where(
        SurveyInvitation.created_at >= start, SurveyInvitation.created_at < end)
    if channel:
        answers = answers.where(SurveyResponse.channel == channel)
        invited = invited.where(SurveyInvitation.channel == channel)
    tally = ScoreTally()
    for csat, extra_question, extra_score in db.session.execute(answers):
        tally.add(csat, extra_question, extra_score)
    return scores_of(tally, db.session.scalar(invited) or 0)
