"""Regenerate the derived X cassettes in this folder from tweepy's recordings in shared/eval/x_api/v2.

    .venv/bin/python tests/connectors/x/cassettes/derive.py

Every derived interaction starts as a copy of a recorded one (its headers, status line and body);
only the fields a test needs are edited, and each edit is listed here:
- tweets get the fields Inbox asks for (author_id, conversation_id, created_at, lang,
  referenced_tweets) and `includes.users` with public_metrics, which the recording did not request;
  created_at is decoded from the tweet id itself (snowflake time), author ids are the real ids of
  the accounts in the recordings (@Twitter 783214, @TwitterDev 2244994945, @TweepyDev
  1072250532645998596, TweepyDev's DM partner 750362064426721281, whose name is not in the
  recordings and is a placeholder); follower counts are made up;
- page 2 of the mentions reuses tweets recorded by `search_recent_tweets` (older ids);
- 401/429/503 responses keep the recorded headers, change the status and use X's problem+json
  error body; the 429 sets x-rate-limit-remaining to 0 and x-rate-limit-reset to 2100-01-01 (the
  recorded reset is in the past, so a back-off until then would not show);
- the reply POST adds `reply.in_reply_to_tweet_id` to the recorded create_tweet request;
- DM events get dm_conversation_id, sender_id and created_at, and one is sent by the customer.
Bodies are written as plain JSON (content-encoding removed) so they can be read in review.
"""
from __future__ import annotations

import copy
import gzip
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml

from inbox.connectors.x.fixtures import recorded_folder

HERE = Path(__file__).resolve().parent
SHARED = recorded_folder()

BRAND = {"id": "783214", "name": "Twitter", "username": "Twitter"}
TWITTERDEV = {"id": "2244994945", "name": "Twitter Dev", "username": "TwitterDev"}
TWEEPYDEV = {"id": "1072250532645998596", "name": "Tweepy Testing", "username": "TweepyDev"}
DM_PARTNER = {"id": "750362064426721281", "name": "DM partner", "username": "dm_partner"}  # real id, name unknown
RESET_IN_2100 = "4102444800"  # the recorded reset (2022) is in the past; a back-off must be visible in tests
FOLLOWERS = {"783214": 65_000_000, "2244994945": 520_000, "1072250532645998596": 154, "750362064426721281": 1_870}


def load(name: str) -> list[dict[str, Any]]:
    with open(SHARED / name, encoding="utf-8") as fh:
        return yaml.safe_load(fh)["interactions"]


def body_of(interaction: dict[str, Any]) -> Any:
    raw = interaction["response"]["body"]["string"]
    if isinstance(raw, bytes):
        raw = gzip.decompress(raw).decode("utf-8")
    return json.loads(raw) if raw else None


def with_body(interaction: dict[str, Any], body: Any, status: tuple[int, str] | None = None, **headers: str) -> dict[str, Any]:
    out = copy.deepcopy(interaction)
    text = json.dumps(body, ensure_ascii=False)
    out["response"]["body"] = {"string": text}
    response_headers = out["response"]["headers"]
    response_headers.pop("content-encoding", None)
    response_headers.pop("set-cookie", None)
    response_headers["content-length"] = [str(len(text.encode("utf-8")))]
    for key, value in headers.items():
        response_headers[key.replace("_", "-")] = [value]
    if status:
        out["response"]["status"] = {"code": status[0], "message": status[1]}
    return out


def at_path(interaction: dict[str, Any], uri: str) -> dict[str, Any]:
    out = copy.deepcopy(interaction)
    out["request"]["uri"] = uri
    return out


def snowflake_time(tweet_id: str) -> str:
    ms = (int(tweet_id) >> 22) + 1288834974657
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def user(data: dict[str, str]) -> dict[str, Any]:
    return {**data, "public_metrics": {"followers_count": FOLLOWERS[data["id"]], "following_count": 10, "tweet_count": 100, "listed_count": 1}}


def tweet(recorded: dict[str, Any], author: dict[str, str], conversation: str | None = None, replied_to: str | None = None) -> dict[str, Any]:
    out = dict(recorded)
    out.update(author_id=author["id"], conversation_id=conversation or recorded["id"], created_at=snowflake_time(recorded["id"]), lang="en")
    if replied_to:
        out["referenced_tweets"] = [{"type": "replied_to", "id": replied_to}]
        out["in_reply_to_user_id"] = BRAND["id"] if author is not BRAND else TWEEPYDEV["id"]
    return out


def write(name: str, interactions: list[dict[str, Any]]) -> None:
    with open(HERE / name, "w", encoding="utf-8") as fh:
        fh.write("# Derived by derive.py from tweepy's recorded cassettes; see the edits listed there.\n")
        yaml.safe_dump({"interactions": interactions, "version": 1}, fh, allow_unicode=True, sort_keys=False, width=120)


def main() -> None:
    mentions = load("test_client_get_users_mentions.yaml")[0]
    page1 = body_of(mentions)
    search = body_of(load("test_client_search_recent_tweets.yaml")[0])["data"]

    # page 2 (older): TweepyDev opens a thread, the brand answers in it
    root, brand_reply = search[-1], search[-2]
    page2_tweets = [tweet(brand_reply, BRAND, conversation=root["id"], replied_to=root["id"]), tweet(root, TWEEPYDEV)]
    # page 1 (newer): TweepyDev follows up in the same thread; the rest are single mentions by two authors
    page1_tweets = []
    for index, recorded in enumerate(page1["data"]):
        if index == 0:
            page1_tweets.append(tweet(recorded, TWEEPYDEV, conversation=root["id"], replied_to=brand_reply["id"]))
        else:
            page1_tweets.append(tweet(recorded, TWITTERDEV if index % 2 else TWEEPYDEV))
    users = [user(TWEEPYDEV), user(TWITTERDEV)]
    first = with_body(mentions, {"data": page1_tweets, "includes": {"users": users}, "meta": page1["meta"]})
    meta2 = {"result_count": 2, "newest_id": brand_reply["id"], "oldest_id": root["id"]}
    second = with_body(mentions, {"data": page2_tweets, "includes": {"users": [user(BRAND), user(TWEEPYDEV)]}, "meta": meta2})
    write("mentions_two_pages.yaml", [first, second])

    broken = [dict(page1_tweets[1]), dict(page1_tweets[2]), dict(page1_tweets[3])]
    del broken[0]["created_at"]
    del broken[1]["author_id"]
    write("mentions_malformed.yaml", [with_body(mentions, {"data": broken, "includes": {"users": users}, "meta": {
        "result_count": 3, "newest_id": broken[0]["id"], "oldest_id": broken[2]["id"]}})])

    write("mentions_429.yaml", [with_body(mentions, {"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank", "status": 429},
                                          (429, "Too Many Requests"), x_rate_limit_remaining="0",
                                          x_rate_limit_reset=RESET_IN_2100)])
    write("mentions_401.yaml", [with_body(mentions, {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"},
                                          (401, "Unauthorized"))])
    write("mentions_503.yaml", [with_body(mentions, {"title": "Service Unavailable", "type": "about:blank", "status": 503, "detail": "Service Unavailable"},
                                          (503, "Service Unavailable"))])

    create = load("test_client_create_and_delete_tweet.yaml")[0]
    reply = copy.deepcopy(create)
    reply["request"]["body"] = json.dumps({"text": "Test Tweet", "reply": {"in_reply_to_tweet_id": page1_tweets[0]["id"]}})
    write("create_reply_tweet.yaml", [reply])
    write("create_tweet_503.yaml", [with_body(create, {"title": "Service Unavailable", "type": "about:blank", "status": 503,
                                                        "detail": "Service Unavailable"}, (503, "Service Unavailable"))])

    # DMs, for the brand TweepyDev: get_me, its (empty) mentions, then one page of DM events
    me = load("test_client_get_me.yaml")[0]
    dm = load("test_manage_and_lookup_direct_messages.yaml")
    empty_events = dm[3]
    recorded_events = body_of(dm[4])["data"]
    conversation = f"{DM_PARTNER['id']}-{TWEEPYDEV['id']}"
    events = []
    for event, sender in zip(recorded_events, (TWEEPYDEV, DM_PARTNER)):  # newest first: the brand answered the customer
        events.append({**event, "dm_conversation_id": conversation, "sender_id": sender["id"], "created_at": snowflake_time(event["id"])})
    no_mentions = at_path(with_body(mentions, {"meta": {"result_count": 0}}), f"https://api.twitter.com/2/users/{TWEEPYDEV['id']}/mentions")
    page = with_body(empty_events, {"data": events, "includes": {"users": [user(TWEEPYDEV), user(DM_PARTNER)]}, "meta": {"result_count": 2}})
    write("dm_first_poll.yaml", [me, no_mentions, page])
    # a later poll: a new customer DM (recorded id of the group-DM event, newer) above the ones already seen
    newer = {"event_type": "MessageCreate", "id": body_of(dm[2])["data"]["dm_event_id"], "text": "Testing",
             "dm_conversation_id": conversation, "sender_id": DM_PARTNER["id"], "created_at": snowflake_time(body_of(dm[2])["data"]["dm_event_id"])}
    again = with_body(empty_events, {"data": [newer] + events, "includes": {"users": [user(TWEEPYDEV), user(DM_PARTNER)]},
                                     "meta": {"result_count": 3, "next_token": body_of(dm[4])["meta"]["next_token"]}})
    write("dm_second_poll.yaml", [no_mentions, again])


if __name__ == "__main__":
    main()
