"""Eight weeks of demo history: placed relative to the moment the demo is made, stored through the real
ingest and SLA writer, so the dashboard's weekly figures, its trends and the exports have a shape."""
from __future__ import annotations

from collections import Counter
from statistics import median
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from inbox.demo.history import HISTORY_WEEKS, past_conversations
from inbox.extensions import db
from inbox.setup import seed_demo_channels
from inbox.tickets.models import Message, Ticket
from inbox.tickets.reports.metrics import report
from inbox.tickets.sla.models import SlaOutcome

NOW = datetime(2026, 11, 24, 9, 30, tzinfo=timezone.utc)


def test_history_covers_eight_weeks_before_now_and_is_deterministic():
    history = past_conversations(NOW)
    assert history == past_conversations(NOW)
    opened = [datetime.fromisoformat(p.records[0]["created_at"]) for p in history]
    assert max(opened) < NOW - timedelta(hours=12)
    assert min(opened) >= NOW - timedelta(weeks=HISTORY_WEEKS, days=1)
    weeks = Counter((NOW - moment).days // 7 for moment in opened)
    assert sorted(weeks) == list(range(HISTORY_WEEKS))
    assert all(count >= 20 for count in weeks.values()), weeks
    assert {p.account for p in history} == {"Demo X", "Demo SMS", "Demo Email"}
    for past in history:
        times = [datetime.fromisoformat(r["created_at"]) for r in past.records]
        assert times == sorted(times) and times[-1] < NOW
        assert past.records[1]["direction"] == "outbound" and past.records[1]["in_reply_to"] == past.records[0]["external_id"]
        assert past.resolved_at is None or times[-1] < past.resolved_at < NOW


def test_first_responses_are_realistic_per_channel_and_get_faster_week_by_week():
    answered: list[tuple[str, int, float]] = []  # (account, weeks ago, minutes to the first response)
    for past in past_conversations(NOW):
        opened, answer = (datetime.fromisoformat(r["created_at"]) for r in past.records[:2])
        answered.append((past.account, (NOW - opened).days // 7, (answer - opened).total_seconds() / 60))
    waits = {account: [m for a, _w, m in answered if a == account] for account in ("Demo X", "Demo SMS", "Demo Email")}
    typical = {account: median(minutes) for account, minutes in waits.items()}
    assert 20 < typical["Demo SMS"] < typical["Demo X"] < typical["Demo Email"] < 24 * 60
    for account, limit in {"Demo X": 4 * 60, "Demo SMS": 2 * 60, "Demo Email": 24 * 60}.items():
        share = sum(w > limit for w in waits[account]) / len(waits[account])
        assert 0.01 < share < 0.25, (account, share)  # some late, most on time
    # relative to each channel's typical wait, the oldest two weeks were slower than the newest two
    relative = [(weeks, minutes / typical[account]) for account, weeks, minutes in answered]
    assert median(r for w, r in relative if w >= HISTORY_WEEKS - 2) > median(r for w, r in relative if w < 2)


def test_a_later_demo_places_its_history_before_its_own_moment():
    then = NOW + timedelta(days=400, hours=5)
    opened = [datetime.fromisoformat(p.records[0]["created_at"]) for p in past_conversations(then)]
    assert then - timedelta(weeks=HISTORY_WEEKS, days=1) <= min(opened) and max(opened) < then


def test_seeded_history_gives_every_week_resolved_tickets_sla_outcomes_and_sentiment(app):
    with app.app_context():
        seed_demo_channels(force=True)
        now = datetime.now(timezone.utc)
        metrics = report(now - timedelta(weeks=HISTORY_WEEKS, days=1), now, now)
        assert len(metrics.by_week) >= HISTORY_WEEKS, list(metrics.by_week)
        for week, figures in metrics.by_week.items():
            assert figures.tickets > 0, week
        full_weeks = [f for week, f in list(metrics.by_week.items())[1:-1]]
        for figures in full_weeks:
            assert figures.resolved > 0 and figures.frt_mean() is not None and figures.ttr_mean() is not None
        total = metrics.total
        assert total.resolved >= 300
        # realistic: most first responses on time, some late
        assert 60 < total.compliance < 99, total.compliance
        for channel in ("x", "sms", "email"):
            assert metrics.by_channel[channel].answered > 0
        outcomes = db.session.scalar(select(func.count()).select_from(SlaOutcome))
        assert outcomes >= total.tickets
        labels = Counter(db.session.scalars(select(Message.sentiment_label).where(Message.direction == "inbound",
                                                                            Message.external_id.like("hist-%"))))
        assert {"negative", "neutral", "positive"} <= set(labels), labels
        resolved = db.session.scalar(select(func.count()).select_from(Ticket).where(Ticket.status == "resolved"))
        assert resolved == total.resolved
