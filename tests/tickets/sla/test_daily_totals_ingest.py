"""The per-day SLA totals stay equal to the outcome rows when ingest writes them behind the flush (a multi-row
INSERT for new tickets, an executemany UPDATE for known ones)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from inbox.channels import get_or_create_account
from inbox.connectors.jsonl import message_from_record
from inbox.extensions import db
from inbox.sentiment import Sentiment
from inbox.tickets.ingest import ingest_messages
from inbox.tickets.sla import daily
from inbox.tickets.sla.models import SlaDailyTotal
from tests.helpers import ago, message


def _totals() -> list[tuple]:
    rows = db.session.execute(select(SlaDailyTotal).order_by(SlaDailyTotal.opened_day, SlaDailyTotal.channel,
                                                              SlaDailyTotal.assignee_id)).scalars()
    return [tuple(getattr(r, k) for k in daily.KEYS + daily.MEASURES) for r in rows]


def _ingest(account, records: list[dict]) -> None:
    ingest_messages(account, [message_from_record(r) for r in records],
                    [Sentiment("negative", 0.9, "test-fixture")] * len(records), timedelta(days=7))
    db.session.commit()


def test_ingested_batches_keep_the_daily_totals_equal_to_a_recount(app):
    account, _ = get_or_create_account("Support", "jsonl", "sms")
    _ingest(account, [message(f"m{n}", f"conv{n % 11}", f"order {n} late?", ago(days=n % 3, minutes=n + 1),
                              author=f"c{n % 7}") for n in range(40)])
    assert _totals(), "ingest wrote no daily totals"
    # the same conversations again: the known tickets' outcome rows change through the executemany UPDATE
    _ingest(account, [message(f"n{n}", f"conv{n % 11}", "still waiting", ago(minutes=n + 1), author=f"c{n % 7}")
                      for n in range(15)])
    stored = _totals()
    daily.rebuild_all(db.session.connection())
    db.session.commit()
    assert stored == _totals()
