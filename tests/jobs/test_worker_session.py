"""A job that fails on a dead database connection does not take the jobs after it down with it."""
from __future__ import annotations

from sqlalchemy import text

from inbox.extensions import db
from inbox.jobqueue import get_queue


def lose_the_connection_mid_transaction() -> None:
    """What a network cut does to the worker's session: the transaction's connection is gone."""
    db.session.execute(text("SELECT 1"))
    db.session.connection().invalidate()
    raise ConnectionError("server closed the connection unexpectedly")


def read_the_database() -> int:
    return db.session.execute(text("SELECT 1")).scalar_one()


def test_the_job_after_a_lost_connection_runs(app, run_jobs):
    queue = get_queue("default")
    broken = queue.enqueue(f"{__name__}.lose_the_connection_mid_transaction")
    after = queue.enqueue(f"{__name__}.read_the_database")
    run_jobs()
    assert broken.get_status(refresh=True) == "failed"
    assert after.get_status(refresh=True) == "finished", after.latest_result().exc_string
    assert after.return_value() == 1
