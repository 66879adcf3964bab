"""`inbox import FILE.mbox|MAILDIR --channel email`: moving an existing mailbox in."""
from __future__ import annotations

import mailbox

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from inbox.channels.models import ChannelAccount, RejectedMessage
from inbox.cli import main
from inbox.connectors.email.fixtures import recorded_email
from inbox.extensions import db
from inbox.tickets.models import Ticket

MESSAGES = [
    "plain_emails/raw_email_reply.eml",
    "multi_charset/japanese_shift_jis.eml",
    "rfc2822/example01.eml",
    "rfc2822/example06.eml",  # Mary answers John (In-Reply-To example01)
    "rfc2822/example07.eml",  # John answers Mary (References both)
    "multipart_report_emails/report_530.eml",  # a bounce: opens nothing
    "rfc2822/example13.eml",  # no From: set aside
]


@pytest.fixture
def cli(app, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", app.config["SQLALCHEMY_DATABASE_URI"])
    monkeypatch.setenv("REDIS_URL", app.config["REDIS_URL"])

    def invoke(*args: str):
        return CliRunner().invoke(main, list(args), catch_exceptions=False)

    return invoke


def _titles() -> dict[str, Ticket]:
    return {t.subject: t for t in db.session.scalars(select(Ticket))}


def test_mbox_import_threads_and_sets_aside(cli, tmp_path, run_jobs):
    path = tmp_path / "old-helpdesk.mbox"
    box = mailbox.mbox(str(path))
    for name in MESSAGES:
        box.add(recorded_email(name))
    box.close()
    result = cli("import", str(path), "--channel", "email")
    assert result.exit_code == 0, result.output
    assert "queued 5 email(s)" in result.output and "2 set aside" in result.output
    run_jobs()
    titles = _titles()
    assert set(titles) == {"Re: Test reply email", "test", "Saying Hello"}
    hello = titles["Saying Hello"]
    assert [m.author_handle for m in hello.messages] == ["jdoe@machine.example", "mary@example.net", "jdoe@machine.example"]
    assert hello.account.name == "Imported email" and hello.channel == "email"

    again = cli("import", str(path), "--channel", "email")  # safe to run twice
    assert again.exit_code == 0
    run_jobs()
    assert sum(t.message_count for t in db.session.scalars(select(Ticket))) == 5


def test_maildir_import(cli, tmp_path, run_jobs):
    folder = tmp_path / "Maildir"
    box = mailbox.Maildir(str(folder))
    for name in MESSAGES[:3]:
        box.add(recorded_email(name))
    result = cli("import", str(folder), "--channel", "email", "--account", "Old support")
    assert result.exit_code == 0, result.output
    run_jobs()
    assert {t.account.name for t in db.session.scalars(select(Ticket))} == {"Old support"}
    assert len(_titles()) == 3


def test_a_folder_that_is_not_a_mailbox_is_a_clear_error(cli, tmp_path):
    result = cli("import", str(tmp_path), "--channel", "email")
    assert result.exit_code != 0
    assert "--account is required" in result.output or "not a Maildir" in result.output


def test_cli_adds_email_mastodon_and_bluesky_accounts_without_printing_secrets(cli, monkeypatch):
    monkeypatch.setenv("INBOX_EMAIL_PASSWORD", "env-mail-password-4242")
    result = cli("channel", "add", "email", "--name", "Mail", "--address", "support@example.com", "--imap-host", "imap.example.com",
                 "--username", "support", "--smtp-host", "smtp.example.com", "--smtp-port", "587")
    assert result.exit_code == 0, result.output
    assert "env-mail-password-4242" not in result.output and "••••4242" in result.output
    result = cli("channel", "add", "mastodon", "--name", "Masto", "--api-base-url", "https://mastodon.social",
                 "--access-token", "tok-123456789", "--no-dms")
    assert result.exit_code == 0 and "tok-123456789" not in result.output
    result = cli("channel", "add", "bluesky", "--name", "Sky", "--handle", "acme.bsky.social")
    assert result.exit_code == 1 and "app password is missing" in result.output
    result = cli("channel", "set", "Masto", "--set", "max_chars=1000", "--set", "dms=true")
    assert result.exit_code == 0 and "max_chars" in result.output


def test_importing_the_same_mailbox_twice_sets_each_item_aside_once(cli, tmp_path):
    path = tmp_path / "old-helpdesk.mbox"
    box = mailbox.mbox(str(path))
    for name in MESSAGES + ["multipart_report_emails/report_422.eml", "multipart_report_emails/report_530.eml"]:
        box.add(recorded_email(name))
    box.close()
    first = cli("import", str(path), "--channel", "email")
    assert first.exit_code == 0 and "4 set aside" in first.output, first.output
    set_aside = [(r.reference, r.reason) for r in db.session.scalars(select(RejectedMessage).order_by(RejectedMessage.id))]
    assert len(set_aside) == 4
    again = cli("import", str(path), "--channel", "email")
    assert again.exit_code == 0, again.output
    db.session.expire_all()
    assert [(r.reference, r.reason) for r in db.session.scalars(select(RejectedMessage).order_by(RejectedMessage.id))] == set_aside


def test_cli_refuses_a_port_out_of_range_and_an_inside_host(cli, monkeypatch):
    monkeypatch.delenv("INBOX_OUTBOUND_ALLOW")  # no allow-list: the loopback mail servers of this folder are not used here
    result = cli("channel", "add", "email", "--name", "Mail", "--address", "support@example.com", "--imap-host", "imap.example.com",
                 "--username", "support", "--password", "secret")
    assert result.exit_code == 0, result.output
    result = cli("channel", "set", "Mail", "--set", "imap_port=9223372036854775808")
    assert result.exit_code == 1 and "IMAP port must be a whole number from 1 to 65535" in result.output
    result = cli("channel", "set", "Mail", "--set", "smtp_host=169.254.169.254")
    assert result.exit_code == 1 and "SMTP server is refused" in result.output
    db.session.expire_all()
    account = db.session.scalar(select(ChannelAccount).where(ChannelAccount.name == "Mail"))
    assert "imap_port" not in account.config and "smtp_host" not in account.config
