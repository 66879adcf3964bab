"""SLA outcomes, the lead dashboard's figures and the exports: what a BI tool pulls."""
from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

from flask import Response, send_file, stream_with_context, url_for

from ...audit import record_now
from ...config import workspace_zone
from ...extensions import db
from ...security.params import MAX_DATE, MIN_DATE
from ...tickets.read.sla_words import explain
from ...tickets.reports.csv_export import day_range, ticket_csv
from ...tickets.reports.dashboard import queues
from ...tickets.reports.metrics import Aggregate, report
from ...tickets.sla.models import SlaOutcome
from ...tickets.sla.outcomes import replay_ticket
from ...timeutil import utcnow
from ...voice.files import list_exports, stored_export
from .. import schemas
from ..auth import Caller
from ..blueprint import bp
from ..problems import ApiProblem
from ..spec import operation
from .tickets import ticket_or_404

MAX_RANGE_DAYS = 3 * 366


@operation(bp, "get", "/tickets/{ticket_id}/sla", summary="A ticket's SLA outcome", tag="sla", response=schemas.SlaOutcome)
def ticket_sla(caller: Caller, ticket_id: int) -> schemas.SlaOutcome:
    """Each clock's state (met, missed, running, paused), its due time and the measured times, from the
    stored outcome row; `history` explains the replayed clocks in words."""
    ticket = ticket_or_404(ticket_id)
    row = db.session.get(SlaOutcome, ticket_id)
    history = [explain(clock, workspace_zone()) for clock in replay_ticket(ticket).clocks]
    get = (lambda name, default=None: getattr(row, name) if row is not None else default)
    return schemas.SlaOutcome(
        ticket_id=ticket.id, policy_id=ticket.sla_policy_id,
        first_response_state=get("first_response_state", "none"), first_response_missed_reason=get("first_response_missed_reason"),
        first_response_due_at=get("first_response_due_at"), first_response_at=get("first_response_at"),
        frt_seconds=get("frt_seconds"), frt_business_seconds=get("frt_business_seconds"),
        next_response_state=get("next_response_state", "none"), next_response_due_at=get("next_response_due_at"),
        next_response_met=get("next_response_met", 0), next_response_missed=get("next_response_missed", 0),
        resolution_state=get("resolution_state", "none"), resolution_due_at=get("resolution_due_at"),
        resolved_at=get("resolved_at"), ttr_seconds=get("ttr_seconds"), ttr_business_seconds=get("ttr_business_seconds"),
        history=history,
    )


RANGE_REFUSALS = ("“from” or “to” not a day written YYYY-MM-DD between 1970-01-01 and 2999-12-31 (“to=0” included)",
                  f"more than {MAX_RANGE_DAYS} days at once")


def _range(query: schemas.RangeQuery, default_days: int) -> tuple[date, date]:
    today = utcnow().astimezone(workspace_zone()).date()
    start = query.start or today - timedelta(days=default_days)
    end = query.end or today
    for value, name in ((start, "from"), (end, "to")):
        if not MIN_DATE <= value <= MAX_DATE:
            raise ApiProblem(422, f"“{name}” must be a date between {MIN_DATE} and {MAX_DATE}.")
    end = max(end, start)  # as on the dashboard: a range that ends before it starts is its first day
    if (end - start).days > MAX_RANGE_DAYS:
        raise ApiProblem(422, f"At most {MAX_RANGE_DAYS} days at once.")
    return start, end


def _seconds(span: timedelta | None) -> float | None:
    return None if span is None else round(span.total_seconds(), 3)


def _figures(agg: Aggregate) -> schemas.Figures:
    compliance = agg.compliance
    return schemas.Figures(
        tickets=agg.tickets, resolved=agg.resolved, answered=agg.answered, met=agg.met, missed=agg.missed,
        frt_mean_seconds=_seconds(agg.frt_mean()), frt_business_mean_seconds=_seconds(agg.frt_mean(True)),
        nrt_mean_seconds=_seconds(agg.nrt_mean()), ttr_mean_seconds=_seconds(agg.ttr_mean()),
        ttr_business_mean_seconds=_seconds(agg.ttr_mean(True)),
        compliance_percent=None if compliance is None else round(compliance, 2))


def _groups(groups: dict[Any, Aggregate]) -> list[schemas.Group]:
    return [schemas.Group(key="none" if key is None else str(key), figures=_figures(agg)) for key, agg in groups.items()]


@operation(bp, "get", "/reports/sla", summary="SLA compliance, FRT, NRT and TTR", tag="reports", role="lead",
           query=schemas.RangeQuery, response=schemas.SlaReport, refusals=RANGE_REFUSALS)
def sla_report(caller: Caller, query: schemas.RangeQuery) -> schemas.SlaReport:
    """The lead dashboard's team metrics for tickets opened between `from` and `to` (days in the
    workspace time zone): in total, per channel, per agent and per ISO week."""
    start, end = _range(query, 8 * 7)
    lo, hi = day_range(start, end, workspace_zone())
    metrics = report(lo, hi, utcnow())
    return schemas.SlaReport(start=start, end=end, time_zone=str(workspace_zone()), total=_figures(metrics.total),
                             by_channel=_groups(metrics.by_channel), by_assignee=_groups(metrics.by_assignee),
                             by_week=_groups(metrics.by_week))


@operation(bp, "get", "/reports/dashboard", summary="Breached, at risk, unassigned and load per agent", tag="reports",
           role="lead", response=schemas.Dashboard)
def dashboard(caller: Caller) -> schemas.Dashboard:
    q = queues(utcnow())
    return schemas.Dashboard(
        breached=q.breached, at_risk=q.at_risk, unassigned=q.unassigned,
        oldest_unassigned_ticket_ids=[t.id for t in q.unassigned_tickets],
        load=[schemas.AgentLoad(assignee_id=u.id if u else None, name=u.name if u else "Unassigned", open_tickets=n)
              for u, n in q.load])


@operation(bp, "get", "/reports/tickets.csv", summary="Per-ticket SLA CSV", tag="exports", role="lead",
           query=schemas.RangeQuery, produces="text/csv", refusals=RANGE_REFUSALS)
def tickets_csv(caller: Caller, query: schemas.RangeQuery) -> Response:
    """The dashboard's per-ticket export (one row per ticket opened in the range)."""
    start, end = _range(query, 30)
    lo, hi = day_range(start, end, workspace_zone())
    name = f"sla-tickets-{start}-{end}.csv"
    record_now("export_downloaded", caller.user, ("exports", name, name), {"kind": "SLA tickets", "via": "api"})
    return Response(stream_with_context(ticket_csv(lo, hi, workspace_zone(), utcnow())), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@operation(bp, "get", "/exports", summary="Weekly sentiment exports", tag="exports", role="lead", response=schemas.ExportList)
def exports(caller: Caller) -> schemas.ExportList:
    """The weekly exports written so far (newest first), with a download URL per file."""
    items = [schemas.WeekExport(week=w.week, complete=w.complete, files=[
        schemas.ExportFile(name=f.name, size=f.size, url=url_for("api.export_download", filename=f.name))
        for f in w.files.values()]) for w in list_exports()]
    return schemas.ExportList(items=items)


@operation(bp, "get", "/exports/{filename}", summary="Download one weekly export file", tag="exports", role="lead",
           produces="text/csv")
def export_download(caller: Caller, filename: str) -> Response:
    stored = stored_export(filename)
    if stored is None:
        raise ApiProblem(404, "No such export file.")
    record_now("export_downloaded", caller.user, ("exports", filename, filename), {"kind": "weekly sentiment", "via": "api"})
    response = send_file(io.BytesIO(stored.content), mimetype="text/csv", as_attachment=True, download_name=filename,
                         max_age=0, last_modified=stored.created_at)
    response.headers["Cache-Control"] = "no-store"
    return response
