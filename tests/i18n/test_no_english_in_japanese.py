"""Zero English in Japanese mode (issue 29 item 1): with the product's data present (tickets on every channel and
of every kind, their history, notifications, failed deliveries, audit rows, tokens, webhooks, rules), each role
signed in with Japanese chosen walks every page it can reach from the inbox by following links, and no page
shows a word in Latin letters outside customer content, proper nouns and the reviewed allow-list of
tests/i18n/visible_text.py. Runs over the HTML of the test client (the browser twin is
tests/browser/test_japanese_everywhere.py)."""
from __future__ import annotations

import re
from collections import defaultdict
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from inbox.auth.models import User
from inbox.extensions import db
from inbox.timeutil import utcnow
from tests.i18n.visible_text import latin_words, visible_texts
from tests.workspace import login, open_ticket, user

from inbox.channels.models import CHANNEL_TYPES

CHANNELS = CHANNEL_TYPES  # "line" too, once the LINE channel lands
# customer content the seed writes, and what the crawl types into addresses (fax, garbage): the collector takes
# these out before it looks for English
CUSTOMER = ["Dan Whitfield", "Priya Raman", "Tom Becker", "Mallory", "Hello there, my router blinks red",
            "fibre down since this morning", "refund please", "charged twice", "Nova Help", "Looking into it",
            "Hi {customer_name}, sorry for the trouble.", "Router check", "billing", "outage", "Nightly hook",
            "Escalate angry", "Zapier token", "Ada Agent", "Lee Lead", "Ann Admin", "Bea Baker", "NovaHikari_help",
            "my router blinks red",
            "fax", "garbage"] + [channel.upper() for channel in CHANNEL_TYPES]  # the seeded accounts' names
SKIP_PATHS = re.compile(r"^/(?:logout|events|static/|exports/|dashboard/export|voice/exports/|api/|s/|healthz|metrics)")
MAX_PAGES_PER_SHAPE = len(CHANNELS) + 2  # every channel's ticket page
MAX_PAGES = 220


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        href = dict(attrs).get("href")
        if tag == "a" and href and not dict(attrs).get("download") is not None:
            self.hrefs.append(href)


def _shape(path: str) -> str:
    return re.sub(r"/\d+", "/<id>", path)


def _seed(app, run_jobs) -> dict[str, User]:
    from inbox.api.tokens import create_token
    from inbox.auth.users import change_role
    from inbox.tickets.sla.sweep import sweep
    from inbox.tickets.workspace.actions import resolve_ticket, set_pending, set_priority
    from inbox.tickets.workspace.assignment import assign_ticket, take_ticket
    from inbox.tickets.workspace.canned import create_canned
    from inbox.tickets.workspace.notes import add_note
    from inbox.tickets.workspace.replies import queue_reply
    from inbox.tickets.workspace.tags import add_tags

    people = {"agent": user("agent", "Ada Agent"), "agent2": user("agent", "Bea Baker"), "lead": user("lead", "Lee Lead"),
              "admin": user("admin", "Ann Admin")}
    for person in people.values():
        person.locale = "ja"
    db.session.commit()
    tickets = []
    for i, channel in enumerate(CHANNELS):
        text = ["Hello there, my router blinks red", "fibre down since this morning", "refund please",
                "charged twice"][i % 4]
        tickets.append(open_ticket(f"c-{channel}", text, channel=channel, minutes_ago=600 + i,
                                   name=["Dan Whitfield", "Priya Raman", "Tom Becker", "Mallory"][i % 4],
                                   label=["negative", "neutral", "positive", "negative"][i % 4]))
    agent, lead, admin = people["agent"], people["lead"], people["admin"]
    take_ticket(tickets[0], agent)
    assign_ticket(tickets[1], people["agent2"], lead)
    assign_ticket(tickets[2], agent, lead)
    add_note(tickets[0], "Router check", agent)
    add_tags(tickets[0], "billing, outage", agent)
    set_priority(tickets[3], "urgent", lead)
    queue_reply(tickets[4], agent, "refund please")  # a JSONL channel cannot send: the delivery fails
    set_pending(tickets[5], agent)
    resolve_ticket(tickets[6], agent)
    create_canned("Looking into it", "Hi {customer_name}, sorry for the trouble.", admin)
    create_token(admin, "Zapier token", "read")
    change_role(people["agent2"], "lead", admin)
    change_role(people["agent2"], "agent", admin)
    db.session.commit()
    run_jobs()
    sweep(utcnow() + timedelta(days=3))  # at risk and breached, with their notifications
    run_jobs()
    return people


def _crawl(client) -> dict[str, str]:
    """path → HTML of every page reachable from the inbox by links (two of each shape, at most MAX_PAGES)."""
    seen: dict[str, str] = {}
    per_shape: dict[str, int] = defaultdict(int)
    # besides the links: the pages that say what went wrong (a range the dashboard cannot show, a missing ticket)
    queue = ["/", "/notifications", "/account", "/settings/preferences", "/settings/api-tokens", "/dashboard?from=garbage",
             "/dashboard?from=0001-01-01", "/dashboard?from=2026-12-10&to=2026-12-01", "/tickets/2147483647",
             "/?channel=fax"]
    while queue and len(seen) < MAX_PAGES:
        url = queue.pop(0)
        parts = urlsplit(url)
        if parts.netloc or url in seen or SKIP_PATHS.match(parts.path) or parts.scheme not in ("", "http", "https"):
            continue
        shape = _shape(parts.path) + ("?" + "&".join(sorted(k.split("=")[0] for k in parts.query.split("&"))) if parts.query else "")
        if per_shape[shape] >= MAX_PAGES_PER_SHAPE:
            continue
        per_shape[shape] += 1
        response = client.get(url)
        if response.status_code in (301, 302, 303, 403):
            continue
        assert response.status_code < 500, (url, response.status_code)
        if "text/html" not in response.content_type:
            continue
        html = response.get_data(as_text=True)
        seen[url] = html
        links = _Links()
        links.feed(html)
        queue += [href.split("#")[0] for href in links.hrefs if href.split("#")[0]]
    return seen


@pytest.mark.parametrize("role", ["agent", "lead", "admin"])
def test_every_reachable_page_is_japanese(app, client, run_jobs, role):
    people = _seed(app, run_jobs)
    login(client, people[role].email)
    if role != "agent":
        assert client.get("/dashboard/export.csv").status_code == 200  # "export downloaded" in the audit log
    pages = _crawl(client)
    assert len(pages) > (5 if role == "agent" else 12), sorted(pages)
    english: dict[str, list[str]] = {}
    for url, html in pages.items():
        texts = visible_texts(html)
        words = latin_words(texts, CUSTOMER)
        if words:
            # each word with the text it was found in, so a failure says where to look
            english[url] = sorted(f"{word} (in “{next((t for t in texts if word in t), '')[:80]}”)" for word in words)
    assert not english, "English on Japanese pages:\n" + "\n".join(f"{url}: {'; '.join(words)}" for url, words in sorted(english.items()))
