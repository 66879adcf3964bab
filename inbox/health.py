"""The installation's health: what `inbox doctor` prints and `/healthz` returns."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from alembic.script import ScriptDirectory
from redis.exceptions import RedisError
from rq.scheduler import RQScheduler
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import DBAPIError

from .channels.models import ChannelAccount
from .channels.quarantine import rejection_count
from .config import MIGRATIONS_DIR
from .extensions import db
from .jobqueue import ALL_QUEUES, DEFAULT_QUEUE, get_queue
from .jobs.failures import failed_count
from .jobs.reaper import live_workers
from .leader import KEY_PREFIX
from .redis_client import durability, get_redis
from .translatable import N_


@dataclass(frozen=True)
class Check:
    name: str
    level: str  # ok | warning | error
    detail: str

    @property
    def symbol(self) -> str:
        return {"ok": "✓", "warning": "!", "error": "✗"}[self.level]


@dataclass
class Report:
    checks: list[Check] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def errors(self) -> int:
        return sum(1 for c in self.checks if c.level == "error")

    def level_of(self, name: str) -> str | None:
        return next((c.level for c in self.checks if c.name == name), None)


def schema_problem() -> str | None:
    """Why the database cannot be used as it is (unreachable, never migrated, behind), or None."""
    head = ScriptDirectory(MIGRATIONS_DIR).get_current_head()
    try:
        with db.engine.connect() as connection:
            if not inspect(connection).has_table("alembic_version"):
                return N_("the database has no tables yet: run `inbox migrate` first")
            current = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except DBAPIError as exc:
        first_line = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else str(exc)
        return N_("cannot reach the database (%(reason)s)", reason=first_line[:300])
    if current != head:
        return N_("the database is at revision %(current)s, this code needs %(head)s: run `inbox migrate`",
                  current=current or "none", head=head)
    return None


def run_checks(deep: bool = True) -> Report:
    """Database and Redis always; with `deep`, also workers, scheduler, queues, failures and accounts."""
    report = Report()
    problem = schema_problem()
    report.checks.append(Check(N_("database"), "error" if problem else "ok", problem or N_("reachable and migrated")))
    try:
        redis = get_redis()
        redis.ping()
    except RedisError as exc:
        report.checks.append(Check(N_("redis"), "error", N_("unreachable (%(reason)s)", reason=str(exc))))
        return report
    report.checks.append(Check(N_("redis"), "ok", N_("reachable")))
    kept = durability(redis)
    report.checks.append(Check(N_("redis persistence"), "ok" if kept.ok else "warning", kept.detail))
    report.facts["redis_aof"] = kept.ok
    if not deep:
        return report
    try:
        _pipeline_checks(report, redis)
    except RedisError as exc:
        report.checks.append(Check(N_("queues"), "error", N_("Redis failed while checking (%(reason)s)", reason=str(exc))))
    if not problem:
        _database_checks(report)
    return report


def _pipeline_checks(report: Report, redis: Any) -> None:
    workers = live_workers(redis)
    report.facts["workers"] = len(workers)
    report.checks.append(Check(N_("workers"), "ok" if workers else "error",
                               N_("%(count)s running", count=len(workers)) if workers
                               else N_("no worker is running: fetched messages wait in the queue")))
    dedicated = _lease_holder(redis, "scheduler")
    scheduler = dedicated or redis.get(RQScheduler.get_locking_key(DEFAULT_QUEUE))
    report.checks.append(Check(N_("scheduler"), "ok" if scheduler else "warning",
                               N_("`inbox scheduler` active on %(host)s", host=dedicated) if dedicated
                               else N_("one worker is scheduling (SLA sweep, retries, weekly export)") if scheduler
                               else N_("no scheduler is active yet (retries and the SLA sweep wait)")))
    poller = _lease_holder(redis, "poller")
    report.checks.append(Check(N_("poller"), "ok" if poller else "warning",
                               N_("active on %(host)s", host=poller) if poller
                               else N_("no poller is running (`inbox poller`): channel accounts are not fetched")))
    depths = {name: get_queue(name).count for name in ALL_QUEUES}
    report.facts["queued"] = depths
    report.checks.append(Check(N_("queues"), "ok", ", ".join(f"{name} {count}" for name, count in depths.items())))
    failed = failed_count(redis)
    report.facts["failed_jobs"] = failed
    report.checks.append(Check(N_("failed jobs"), "warning" if failed else "ok",
                               N_("%(count)s job(s) failed after every retry: see /admin/pipeline", count=failed) if failed
                               else N_("none")))


def _lease_holder(redis: Any, role: str) -> str | None:
    holder = redis.get(KEY_PREFIX + role)
    return holder.decode() if isinstance(holder, bytes) else holder


def _database_checks(report: Report) -> None:
    try:
        rejected = rejection_count()
        report.facts["rejected_messages"] = rejected
        report.checks.append(Check(N_("set-aside input"), "warning" if rejected else "ok",
                                   N_("%(count)s item(s) could not be stored: see /admin/pipeline", count=rejected) if rejected
                                   else N_("none")))
        troubled = [a for a in db.session.scalars(select(ChannelAccount).where(ChannelAccount.enabled.is_(True)))
                    if a.status in ("needs_attention", "error")]
        report.checks.append(Check(N_("channel accounts"), "warning" if troubled else "ok",
                                   ", ".join(f"{a.name}: {a.status_detail or a.status}"[:200] for a in troubled) or N_("all polling")))
    except DBAPIError as exc:
        db.session.rollback()
        report.checks.append(Check(N_("channel accounts"), "error",
                                   N_("database failed while checking (%(reason)s)", reason=str(exc.orig)[:200])))
