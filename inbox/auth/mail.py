"""Mail from the team to one of its own people (a password reset link), through the outgoing server of the
first connected email account; None when there is none, so the caller shows the link instead."""
from __future__ import annotations

import logging

from sqlalchemy import select

from ..channels.models import ChannelAccount
from ..connectors.base import ConnectorError, connector_for
from ..extensions import db
from ..security.outbound import current_allowlist
from ..translatable import N_

log = logging.getLogger(__name__)


def outgoing_mailbox():  # type: ignore[no-untyped-def]
    """The email connector that can send, or None."""
    accounts = db.session.scalars(select(ChannelAccount).where(
        ChannelAccount.connector == "email", ChannelAccount.enabled.is_(True), ChannelAccount.status != "removed")
        .order_by(ChannelAccount.id))
    for account in accounts:
        if (account.config or {}).get("smtp_host") and (account.config or {}).get("address"):
            try:
                return connector_for(account, allowlist=current_allowlist())
            except KeyError:  # the email connector's dependency is missing
                return None
    return None


def send_to_teammate(recipient: str, subject: str, text: str) -> str | None:
    """Send it; returns None when sent, else why not (no outgoing server, or the server's refusal)."""
    mailbox = outgoing_mailbox()
    if mailbox is None:
        return N_("no email account with an outgoing (SMTP) server is connected")
    try:
        mailbox.send_notice(recipient, subject, text)
    except ConnectorError as exc:
        log.warning("could not email %s: %s", recipient, exc)
        return str(exc)
    return None
