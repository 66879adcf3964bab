"""Webhooks: events after commit, signed deliveries a receiver verifies with the documented snippet,
retries against a receiver that fails, the delivery log and redelivery, refusal of internal targets."""
from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from inbox.extensions import db
from inbox.webhooks.models import WebhookDelivery, WebhookSubscription
from inbox.webhooks.service import WebhookError, create_subscription
from tests.helpers import csrf_token
from tests.workspace import login, open_ticket, user

DOCS = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def documented_verifier():
    """The verification snippet of docs/api.md, run as a receiver would paste it."""
    text = DOCS.read_text()
    block = re.search(r"<!-- verify-snippet[^>]*-->\s*```python\n(.*?)```", text, re.DOTALL).group(1)
    namespace: dict = {}
    exec(compile(block, str(DOCS), "exec"), namespace)  # noqa: S102  our own documentation
    return namespace["verify_inbox_webhook"]


def _deliveries(event_type: str | None = None) -> list[WebhookDelivery]:
    query = select(WebhookDelivery).order_by(WebhookDelivery.id)
    if event_type:
        query = query.where(WebhookDelivery.event_type == event_type)
    db.session.expire_all()
    return list(db.session.scalars(query))


def test_events_are_delivered_signed_and_verify_with_the_documented_snippet(app, receiver, run_jobs):
    subscription = create_subscription("CRM", receiver.url, ["ticket.created", "message.received", "ticket.assigned"], None)
    ticket = open_ticket("c1", "my parcel never arrived")
    agent = user("agent")
    from inbox.tickets.workspace.assignment import take_ticket

    take_ticket(ticket, agent)
    run_jobs()
    assert {d.event_type for d in _deliveries()} == {"ticket.created", "message.received", "ticket.assigned"}
    assert all(d.state == "delivered" and d.response_code == 200 and d.attempts == 1 for d in _deliveries())
    verify = documented_verifier()
    bodies = {}
    for _, headers, body in receiver.received:
        assert verify(subscription.secret, headers, body)
        assert not verify("whsec_wrong", headers, body)
        assert not verify(subscription.secret, headers, body + b" ")
        payload = json.loads(body)
        assert headers["Inbox-Event-Id"] == payload["id"] and headers["Inbox-Event"] == payload["type"]
        bodies[payload["type"]] = payload
    assert bodies["message.received"]["data"]["message"]["text"] == "my parcel never arrived"
    assert bodies["ticket.assigned"]["data"]["to"] == agent.id
    assert bodies["ticket.assigned"]["data"]["ticket"]["assignee_id"] == agent.id
    assert bodies["ticket.created"]["data"]["ticket"]["id"] == ticket.id


def test_the_documented_snippet_refuses_an_old_timestamp(app):
    import time

    from inbox.webhooks.signing import signed_headers

    verify = documented_verifier()
    body = b'{"id":"evt_1"}'
    old = signed_headers("whsec_x", int(time.time()) - 3600, body, "evt_1", "ticket.created")
    fresh = signed_headers("whsec_x", int(time.time()), body, "evt_1", "ticket.created")
    assert verify("whsec_x", fresh, body) and not verify("whsec_x", old, body)


def test_a_failing_receiver_gets_retries_until_it_answers(app, receiver, run_jobs, quick_retries):
    create_subscription("flaky", receiver.url, ["ticket.created"], None)
    receiver.statuses = [500, 503, 502]
    open_ticket("c1")
    run_jobs()
    (delivery,) = _deliveries()
    assert [status for status, _, _ in receiver.received] == [500, 503, 502, 200]
    assert delivery.state == "delivered" and delivery.attempts == 4 and delivery.response_code == 200
    assert [h["status"] for h in delivery.history] == [500, 503, 502, 200]
    assert all(h["duration_ms"] is not None for h in delivery.history)
    # every attempt carries the same event id, each signed afresh
    assert len({h["Inbox-Event-Id"] for _, h, _ in receiver.received}) == 1


def test_a_receiver_that_never_answers_2xx_ends_failed(app, receiver, run_jobs, quick_retries):
    create_subscription("down", receiver.url, ["ticket.created"], None)
    receiver.statuses = [500] * 10
    open_ticket("c1")
    run_jobs()
    (delivery,) = _deliveries()
    assert delivery.state == "failed" and delivery.attempts == 5 and delivery.response_code == 500
    assert len(receiver.received) == 5


def test_the_real_retry_schedule_backs_off_for_about_a_day(app, receiver, run_jobs):
    from rq.registry import ScheduledJobRegistry

    from inbox.jobqueue import DELIVERY_QUEUE, JOBS, get_queue
    from inbox.timeutil import utcnow

    waits = JOBS["webhook"].retry
    assert timedelta(hours=23) < timedelta(seconds=sum(waits)) <= timedelta(hours=24)
    assert list(waits[:7]) == sorted(waits[:7]) and waits[0] == 60  # growing waits, then every few hours
    create_subscription("slow", receiver.url, ["ticket.created"], None)
    receiver.statuses = [500]
    open_ticket("c1")
    before = utcnow()
    run_jobs()
    (delivery,) = _deliveries()
    assert delivery.state == "retrying" and delivery.attempts == 1
    assert before + timedelta(seconds=55) < delivery.next_attempt_at < utcnow() + timedelta(seconds=65)
    assert f"webhook-{delivery.id}" in ScheduledJobRegistry(queue=get_queue(DELIVERY_QUEUE)).get_job_ids()


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/hook", "http://localhost/hook", "http://169.254.169.254/latest/meta-data",
                                 "http://10.0.0.5/hook", "http://[::1]/hook", "http://[::ffff:192.168.1.1]/hook", "ftp://example.com/x"])
def test_internal_targets_are_refused_when_saved(app, url):
    with pytest.raises(WebhookError):
        create_subscription("internal", url, ["ticket.created"], None)
    assert db.session.scalar(select(WebhookSubscription)) is None


def test_a_target_that_became_internal_is_refused_at_delivery_without_retrying(app, receiver, run_jobs, monkeypatch):
    create_subscription("was allowed", receiver.url, ["ticket.created"], None)
    monkeypatch.delenv("INBOX_OUTBOUND_ALLOW")  # the admin took 127.0.0.1 off the allow-list
    open_ticket("c1")
    run_jobs()
    (delivery,) = _deliveries()
    assert delivery.state == "failed" and delivery.attempts == 1 and delivery.error.startswith("refused:")
    assert receiver.received == []


def test_admin_pages_log_and_redeliver(app, client, receiver, run_jobs):
    user("admin")
    login(client, "admin@example.com")
    page = client.get("/admin/webhooks")
    refused = client.post("/admin/webhooks", data={"name": "meta", "url": "http://169.254.169.254/", "events": ["ticket.created"],
                                                  "csrf_token": csrf_token(page)})
    assert refused.status_code == 422 and b"refused" in refused.data
    created = client.post("/admin/webhooks", data={"name": "BI", "url": receiver.url, "events": ["ticket.created"],
                                                  "csrf_token": csrf_token(page)})
    assert created.status_code == 302
    subscription = db.session.scalar(select(WebhookSubscription))
    open_ticket("c1")
    run_jobs()
    detail = client.get(f"/admin/webhooks/{subscription.id}")
    assert b"delivered" in detail.data and b"ticket.created" in detail.data and subscription.secret.encode() in detail.data
    (first,) = _deliveries()
    again = client.post(f"/admin/webhook-deliveries/{first.id}/redeliver", data={"csrf_token": csrf_token(detail)})
    assert again.status_code == 302
    run_jobs()
    deliveries = _deliveries()
    assert len(deliveries) == 2 and deliveries[1].event_id == first.event_id and deliveries[1].state == "delivered"
    assert [json.loads(b)["id"] for _, _, b in receiver.received] == [first.event_id, first.event_id]


def test_sla_events_from_the_sweep_and_the_breach_webhook_field(app, client, receiver, run_jobs, monkeypatch):
    from inbox.jobqueue import enqueue

    user("admin")
    login(client, "admin@example.com")
    page = client.get("/admin/sla")
    assert client.post("/admin/sla/webhook", data={"url": receiver.url, "csrf_token": csrf_token(page)}).status_code == 302
    subscription = db.session.scalar(select(WebhookSubscription))
    assert subscription.events == ["sla.breached"] and subscription.url == receiver.url
    late = open_ticket("late", minutes_ago=10 * 60)
    monkeypatch.setitem(app.config, "INBOX_PUBLIC_URL", "https://inbox.test.example/care")  # payload links leave the system
    enqueue("sla_sweep")
    run_jobs()
    payloads = [json.loads(b) for _, _, b in receiver.received]
    assert [(p["type"], p["data"]["ticket"]["id"], p["data"]["target"]) for p in payloads] == [("sla.breached", late.id, "first_response")]
    assert payloads[0]["data"]["ticket_url"] == f"https://inbox.test.example/care/tickets/{late.id}"
    enqueue("sla_sweep")
    run_jobs()
    assert len(receiver.received) == 1  # each deadline breaches once
    # emptying the field turns the subscription off
    client.post("/admin/sla/webhook", data={"url": "", "csrf_token": csrf_token(page)})
    db.session.expire_all()
    assert not db.session.get(WebhookSubscription, subscription.id).active


def test_nothing_is_sent_for_a_rolled_back_change(app, receiver, run_jobs):
    from inbox.tickets.workspace.actions import _set_pending

    create_subscription("status", receiver.url, ["ticket.status_changed"], None)
    ticket = open_ticket("c1")
    _set_pending(ticket, user("agent"), ticket.opened_at)
    db.session.flush()
    db.session.rollback()
    run_jobs()
    assert _deliveries() == [] and receiver.received == []


def test_erasing_a_customer_clears_their_webhook_payloads(app, receiver, run_jobs):
    from inbox.privacy.erase import erase_contact

    create_subscription("CRM", receiver.url, ["message.received"], None)
    ticket = open_ticket("c1", "my card number is 4111 and my address is 1 Main St")
    run_jobs()
    (delivery,) = _deliveries()
    assert "4111" in json.dumps(delivery.payload)
    erase_contact(ticket.contact, user("admin"))
    (delivery,) = _deliveries()
    assert delivery.payload == {"id": delivery.event_id, "type": "message.received", "erased": True}


def test_redeliver_while_the_original_waits_for_its_retry_sends_the_event_once_more_not_twice(app, client, receiver, run_jobs):
    from rq.registry import ScheduledJobRegistry

    from inbox.jobqueue import DELIVERY_QUEUE, get_queue

    user("admin")
    login(client, "admin@example.com")
    subscription = create_subscription("CRM", receiver.url, ["ticket.created"], None)
    receiver.statuses = [503]  # the first attempt fails: the original waits a minute for its retry
    open_ticket("c1")
    run_jobs()
    (original,) = _deliveries()
    scheduled = ScheduledJobRegistry(queue=get_queue(DELIVERY_QUEUE))
    assert original.state == "retrying" and f"webhook-{original.id}" in scheduled.get_job_ids()
    detail = client.get(f"/admin/webhooks/{subscription.id}")
    assert client.post(f"/admin/webhook-deliveries/{original.id}/redeliver", data={"csrf_token": csrf_token(detail)}).status_code == 302
    run_jobs()
    # the minute passes: whatever is still scheduled comes due and runs
    queue = get_queue(DELIVERY_QUEUE)
    for job_id in scheduled.get_job_ids():
        scheduled.remove(job_id)
        queue.enqueue_job(queue.fetch_job(job_id))
    run_jobs()
    original, again = _deliveries()
    assert again.state == "delivered" and again.event_id == original.event_id
    assert original.state == "replaced" and f"#{again.id}" in original.error and original.attempts == 1
    statuses = [status for status, _, _ in receiver.received]
    assert statuses == [503, 200]  # the failed attempt, then the redelivery; the original's retry never went out
    assert b"replaced" in client.get(f"/admin/webhooks/{subscription.id}").data
