"""The `inbox` command line, run in-process against the test database and Redis."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from inbox.cli import main
from tests.helpers import ago, message, write_jsonl


@pytest.fixture
def cli(app, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", app.config["SQLALCHEMY_DATABASE_URI"])
    monkeypatch.setenv("REDIS_URL", app.config["REDIS_URL"])
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None):
        return runner.invoke(main, list(args), input=input, catch_exceptions=False)

    return invoke


def test_import_reports_bad_lines_and_imports_the_rest(cli, tmp_path, run_jobs):
    path = write_jsonl(tmp_path / "sms.jsonl", [
        message("1", "+491", "Is my contract cancelled? Thanks a lot!", ago(minutes=20), kind="sms", author="+491"),
        message("2", "+492", "Your network is down AGAIN. Useless.", ago(minutes=10), kind="sms", author="+492"),
    ], raw_lines=["{oops"])
    write_jsonl(path, [message("3", "+491", "hello?", ago(minutes=5), kind="sms", author="+491")])

    result = cli("import", str(path), "--account", "SMS gateway", "--channel", "sms")
    assert result.exit_code == 1
    assert f"{path}:line 3: not valid JSON" in result.output
    assert "queued 3 message(s)" in result.output
    run_jobs()

    listing = cli("tickets", "--json")
    rows = [json.loads(line) for line in listing.output.splitlines()]
    assert len(rows) == 2
    assert {r["channel"] for r in rows} == {"sms"}
    by_handle = {r["customer_handle"]: r for r in rows}
    assert by_handle["@+491"]["message_count"] == 2
    assert by_handle["@+492"]["sentiment"] == "negative"
    for row in rows:
        assert set(row) >= {"id", "channel", "status", "priority", "customer_handle", "message_count", "sentiment",
                            "created_at", "first_response_due_at", "resolution_due_at"}


def test_import_into_unknown_account_without_channel_is_a_clear_error(cli, tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", [message("1", "c", "hi", ago(minutes=1))])
    result = cli("import", str(path), "--account", "Nope")
    assert result.exit_code == 1
    assert "unknown account 'Nope'; pass --channel to create it" in result.output
    missing = cli("import", str(tmp_path / "missing.jsonl"), "--account", "Nope", "--channel", "x")
    assert missing.exit_code != 0


def test_classify_reads_jsonl_and_plain_lines_in_order(cli):
    texts = ["I absolutely love this, best support ever!", "", "This is the worst service, I want a refund.", "😀😀"]
    stdin = json.dumps({"text": texts[0]}) + "\n" + "\n" + texts[2] + "\n" + json.dumps({"text": texts[3]}) + "\n"
    result = cli("classify", input=stdin)
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert len(rows) == 4
    assert rows[0]["label"] == "positive" and rows[2]["label"] == "negative"
    assert all(set(r) == {"label", "score", "model"} for r in rows)


def test_create_user_rejects_duplicates(cli):
    assert "created lead lead@example.com with password: " in cli("create-user", "lead@example.com", "--role", "lead").output
    again = cli("create-user", "LEAD@example.com")
    assert again.exit_code == 1 and "already exists" in again.output
