"""A backlog longer than one poll's page cap: every mention arrives over the next polls, none is skipped.

The pages are built from the recorded mentions page (cassettes/x/mentions_two_pages.yaml, derived from
tweepy's recordings): same status line, headers and includes, its tweets copied under new, strictly
decreasing snowflake ids (created_at decoded from the id, as derive.py does), 100 to a page.
"""
from __future__ import annotations

import copy
import json
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import yaml
from sqlalchemy import func, select

from inbox.channels.poller import poll_once
from inbox.channels.settings import add_account
from inbox.extensions import db
from inbox.tickets.models import Message
from inbox.connectors.x.fixtures import BRAND_HANDLE, BRAND_ID
from tests.connectors.x.replay import CREDENTIALS, DERIVED, replay

TWITTER_EPOCH_MS = 1288834974657
NEWEST = 1599000000000000000


def _created_at(tweet_id: int) -> str:
    millis = (tweet_id >> 22) + TWITTER_EPOCH_MS
    return datetime.fromtimestamp(millis / 1000, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _pages(template: dict, first_id: int, count: int, per_page: int = 100) -> list[dict]:
    """`count` mentions from `first_id` downwards, as pages of one query (the last has no next_token)."""
    body = json.loads(template["response"]["body"]["string"])
    recorded = body["data"]
    pages = []
    ids = [first_id - n * 4_194_304 * 1000 for n in range(count)]  # one second apart
    for start in range(0, count, per_page):
        page_ids = ids[start:start + per_page]
        data = []
        for tweet_id in page_ids:
            tweet = copy.deepcopy(recorded[tweet_id % len(recorded)])
            tweet.update(id=str(tweet_id), edit_history_tweet_ids=[str(tweet_id)], conversation_id=str(tweet_id),
                         created_at=_created_at(tweet_id))
            tweet.pop("referenced_tweets", None)
            tweet.pop("in_reply_to_user_id", None)
            data.append(tweet)
        meta = {"result_count": len(data), "newest_id": str(page_ids[0]), "oldest_id": str(page_ids[-1])}
        if start + per_page < count:
            meta["next_token"] = f"page-after-{page_ids[-1]}"
        interaction = copy.deepcopy(template)
        interaction["response"]["body"] = {"string": json.dumps({"data": data, "includes": body["includes"], "meta": meta})}
        interaction["response"]["headers"].pop("content-length", None)
        pages.append(interaction)
    return pages


def _cassette(path: Path, polls: list[list[dict]]) -> Path:
    path.write_text(yaml.safe_dump({"interactions": [i for poll in polls for i in poll], "version": 1}, allow_unicode=True))
    return path


def test_three_thousand_new_mentions_all_arrive_over_the_next_polls(app, run_jobs, tmp_path):
    template = yaml.safe_load((DERIVED / "mentions_two_pages.yaml").read_text())["interactions"][0]
    backlog = _pages(template, NEWEST, 3000)
    newer = _pages(template, NEWEST + 60 * 4_194_304 * 1000, 50)  # arrive after the backlog was read
    cassette = _cassette(tmp_path / "backlog.yaml", [backlog[:25], backlog[25:], newer])
    account = add_account("Busy brand", "x", {**CREDENTIALS, "user_id": BRAND_ID, "username": BRAND_HANDLE, "dms": False})
    with replay(cassette) as tape:
        [first] = poll_once()
        db.session.refresh(account)
        assert (first.fetched, account.status) == (2500, "catching_up")
        assert "25 page(s) read so far" in account.status_detail
        [second] = poll_once(force=False)  # an account catching up is polled again at once
        db.session.refresh(account)
        assert (second.fetched, account.status) == (500, "ok")
        assert account.cursor["mentions"] == {"since_id": str(NEWEST)}
        [third] = poll_once()
        assert third.fetched == 50
        queries = [parse_qs(urlsplit(r.uri).query) for r in tape.sent("GET")]
    assert all("since_id" not in q and "until_id" not in q for q in queries[:25])
    # the second poll goes on below the oldest mention read, and never asks for newer ones in between
    assert {q["until_id"][0] for q in queries[25:30]} == {str(NEWEST - 2499 * 4_194_304 * 1000)}
    assert all(q["since_id"] == [str(NEWEST)] for q in queries[30:])
    run_jobs()
    assert db.session.scalar(select(func.count()).select_from(Message)) == 3050


def test_start_from_now_imports_no_history(app, run_jobs, tmp_path):
    template = yaml.safe_load((DERIVED / "mentions_two_pages.yaml").read_text())["interactions"][0]
    history = _pages(template, NEWEST, 5)
    later = _pages(template, NEWEST + 10 * 4_194_304 * 1000, 3)
    cassette = _cassette(tmp_path / "from_now.yaml", [history, later])
    add_account("New brand", "x", {**CREDENTIALS, "user_id": BRAND_ID, "username": BRAND_HANDLE, "dms": False,
                                   "start_from_now": True})
    with replay(cassette):
        assert [o.fetched for o in poll_once()] == [0]
        assert [o.fetched for o in poll_once()] == [3]
    run_jobs()
    assert db.session.scalar(select(func.count()).select_from(Message)) == 3
