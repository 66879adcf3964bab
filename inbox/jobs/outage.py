"""Telling the database's absence from a job's own failure.

A job that fails because the database is away (or its connection broke) did nothing wrong: it is
tried again once the database can answer. A job that fails on its data or on a bug fails, and an
admin sees it on the failed list."""
from __future__ import annotations

from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

# PostgreSQL: deadlock, serialization failure, lock not available; SQLite: "database is locked"
_CONFLICT_CODES = {"40P01", "40001", "55P03"}


def is_conflict(exc: BaseException) -> bool:
    """Two workers deciding on the same rows: trying the batch again resolves it."""
    if isinstance(exc, IntegrityError):
        return True
    if isinstance(exc, OperationalError):
        code = getattr(getattr(exc, "orig", None), "sqlstate", None)
        return code in _CONFLICT_CODES or "database is locked" in str(exc.orig)
    return False


def is_outage(exc: BaseException) -> bool:
    """The database is away (or the connection broke): not the batch's fault, retried by RQ later."""
    return isinstance(exc, DBAPIError) and (exc.connection_invalidated or isinstance(exc, OperationalError)) and not is_conflict(exc)


def is_unavailable(exc: BaseException) -> bool:
    """The database did not serve the job at all: away, connection broken, or held by another writer
    for longer than anyone waits (SQLite's locked file, PostgreSQL's lock timeouts and deadlocks).
    A refused row (IntegrityError) is not among them: that is the data's problem."""
    return isinstance(exc, DBAPIError) and (exc.connection_invalidated or isinstance(exc, OperationalError))
