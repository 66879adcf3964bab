"""Outgoing webhooks: subscriptions per event type, signed deliveries retried by RQ, the delivery log."""
