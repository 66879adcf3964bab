"""The demo data a fresh install shows: valid JSONL, consistent threads, a believable mix."""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from inbox.demo import DEMO_ACCOUNTS, DemoAccount, append_live, demo_messages, generate_demo

NOW = datetime(2026, 11, 24, 9, 30, tzinfo=timezone.utc)
REQUIRED = ("external_id", "kind", "conversation", "author", "text", "created_at")
KINDS = {"mention", "dm", "reply", "email", "sms", "call"}


def _read(path: Path) -> list[dict]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def _when(message: dict) -> datetime:
    parsed = datetime.fromisoformat(message["created_at"])
    assert parsed.tzinfo is not None and parsed.utcoffset() is not None, message["created_at"]
    return parsed


@pytest.fixture(scope="module")
def messages() -> dict[str, list[dict]]:
    return demo_messages(NOW)


@pytest.fixture(scope="module")
def every(messages) -> list[dict]:
    return [m for account in messages.values() for m in account]


@pytest.fixture()
def written(tmp_path: Path) -> list[DemoAccount]:
    return generate_demo(tmp_path, now=NOW)


def test_files_hold_one_valid_message_per_line(written, tmp_path):
    assert [(a.name, a.channel) for a in written] == list(DEMO_ACCOUNTS)
    for account in written:
        assert account.path.parent == tmp_path and account.path.exists()
        raw = account.path.read_bytes()
        assert raw.endswith(b"\n")
        records = _read(account.path)
        assert records, account
        for record in records:
            for field in REQUIRED:
                assert field in record, (field, record)
            assert record["kind"] in KINDS
            assert isinstance(record["text"], str)
            author = record["author"]
            assert all(isinstance(author[k], str) and author[k] for k in ("id", "handle", "name"))
            if "followers" in author:
                assert isinstance(author["followers"], int) and not isinstance(author["followers"], bool)
            assert record.get("direction", "inbound") in ("inbound", "outbound")
            assert record.get("lang") in (None, "en", "ja")
            _when(record)


def test_files_match_the_pure_function(written):
    expected = demo_messages(NOW)
    for account in written:
        assert _read(account.path) == expected[account.name]


def test_external_ids_unique_per_account_and_messages_sorted(messages):
    for account, items in messages.items():
        ids = [m["external_id"] for m in items]
        assert len(ids) == len(set(ids)), account
        times = [_when(m) for m in items]
        assert times == sorted(times), account


def test_several_channel_types_and_kinds(messages):
    channels = {channel for _, channel in DEMO_ACCOUNTS}
    assert {"x", "sms", "email"} <= channels
    kinds = {m["kind"] for items in messages.values() for m in items}
    assert {"mention", "dm", "reply", "sms", "email"} <= kinds


def test_english_and_japanese_about_a_third(every):
    langs = Counter(m.get("lang") for m in every if m["direction"] == "inbound")
    assert langs["en"] and langs["ja"]
    share = langs["ja"] / (langs["en"] + langs["ja"])
    assert 0.2 <= share <= 0.45, share


def test_threads_are_consistent(messages):
    for account, items in messages.items():
        by_id = {m["external_id"]: m for m in items}
        for m in items:
            if "in_reply_to" in m:
                parent = by_id.get(m["in_reply_to"])
                assert parent is not None, m
                assert parent["conversation"] == m["conversation"]
                assert _when(parent) <= _when(m)
        # a conversation stays on one account: keys carry the account's prefix
        prefix = items[0]["external_id"].rsplit("-", 1)[0]
        assert all(m["conversation"].startswith(prefix + "-conv-") for m in items)


def test_outbound_messages_come_from_the_brand_and_get_answers(messages):
    answered = 0
    for items in messages.values():
        threads = defaultdict(list)
        for m in items:
            threads[m["conversation"]].append(m)
        for thread in threads.values():
            for m in thread:
                if m["direction"] == "outbound":
                    assert m["author"]["id"] == "brand-novahikari"
                else:
                    assert m["author"]["id"] != "brand-novahikari"
            directions = [m["direction"] for m in thread]
            answered += any(a == "outbound" and b == "inbound" for a, b in zip(directions, directions[1:]))
    assert answered >= 5


def test_returning_customers_in_thread_and_across_conversations(messages):
    conversations_per_customer = defaultdict(set)
    channels_per_customer = defaultdict(set)
    follow_ups = 0
    for account, items in messages.items():
        per_thread = Counter()
        for m in items:
            if m["direction"] == "inbound":
                conversations_per_customer[m["author"]["id"]].add((account, m["conversation"]))
                channels_per_customer[m["author"]["id"]].add(account)
                per_thread[(m["conversation"], m["author"]["id"])] += 1
        follow_ups += sum(1 for n in per_thread.values() if n > 1)
    assert follow_ups >= 5
    assert any(len(c) >= 2 for c in conversations_per_customer.values())
    cross_channel = [cid for cid, accounts in channels_per_customer.items() if len(accounts) >= 2]
    assert len(cross_channel) >= 2
    # the same person keeps the same name everywhere
    for cid in cross_channel:
        names = {m["author"]["name"] for items in messages.values() for m in items if m["author"]["id"] == cid}
        assert len(names) == 1


def test_hostile_and_odd_inputs_are_there(every):
    texts = [m["text"] for m in every]
    assert any("<script>alert(1)</script>" in t for t in texts)
    assert any(t.strip() and not any(ch.isalnum() for ch in t) for t in texts), "emoji-only text"
    assert any(1300 <= len(t) <= 2000 for t in texts), "a very long complaint"
    assert any("https://" in t and t.count("@") >= 2 for t in texts), "a URL with @handles"


def test_reach_varies_from_tens_to_six_figures(every):
    followers = [m["author"]["followers"] for m in every if "followers" in m["author"] and m["direction"] == "inbound"]
    assert min(followers) < 100
    assert max(followers) >= 100_000


def test_times_spread_over_the_last_hours(every):
    times = [_when(m) for m in every]
    assert all(t.utcoffset() == timedelta(0) for t in times)
    assert all(NOW - timedelta(hours=6) <= t <= NOW for t in times)
    assert any(NOW - t <= timedelta(minutes=10) for t in times), "something arrived minutes ago"
    assert any(NOW - t >= timedelta(hours=4, minutes=30) for t in times), "something already overdue"
    hours = {int((NOW - t).total_seconds() // 3600) for t in times}
    assert hours == {0, 1, 2, 3, 4, 5}


def test_deterministic_for_the_same_seed_and_now():
    assert demo_messages(NOW, seed=3) == demo_messages(NOW, seed=3)
    assert demo_messages(NOW, seed=3) != demo_messages(NOW, seed=4)


def test_other_sizes_and_bad_input():
    assert demo_messages(NOW, conversations=0) == {name: [] for name, _ in DEMO_ACCOUNTS}
    small = demo_messages(NOW, conversations=5)
    assert 5 <= sum(len(v) for v in small.values())
    large = demo_messages(NOW, conversations=100)
    conversations = {m["conversation"] for items in large.values() for m in items}
    assert len(conversations) == 100
    for items in large.values():
        ids = [m["external_id"] for m in items]
        assert len(ids) == len(set(ids))
    with pytest.raises(ValueError):
        demo_messages(datetime(2026, 11, 24, 9, 30))


def test_append_live_adds_fresh_messages_and_keeps_old_lines(written):
    before = {a.path: a.path.read_bytes() for a in written}
    later = NOW + timedelta(minutes=1)
    added = append_live(written[0].path.parent, now=later, seed=7)
    assert added > 0
    total_new = 0
    for account in written:
        after = account.path.read_bytes()
        assert after.startswith(before[account.path]), "old lines untouched"
        old = [json.loads(line) for line in before[account.path].decode().splitlines()]
        new = [json.loads(line) for line in after[len(before[account.path]):].decode().splitlines()]
        total_new += len(new)
        old_ids = {m["external_id"] for m in old}
        everything = {m["external_id"]: m for m in old + new}
        assert len(everything) == len(old) + len(new), "no id collides"
        for m in new:
            assert m["external_id"] not in old_ids
            for field in REQUIRED:
                assert field in m
            assert later - timedelta(minutes=2) <= _when(m) <= later
            if "in_reply_to" in m:
                assert everything[m["in_reply_to"]]["conversation"] == m["conversation"]
    assert total_new == added


def test_append_live_repeatedly_keeps_ids_unique(tmp_path):
    generate_demo(tmp_path, now=NOW)
    added = sum(append_live(tmp_path, now=NOW + timedelta(seconds=30 * n)) for n in range(1, 25))
    assert added >= 24
    initial = demo_messages(NOW)
    new_conversations = follow_ups = 0
    for name, channel in DEMO_ACCOUNTS:
        records = _read(tmp_path / f"demo-{channel}.jsonl")
        ids = [m["external_id"] for m in records]
        assert len(ids) == len(set(ids))
        assert records[: len(initial[name])] == initial[name]
        known = {m["conversation"] for m in initial[name]}
        for m in records[len(initial[name]):]:
            if m["conversation"] in known:
                follow_ups += 1
            else:
                new_conversations += 1
    assert new_conversations and follow_ups


def test_append_live_is_deterministic_and_works_on_an_empty_folder(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    for folder in (one, two):
        generate_demo(folder, now=NOW)
        append_live(folder, now=NOW + timedelta(minutes=1), seed=7)
    for _, channel in DEMO_ACCOUNTS:
        name = f"demo-{channel}.jsonl"
        assert (one / name).read_bytes() == (two / name).read_bytes()
    empty = tmp_path / "empty"
    assert append_live(empty, now=NOW) > 0
    for path in empty.glob("*.jsonl"):
        for record in _read(path):
            assert "in_reply_to" not in record


@pytest.mark.xfail(strict=True, reason="issue 29: the sentiment model reads the problem the customer recounts "
                   "('convinced her internet had been cut off') over the thanks; the thank-you sentence alone is "
                   "positive. A model fix (hard lines for recounted-problem praise), not a demo-data one")
def test_the_polite_thank_you_email_is_not_labelled_negative(app):
    from inbox.sentiment import classify

    praise = next(m for m in demo_messages(NOW)["Demo Email"]
                  if m["text"].startswith("Hello,\n\nI just wanted to pass on a thank-you"))
    with app.app_context():
        [sentiment] = classify([praise["text"]])
    assert sentiment.for_priority != "negative", sentiment
