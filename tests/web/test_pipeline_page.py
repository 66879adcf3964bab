"""The admin pipeline page: failed jobs with their error and a retry button, input set aside with its
reason (escaped), and pages that need Redis saying it is away instead of failing."""
from __future__ import annotations

from rq.registry import FailedJobRegistry

from inbox.channels import get_or_create_account
from inbox.channels.quarantine import quarantine
from inbox.connectors.base import Rejected
from inbox.extensions import db
from inbox.jobqueue import DEFAULT_QUEUE, get_queue
from tests.chaos.conftest import spare_port
from tests.workspace import login, token, user


def test_failed_job_is_listed_with_its_error_and_can_be_retried(client, run_jobs):
    queue = get_queue(DEFAULT_QUEUE)
    job = queue.enqueue("json.loads", "{not json")  # a job that fails on every attempt
    run_jobs()
    assert FailedJobRegistry(queue=queue).count == 1
    admin = login(client, user("admin", "Ann Admin").email)
    page = admin.get("/admin/pipeline").get_data(as_text=True)
    assert job.id in page and "JSONDecodeError" in page
    response = admin.post(f"/admin/pipeline/jobs/{job.id}/retry", data={"csrf_token": token(admin)}, follow_redirects=True)
    assert "Job queued again." in response.get_data(as_text=True)
    assert FailedJobRegistry(queue=queue).count == 0 and job.id in queue.job_ids
    assert client.get("/healthz").get_json()["failed_jobs"] == 0


def test_set_aside_input_is_listed_with_its_reason_and_shown_escaped(client):
    account, _ = get_or_create_account("SMS import", "jsonl", "sms")
    quarantine(account.id, "import", [Rejected("sms.jsonl line 7", "text contains a NUL character",
                                               '{"text": "<script>alert(1)</script>"}')])
    db.session.commit()
    admin = login(client, user("admin", "Ann Admin").email)
    page = admin.get("/admin/pipeline").get_data(as_text=True)
    assert "sms.jsonl line 7" in page and "text contains a NUL character" in page and "SMS import" in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert client.get("/healthz").get_json()["rejected_messages"] == 1


def test_pages_that_need_redis_say_it_is_unavailable(client, app, monkeypatch):
    lead = login(client, user("lead", "Lee Lead").email)
    # the app's Redis goes away: a client for a port nobody listens on
    from inbox.redis_client import connect

    monkeypatch.setitem(app.extensions, "inbox_redis", connect(f"redis://127.0.0.1:{spare_port()}/0"))
    response = lead.post("/voice/exports", data={"week": "2026-W47", "csrf_token": token(lead)}, follow_redirects=True)
    assert response.status_code == 200
    assert "not queued: the job queue (Redis) is unavailable" in response.get_data(as_text=True)
    health = client.get("/healthz")
    assert health.status_code == 503 and health.get_json()["redis"] == "error"
    assert lead.get("/").status_code == 200  # the inbox itself never needed Redis to answer
