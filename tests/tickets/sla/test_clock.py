"""Every clock rule, replayed from events alone."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from inbox.tickets.sla.calendar import office_hours
from inbox.tickets.sla.targets import SlaTargets
from inbox.tickets.read.sla_words import explain
from inbox.tickets.sla.clock import ClockEvent, PolicyTerms
from inbox.tickets.sla.clock import replay as replay_terms

UTC = timezone.utc
T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # Tuesday
H = timedelta(hours=1)
SOCIAL = SlaTargets(first_response=4 * H, resolution=24 * H, next_response=4 * H)
BUSINESS = SlaTargets(first_response=4 * H, resolution=16 * H, next_response=2 * H, business_hours=True)
PHONE = SlaTargets(None, 16 * H, None, first_response_same_business_day=True, business_hours=True)
CAL = office_hours("UTC")


def replay(events, targets, cal, now):
    """One policy for the whole history (the policy-change tests below pass several)."""
    return replay_terms(events, PolicyTerms(targets, cal) if targets is not None else None, now)


def ev(kind: str, at: datetime, **data) -> ClockEvent:
    return ClockEvent(kind, at, data or None)


def status(to: str, at: datetime, was: str = "open") -> ClockEvent:
    return ClockEvent("status", at, {"from": was, "to": to})


def clocks(events, targets=SOCIAL, now=None, cal=CAL):
    result = replay(events, targets, cal, now or T0 + 1000 * H)
    return result, {(c.target, i): c for i, c in enumerate(result.clocks)}


def by_target(result, target):
    return [c for c in result.clocks if c.target == target]


def test_first_reply_stops_the_first_response_clock_and_it_is_met():
    result, _ = clocks([ev("created", T0), ev("first_response", T0 + 3 * H)])
    (first,) = by_target(result, "first_response")
    assert (first.due_at, first.stopped_at, first.outcome) == (T0 + 4 * H, T0 + 3 * H, "met")
    assert explain(first, UTC) == "First response due 24 Nov 13:00, answered 24 Nov 12:00: met"


def test_a_reply_through_inbox_counts_as_the_first_response_and_late_is_missed():
    result, _ = clocks([ev("created", T0), ev("reply", T0 + 5 * H)])
    assert by_target(result, "first_response")[0].outcome == "missed"


def test_running_clock_becomes_breached_after_due_and_warns_at_80_percent():
    result = replay([ev("created", T0)], SOCIAL, CAL, T0 + 2 * H)
    (first,) = by_target(result, "first_response")
    assert first.outcome == "running" and first.warn_at == T0 + timedelta(hours=3, minutes=12)
    assert result.due_at == T0 + 4 * H and result.warn_at == first.warn_at
    assert by_target(replay([ev("created", T0)], SOCIAL, CAL, T0 + 4 * H), "first_response")[0].outcome == "breached"


def test_customer_message_after_an_answer_starts_next_response_and_the_reply_stops_it():
    events = [ev("created", T0), ev("first_response", T0 + H), ev("customer_message", T0 + 2 * H), ev("reply", T0 + 3 * H)]
    result, _ = clocks(events)
    (following,) = by_target(result, "next_response")
    assert (following.started_at, following.due_at, following.outcome) == (T0 + 2 * H, T0 + 6 * H, "met")


def test_customer_message_before_any_answer_starts_no_next_response_clock():
    result, _ = clocks([ev("created", T0), ev("customer_message", T0 + H)])
    assert by_target(result, "next_response") == []


def test_second_customer_message_does_not_restart_a_running_next_response_clock():
    events = [ev("created", T0), ev("first_response", T0 + H), ev("customer_message", T0 + 2 * H), ev("customer_message", T0 + 3 * H)]
    result = replay(events, SOCIAL, CAL, T0 + 3 * H)
    (following,) = by_target(result, "next_response")
    assert following.due_at == T0 + 6 * H


def test_pending_pauses_resolution_and_next_response_and_a_customer_reply_resumes_them():
    events = [
        ev("created", T0), ev("first_response", T0 + H), ev("customer_message", T0 + 2 * H),
        status("pending", T0 + 3 * H),  # 1 h of next response used, 3 h of resolution used
        ev("status", T0 + 13 * H, **{"from": "pending", "to": "open", "by": "customer"}),
        ev("customer_message", T0 + 13 * H),
    ]
    result = replay(events, SOCIAL, CAL, T0 + 14 * H)
    (following,) = by_target(result, "next_response")
    (resolution,) = by_target(result, "resolution")
    assert following.due_at == T0 + 13 * H + 3 * H
    assert resolution.due_at == T0 + 13 * H + 21 * H
    assert resolution.paused == ((T0 + 3 * H, T0 + 13 * H),)
    assert result.pending_spans == ((T0 + 3 * H, T0 + 13 * H),)


def test_pending_pauses_every_clock_the_first_response_included():
    """Waiting on the customer: nobody can be late answering a customer we are waiting for (issue 24.1)."""
    events = [ev("created", T0), status("pending", T0 + H, "new")]
    result = replay(events, SOCIAL, CAL, T0 + 30 * H)
    assert {c.target: c.outcome for c in result.clocks} == {"first_response": "paused", "resolution": "paused"}
    assert result.due_at is None and result.running() == []  # nothing to breach: not in the Breached view
    first = by_target(result, "first_response")[0]
    assert "paused since 24 Nov 10:00" in explain(first, UTC)
    # the customer writes back 20 h later: 3 h of the 4 h are left, counted from then
    back = events + [ev("status", T0 + 21 * H, **{"from": "pending", "to": "open", "by": "customer"}),
                     ev("customer_message", T0 + 21 * H)]
    resumed = replay(back, SOCIAL, CAL, T0 + 22 * H)
    assert by_target(resumed, "first_response")[0].due_at == T0 + 24 * H
    answered = replay(back + [ev("reply_delivered", T0 + 23 * H)], SOCIAL, CAL, T0 + 30 * H)
    assert by_target(answered, "first_response")[0].outcome == "met"


def test_an_overdue_first_response_stays_overdue_when_the_ticket_goes_pending():
    events = [ev("created", T0), status("pending", T0 + 5 * H, "new")]
    result = replay(events, SOCIAL, CAL, T0 + 6 * H)
    first = by_target(result, "first_response")[0]
    assert (first.outcome, first.due_at) == ("breached", T0 + 4 * H)  # a missed deadline never moves


def test_resolve_stops_resolution_and_cancels_an_unanswered_next_response():
    events = [ev("created", T0), ev("first_response", T0 + H), ev("customer_message", T0 + 2 * H), status("resolved", T0 + 5 * H)]
    result, _ = clocks(events)
    assert by_target(result, "next_response")[0].outcome == "cancelled"
    (resolution,) = by_target(result, "resolution")
    assert (resolution.stopped_at, resolution.outcome) == (T0 + 5 * H, "met")
    assert result.resolved_at == T0 + 5 * H


def test_reopen_resumes_resolution_and_starts_a_new_next_response_clock():
    events = [
        ev("created", T0), ev("first_response", T0 + H), status("resolved", T0 + 10 * H),
        ev("reopened", T0 + 50 * H, by="customer"), ev("customer_message", T0 + 50 * H),
    ]
    result = replay(events, SOCIAL, CAL, T0 + 51 * H)
    (following,) = by_target(result, "next_response")
    assert (following.started_at, following.due_at, following.outcome) == (T0 + 50 * H, T0 + 54 * H, "running")
    (resolution,) = by_target(result, "resolution")
    # 10 h used before the resolve; the 40 h resolved span is not counted
    assert resolution.due_at == T0 + 64 * H and resolution.paused == ((T0 + 10 * H, T0 + 50 * H),)
    resolved_again = replay(events + [status("resolved", T0 + 70 * H)], SOCIAL, CAL, T0 + 80 * H)
    assert by_target(resolved_again, "resolution")[0].outcome == "missed"


def test_business_hours_due_times_and_pause_across_a_night():
    monday_16 = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)
    events = [ev("created", monday_16), ev("first_response", monday_16 + H / 2), status("pending", monday_16 + H / 2)]
    result = replay(events, BUSINESS, CAL, monday_16 + H)
    (resolution,) = by_target(result, "resolution")
    assert resolution.outcome == "paused"
    resumed = replay(events + [status("open", datetime(2026, 11, 25, 9, 0, tzinfo=UTC), "pending")], BUSINESS, CAL, monday_16)
    # 30 business minutes used on Monday; 15 h 30 left from Wednesday 09:00 → Thursday 16:30
    assert by_target(resumed, "resolution")[0].due_at == datetime(2026, 11, 26, 16, 30, tzinfo=UTC)


def test_same_business_day_first_response_for_phone():
    result = replay([ev("created", T0 + H)], PHONE, CAL, T0 + H)
    assert by_target(result, "first_response")[0].due_at == datetime(2026, 11, 24, 17, 0, tzinfo=UTC)


def test_no_policy_means_no_clocks():
    result = replay([ev("created", T0), ev("reply", T0 + H)], None, CAL, T0)
    assert result.clocks == () and result.first_response_at == T0 + H


def test_events_are_replayed_in_the_order_they_happened_whatever_order_they_were_recorded_in():
    # a customer message written at 1 h but fetched after the resolve at 2 h: ingest stamps the reopen it
    # causes no earlier than the resolve, the message itself at its own time
    events = [ev("created", T0), status("resolved", T0 + 2 * H), ev("reopened", T0 + 2 * H), ev("customer_message", T0 + H)]
    result = replay(events, SOCIAL, CAL, T0 + 3 * H)
    assert by_target(result, "next_response")[0].started_at == T0 + 2 * H


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["reply", "customer_message", "pending", "open", "resolved", "reopened"]),
                          st.integers(min_value=0, max_value=600)), max_size=12),
       st.sampled_from([SOCIAL, BUSINESS]))
def test_property_pauses_only_push_due_times_later(steps, targets):
    """However events interleave, a clock's due time is its start plus its target plus what was paused."""
    at, events, status_now = T0, [ev("created", T0)], "new"
    for kind, minutes in steps:
        at += timedelta(minutes=minutes)
        if kind in ("pending", "open", "resolved"):
            events.append(status(kind, at, status_now))
            status_now = kind
        else:
            events.append(ev(kind, at))
            if kind == "reopened":
                status_now = "open"
    result = replay(events, targets, CAL, at)
    for clock in result.clocks:
        if clock.due_at is None or clock.target == "first_response":
            continue
        naive = clock.started_at + (targets.resolution if clock.target == "resolution" else targets.next_response)
        if not targets.business_hours:
            paused = sum(((q or at) - p for p, q in clock.paused), timedelta(0))
            assert clock.due_at == naive + paused
        assert clock.due_at >= clock.started_at


# -- what counts as an answer, and misses that stay missed (the SLA issue's rules) ---------------------

def test_a_queued_or_failed_reply_answers_nobody_a_delivered_one_does_at_the_time_it_was_sent():
    events = [ev("created", T0), ev("reply_queued", T0 + H, message_id=1), ev("reply_failed", T0 + 2 * H, message_id=1),
              ev("survey_delivered", T0 + 2 * H, message_id=2)]
    result = replay(events, SOCIAL, CAL, T0 + 3 * H)
    assert result.first_response_at is None and by_target(result, "first_response")[0].outcome == "running"
    delivered = replay(events + [ev("reply_delivered", T0 + 5 * H, message_id=1)], SOCIAL, CAL, T0 + 6 * H)
    first = by_target(delivered, "first_response")[0]
    assert (delivered.first_response_at, first.outcome) == (T0 + 5 * H, "missed")  # sent after the 4 h target


def test_answered_outside_inbox_counts_at_the_time_given():
    result = replay([ev("created", T0), ev("answered_outside", T0 + 2 * H, how="called back")], SOCIAL, CAL, T0 + 9 * H)
    assert (result.first_response_at, by_target(result, "first_response")[0].outcome) == (T0 + 2 * H, "met")


def test_resolving_without_any_reply_is_a_missed_first_response_never_a_cancelled_one():
    for resolved_at in (T0 + H, T0 + 6 * H):  # before and after the 4 h deadline
        result = replay([ev("created", T0), status("resolved", resolved_at, "new")], SOCIAL, CAL, T0 + 9 * H)
        first = by_target(result, "first_response")[0]
        assert (first.outcome, first.missed_reason) == ("missed", "resolved without reply"), resolved_at
        assert "resolved without reply" in explain(first, UTC)


def test_a_next_response_already_overdue_when_resolved_stays_missed():
    events = [ev("created", T0), ev("reply_delivered", T0 + H), ev("customer_message", T0 + 2 * H), status("resolved", T0 + 7 * H)]
    result = replay(events, SOCIAL, CAL, T0 + 9 * H)
    following = by_target(result, "next_response")[0]
    assert (following.outcome, following.due_at) == ("missed", T0 + 6 * H)


def test_a_deadline_that_has_passed_never_moves_when_the_ticket_waits_on_the_customer():
    events = [ev("created", T0), ev("reply_delivered", T0 + H), status("pending", T0 + 30 * H),
              ev("status", T0 + 40 * H, **{"from": "pending", "to": "open", "by": "customer"})]
    for now in (T0 + 35 * H, T0 + 45 * H):
        (resolution,) = by_target(replay(events, SOCIAL, CAL, now), "resolution")
        assert (resolution.due_at, resolution.outcome) == (T0 + 24 * H, "breached"), now  # not 24 h + the pause
    resolved = replay(events + [status("resolved", T0 + 50 * H)], SOCIAL, CAL, T0 + 60 * H)
    assert by_target(resolved, "resolution")[0].outcome == "missed"


URGENT = SlaTargets(first_response=H, resolution=8 * H, next_response=H)


def test_a_new_policy_retargets_running_clocks_from_the_moment_it_applies():
    book = {1: PolicyTerms(SOCIAL, CAL), 2: PolicyTerms(URGENT, CAL)}
    raised_early = [ev("created", T0, sla_policy=1), ev("sla_policy", T0 + timedelta(minutes=30), **{"from": 1, "to": 2})]
    result = replay_terms(raised_early, book, T0 + timedelta(minutes=40))
    assert {c.target: c.due_at for c in result.clocks} == {"first_response": T0 + H, "resolution": T0 + 8 * H}
    assert result.policy_id == 2
    # raised after the stricter target was already used up: missed at the deadline the new target sets,
    # counted from the start (the time already used counts), and the history can say so (issue 24.3)
    raised_late = [ev("created", T0, sla_policy=1), ev("sla_policy", T0 + 2 * H, **{"from": 1, "to": 2})]
    late = replay_terms(raised_late, book, T0 + 3 * H)
    assert by_target(late, "first_response")[0].due_at == T0 + H
    assert (T0 + 2 * H, "first_response", T0 + 4 * H, T0 + H) in late.retargets
    # a clock that had already stopped keeps its outcome under the policy it ran under
    answered = [ev("created", T0, sla_policy=1), ev("reply_delivered", T0 + 3 * H), ev("sla_policy", T0 + 4 * H, **{"from": 1, "to": 2})]
    assert by_target(replay_terms(answered, book, T0 + 5 * H), "first_response")[0].outcome == "met"


def test_an_email_reply_that_bounced_later_answered_nobody():
    events = [ev("created", T0), ev("reply_delivered", T0 + H, message_id=7), ev("reply_bounced", T0 + 2 * H, message_id=7)]
    result = replay(events, SOCIAL, CAL, T0 + 5 * H)
    assert result.first_response_at is None and by_target(result, "first_response")[0].outcome == "breached"
