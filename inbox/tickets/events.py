"""What can happen to a ticket: the one list of the event types its history records (`TicketEvent.type`).

The values are what the database stores; `EventType` members are strings, so a stored row's type
compares equal to its member (`row.type == EventType.STATUS`).
"""
from __future__ import annotations

from enum import StrEnum


class EventType(StrEnum):
    CREATED = "created"
    # new/open/pending/resolved by an agent, a rule, the API, or the customer writing back
    STATUS = "status"
    # resolved → open (by an agent, or by the customer within the reopen window)
    REOPENED = "reopened"
    ASSIGNMENT = "assignment"
    PRIORITY = "priority"
    # the SLA policy that sets the clocks changed (with a priority, or by an admin's edit)
    SLA_POLICY = "sla_policy"
    CUSTOMER_MESSAGE = "customer_message"
    # the brand answered on the network itself, not through Inbox
    NETWORK_REPLY = "reply"
    REPLY_QUEUED = "reply_queued"
    REPLY_DELIVERED = "reply_delivered"
    REPLY_FAILED = "reply_failed"
    REPLY_BOUNCED = "reply_bounced"
    SURVEY_DELIVERED = "survey_delivered"
    ANSWERED_OUTSIDE = "answered_outside"
    # earlier releases recorded the first answer this way; replayed like a delivered reply
    FIRST_RESPONSE = "first_response"
    SLA_BREACHED = "sla_breached"
    SENTIMENT_CORRECTED = "sentiment_corrected"
    ENGAGEMENT_CORRECTED = "engagement_corrected"
    TAGS_ADDED = "tags_added"
    TAGS_REMOVED = "tags_removed"
    NOTE = "note"
    RULE_FIRED = "rule_fired"
    CONTACT_MERGED = "contact_merged"
    CONTACT_UNMERGED = "contact_unmerged"


# events that answer the customer: the first and next response clocks stop at them
ANSWERS = frozenset({EventType.REPLY_DELIVERED, EventType.ANSWERED_OUTSIDE, EventType.FIRST_RESPONSE})
# events that move the status (the clocks pause, stop or resume at them)
STATUS_CHANGES = frozenset({EventType.STATUS, EventType.REOPENED})
