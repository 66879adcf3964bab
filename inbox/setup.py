"""First-start tasks shared by `inbox run`, `inbox migrate` and `inbox seed-demo`."""
from __future__ import annotations

from pathlib import Path

from flask import current_app
from flask_migrate import upgrade
from sqlalchemy import select

from .channels import ChannelAccount, get_or_create_account
from .config import MIGRATIONS_DIR
from .demo import generate_demo
from .demo.history import seed_history
from .demo.dovecot import dovecot_path
from .demo.mailbox import DEMO_HOST, account_config
from .extensions import db
from .tickets.sla.outcomes import backfill
from .tickets.sla.policies import seed_default_policies
from .tickets.workspace.canned import seed_demo_canned


def upgrade_database() -> None:
    upgrade(directory=MIGRATIONS_DIR)
    seed_default_policies()

    backfilled = backfill()
    if backfilled:
        current_app.logger.info("SLA outcomes written for %d existing ticket(s)", backfilled)


def demo_dir() -> Path:
    return Path(current_app.instance_path) / "demo"


DEMO_MAILBOX = "Demo Mailbox"


def demo_mailbox_root() -> Path:
    return demo_dir() / "mail"


def seed_demo_channels(force: bool = False, history: bool = True) -> list[tuple[str, Path]]:
    """Write demo JSONL data and one polled account per demo channel, unless channels exist; with
    Dovecot on this machine, also the demo mailbox's email account (one that really sends); then
    eight weeks of resolved history on the demo accounts (`inbox run` stores it in the background:
    history=False here)."""
    if not force and db.session.scalar(select(ChannelAccount.id).limit(1)) is not None:
        return []
    created = []
    accounts = []
    for demo in generate_demo(demo_dir()):
        account, _ = get_or_create_account(demo.name, "jsonl", demo.channel, {"path": str(demo.path)})
        account.config = {"path": str(demo.path)}
        created.append((demo.name, demo.path))
        accounts.append(account)
    if dovecot_path() is not None:
        account, _ = get_or_create_account(DEMO_MAILBOX, "email", "email", account_config(demo_mailbox_root()))
        account.config = account_config(demo_mailbox_root())
        created.append((DEMO_MAILBOX, demo_mailbox_root()))
    db.session.commit()

    seed_demo_canned()
    if history:
        seed_history(accounts)
    return created


def demo_mailbox_in_use() -> bool:
    """Whether an enabled account reads the demo mailbox (so `inbox run` starts it)."""
    return any(
        (account.config or {}).get("imap_host") == DEMO_HOST
        for account in db.session.scalars(select(ChannelAccount).where(ChannelAccount.enabled.is_(True),
                                                                       ChannelAccount.connector == "email"))
    )


def demo_accounts_in_use() -> bool:
    """Whether an enabled account polls the demo folder (so `inbox run` keeps feeding it)."""
    folder = str(demo_dir())
    return any(
        str((account.config or {}).get("path", "")).startswith(folder)
        for account in db.session.scalars(select(ChannelAccount).where(ChannelAccount.enabled.is_(True)))
    )
