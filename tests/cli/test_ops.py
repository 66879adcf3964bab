"""The command line when something is wrong: Redis away during an import, a database never migrated,
`inbox doctor`, unreadable text for `inbox classify`."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from inbox.cli import main
from tests.chaos.conftest import spare_port
from tests.helpers import ago, message, write_jsonl


@pytest.fixture
def cli(app, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", app.config["SQLALCHEMY_DATABASE_URI"])
    monkeypatch.setenv("REDIS_URL", app.config["REDIS_URL"])

    def invoke(*args: str, input: str | None = None):
        return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)

    return invoke


def test_import_with_redis_unreachable_says_what_was_not_queued_and_fails(cli, tmp_path, monkeypatch):
    path = write_jsonl(tmp_path / "sms.jsonl", [message(str(i), f"+49{i % 3}", f"text {i}", ago(minutes=30 - i), kind="sms",
                                                        author=f"+49{i % 3}") for i in range(5)])
    monkeypatch.setenv("REDIS_URL", f"redis://127.0.0.1:{spare_port()}/0")  # nothing listens there
    monkeypatch.setattr("inbox.channels.importer.ENQUEUE_ATTEMPTS", 2)
    result = cli("import", str(path), "--account", "SMS", "--channel", "sms")
    assert result.exit_code == 2
    assert "queued 0 message(s)" in result.output
    assert "NOT queued: line 1 and everything after it" in result.output and "Redis unavailable" in result.output
    assert "Traceback" not in result.output


def test_commands_on_a_database_never_migrated_say_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'fresh.db'}")
    for args in (["tickets"], ["import", __file__, "--account", "x", "--channel", "x"], ["poll", "--once"]):
        result = CliRunner().invoke(main, args, catch_exceptions=False)
        assert result.exit_code == 1, args
        assert "run `inbox migrate` first" in result.output and "Traceback" not in result.output


def test_doctor_reports_every_part_of_the_pipeline(cli):
    result = cli("doctor")
    lines = result.output.splitlines()
    names = [line[2:].split("  ")[0].strip() for line in lines if line and line[0] in "✓!✗"]
    assert names == ["database", "redis", "redis persistence", "workers", "scheduler", "poller", "queues", "failed jobs",
                     "set-aside input", "channel accounts"]
    assert "no poller is running" in result.output
    assert "no worker is running" in result.output
    assert result.exit_code == 1  # no worker is an error an operator must see


def test_classify_answers_every_line_in_order_even_unreadable_ones(cli):
    stdin = "\n".join([json.dumps({"text": "Thank you so much, fixed!"}), json.dumps({"text": "bad \ud800 text"}),
                       "This is the worst service, I want a refund."]) + "\n"
    result = cli("classify", input=stdin)
    rows = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    assert [("label" in r, "error" in r) for r in rows] == [(True, False), (False, True), (True, False)]
    assert "lone surrogate" in rows[1]["error"]


def test_reindex_rebuilds_search_documents_lost_or_written_around_inbox(cli, app):
    from sqlalchemy import delete

    from inbox.extensions import db
    from inbox.tickets.read.search_index import OpenTicketSearch
    from tests.tickets.test_inbox_list import make_ticket, search_in

    with app.app_context():
        ticket_id = make_ticket(texts=("ルーターが届きません",), handle="@kumiko").id
        make_ticket(texts=("closed long ago",), status="resolved")
        before = db.session.get(OpenTicketSearch, ticket_id).document
        db.session.execute(delete(OpenTicketSearch))  # as a restore without the table would leave it
        db.session.commit()
        assert search_in("ルーター", view="open") == []

    result = cli("reindex")
    assert result.exit_code == 0 and "rebuilt for 1 open ticket(s)" in result.output
    with app.app_context():
        assert db.session.get(OpenTicketSearch, ticket_id).document == before
        assert search_in("ルーター", view="open") == [ticket_id]
