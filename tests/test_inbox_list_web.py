"""The inbox list page: tabs with counts, filter bar, search, pages, the rows fragment and the DOM hooks
that the keyboard, live-update and browser tests rely on."""
from __future__ import annotations

import json
import re
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest

from inbox.auth.users import create_user
from inbox.extensions import db
from inbox.tickets.models import Ticket
from inbox.timeutil import utcnow
from tests.helpers import csrf_token
from tests.tickets.test_inbox_list import make_ticket


class Page(HTMLParser):
    """Just enough of the DOM: elements with their attributes, in order, and the text inside a few."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {k: v or "" for k, v in attrs}))

    def find(self, tag: str, **attrs: str) -> list[dict[str, str]]:
        def matches(found: dict[str, str]) -> bool:
            for name, value in attrs.items():
                name = name.rstrip("_").replace("_", "-")
                if name == "class":
                    if value not in found.get("class", "").split():
                        return False
                elif found.get(name) != value:
                    return False
            return True

        return [a for t, a in self.elements if t == tag and matches(a)]


def row_ids(html: str) -> list[int]:
    return [int(a["data-ticket-id"]) for a in Page(html).find("tr", class_="ticket-row")]


@pytest.fixture
def tickets(app, agent):
    now = utcnow()
    return {
        "breached": make_ticket(due=now - timedelta(hours=1), sla_state="breached", assignee=agent, channel="sms",
                                texts=("返金してください。まだ届きません",), handle="@tanaka", tags=("refund",), sentiment="negative"),
        "soon": make_ticket(due=now + timedelta(minutes=30), sla_state="at_risk", texts=("<script>alert(1)</script> wifi down",), handle="@mallory",
                            priority="urgent"),
        "later": make_ticket(due=now + timedelta(hours=5), status="pending", texts=("thanks, will check",), channel="email",
                             handle="kenji@example.jp"),
        "done": make_ticket(status="resolved", resolved_at=now - timedelta(hours=2), texts=("all good",)),
    }


def test_tabs_show_every_view_with_its_count(logged_in, tickets):
    page = logged_in.get("/")
    assert page.status_code == 200
    html = page.data.decode()
    dom = Page(html)
    tabs = dom.find("a", data_view="open")
    assert tabs and tabs[0].get("aria-current") == "page"
    counts = dict(re.findall(r'data-view="(\w+)"[^>]*>[^<]*<span class="count">(\d+)</span>', html))
    assert counts == {"mine": "1", "unassigned": "2", "open": "3", "at_risk": "1", "breached": "1", "pending": "1", "resolved": "1"}
    assert html.index('data-view="mine"') < html.index('data-view="unassigned"') < html.index('data-view="resolved"')
    assert row_ids(html) == [tickets["breached"].id, tickets["soon"].id, tickets["later"].id]


@pytest.mark.parametrize("view,expected", [
    ("mine", ["breached"]), ("unassigned", ["soon", "later"]), ("at_risk", ["soon"]), ("breached", ["breached"]),
    ("pending", ["later"]), ("resolved", ["done"]), ("all", ["done", "later", "soon", "breached"]),
])
def test_each_view_page(logged_in, tickets, view, expected):
    page = logged_in.get(f"/?view={view}")
    assert page.status_code == 200
    assert row_ids(page.data.decode()) == [tickets[k].id for k in expected]


def test_rows_carry_the_hooks_and_escape_customer_text(logged_in, tickets, agent):
    html = logged_in.get("/").data.decode()
    dom = Page(html)
    assert len(dom.find("tbody", id="ticket-rows")) == 1
    for key in ("breached", "soon", "later"):
        ticket_id = str(tickets[key].id)
        assert dom.find("tr", class_="ticket-row", data_ticket_id=ticket_id)
        assert len(dom.find("a", class_="ticket-link", href=f"/tickets/{ticket_id}")) == 1
        box = dom.find("input", class_="bulk-select", value=ticket_id)
        assert box and box[0]["type"] == "checkbox" and box[0]["name"] == "ticket_ids" and box[0]["form"] == "bulk-form"
        assert box[0].get("aria-label")
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "返金してください" in html and re.search(r'class="row-tag"[^>]*>refund<', html)
    assert "Ada Agent" in html  # assignee shown
    # the search form and the bulk bar
    form = dom.find("form", id="search-form")[0]
    assert (form["method"], form["action"]) == ("get", "/")
    search = dom.find("input", id="search")[0]
    assert (search["name"], search["type"]) == ("q", "search")
    assert dom.find("label", for_="search")
    for name in ("channel", "status", "sentiment", "priority", "tag", "assignee"):
        assert dom.find("select", name=name, id=f"filter-{name}") and dom.find("label", for_=f"filter-{name}"), name
    bulk = dom.find("form", id="bulk-form")[0]
    assert (bulk["method"], bulk["action"]) == ("post", "/tickets/bulk")
    assert dom.find("input", name="csrf_token") and dom.find("input", name="next", value="/?view=open")
    assert [o["value"] for t, o in dom.elements if t == "option" and o.get("value") in ("assign", "tag", "resolve")] == ["assign", "tag", "resolve"]
    assert dom.find("select", name="assignee_id") and dom.find("input", name="tag", id="bulk-tag") and dom.find("button", id="bulk-apply")


def test_agents_bulk_assign_to_themselves(logged_in, tickets):
    html = logged_in.get("/").data.decode()
    options = re.findall(r'<select id="bulk-assignee" name="assignee_id">(.*?)</select>', html, re.S)[0]
    assert re.findall(r'value="([^"]*)"', options) == ["me"]


def test_leads_bulk_assign_to_anyone(client, agent, tickets):
    create_user("lead@example.com", "Lee Lead", "lead", "correct horse battery")
    page = client.get("/login")
    client.post("/login", data={"email": "lead@example.com", "password": "correct horse battery", "csrf_token": csrf_token(page)})
    options = re.findall(r'<select id="bulk-assignee" name="assignee_id">(.*?)</select>', client.get("/").data.decode(), re.S)[0]
    assert re.findall(r'value="([^"]*)"', options) == ["me", str(agent.id), "none"]


def test_filters_and_search_from_the_query_string(logged_in, tickets, agent):
    def rows(query: str) -> list[int]:
        response = logged_in.get("/?" + query)
        assert response.status_code == 200, query
        return row_ids(response.data.decode())

    t = {k: v.id for k, v in tickets.items()}
    assert rows("channel=sms") == [t["breached"]]
    assert rows("status=pending") == [t["later"]]
    assert rows("sentiment=negative") == [t["breached"]]
    assert rows("priority=urgent") == [t["soon"]]
    assert rows("tag=refund") == [t["breached"]]
    assert rows("assignee=me") == [t["breached"]] and rows(f"assignee={agent.id}") == [t["breached"]]
    assert rows("assignee=none") == [t["soon"], t["later"]]
    assert rows("q=返金") == [t["breached"]] and rows("q=WIFI") == [t["soon"]] and rows("q=@mallory") == [t["soon"]]
    assert rows("q=kenji@example") == [t["later"]]
    assert rows("view=resolved&q=good") == [t["done"]] and rows("view=open&q=good") == []
    assert rows("q=wifi&priority=low") == []
    # the form shows what is applied
    html = logged_in.get("/?channel=sms&q=返金").data.decode()
    assert 'value="返金"' in html and '<option value="sms" selected>' in html and ">Clear</a>" in html


def test_dashboard_links_keep_working(logged_in, tickets, agent):
    for query, expected in ((f"view=open&assignee={agent.id}", ["breached"]), ("view=all&channel=email", ["later"]),
                            ("view=open&assignee=0", ["soon", "later"]), ("view=breached", ["breached"]), ("view=at_risk", ["soon"])):
        assert row_ids(logged_in.get("/?" + query).data.decode()) == [tickets[k].id for k in expected], query
    # the tickets' own week (make_ticket opens them at a fixed time), never today's
    year, week, _ = (tickets["breached"].opened_at).isocalendar()
    assert row_ids(logged_in.get(f"/?view=all&week={year}-W{week:02d}").data.decode()) != []


def test_hostile_input_gets_a_clear_answer_never_a_500(logged_in, tickets):
    hostile = [
        "q=" + "x" * 10_000, "q=%00", "q=%1b[2J%07", "q=' OR 1=1 --", "q=%25", "q=_", "q=%5C", "q=%F0%9F%98%80",
        "q=" + "%E8%BF%94" * 3000, "channel=x' OR 1=1 --", "status=%00", "sentiment=" + "😡" * 500, "priority[]=1",
        "tag=" + "t" * 5000, "tag=%00", "assignee=-1", "assignee=" + "9" * 40, "assignee=me%00", "week=2026-W99",
        "view=' OR 1=1 --", "view=resolved&after=-_x", "after=1e400_1", "after=" + "9" * 500, "after=%00_1",
        "after=99999999999999999_1", "after=-99999999999999999_99", "after=_", "q=a&q=b", "view=%ff",
    ]
    for query in hostile:
        response = logged_in.get("/?" + query)
        assert response.status_code in (200, 400), (query, response.status_code)
        assert b"Traceback" not in response.data
    too_long = logged_in.get("/?q=" + "x" * 10_000)
    assert too_long.status_code == 400 and b"limited to 200 characters" in too_long.data and b'role="alert"' in too_long.data
    assert row_ids(too_long.data.decode()) == []
    assert b"x" * 300 not in too_long.data  # never echoed back
    bad = logged_in.get("/?channel=bogus&assignee=-1").data.decode()
    assert "Unknown channel" in bad and "Unknown assignee" in bad
    assert len(row_ids(bad)) == 3  # what could not be used is dropped, the rest of the page works


def test_next_page_links_walk_every_ticket_once(logged_in, agent, monkeypatch):
    from inbox.tickets.read import queries

    monkeypatch.setattr(queries, "PAGE_SIZE", 4)
    now = utcnow().replace(second=0, microsecond=0)
    for i in range(19):
        make_ticket(due=None if i % 6 == 5 else now + timedelta(minutes=10 * (i % 3)), channel=("x", "sms")[i % 2],
                    texts=(f"router issue {i}",), commit=False)
    db.session.commit()
    url = "/?view=open&channel=x&q=router"
    seen: list[int] = []
    for _ in range(10):
        html = logged_in.get(url).data.decode()
        seen += row_ids(html)
        found = re.search(r'<a rel="next" href="([^"]+)"', html)
        if not found:
            break
        url = found.group(1).replace("&amp;", "&")
        assert parse_qs(urlsplit(url).query)["q"] == ["router"]  # the search and filters travel with the cursor
        assert parse_qs(urlsplit(url).query)["channel"] == ["x"]
    expected = [t.id for t in db.session.query(Ticket).filter(Ticket.channel == "x").all()]
    assert sorted(seen) == sorted(expected) and len(seen) == len(set(seen)) == 10


def test_rows_fragment_for_live_refresh(logged_in, tickets):
    response = logged_in.get("/?view=open&q=wifi", headers={"X-Inbox-Fragment": "rows"})
    assert response.status_code == 200
    body = response.data.decode().strip()
    assert body.startswith("<tr") and "<html" not in body and "<thead" not in body and "ticket-rows" not in body
    assert row_ids(body) == [tickets["soon"].id]
    assert "&lt;script&gt;" in body
    counts = json.loads(response.headers["X-Inbox-Counts"])
    assert counts["open"] == 3 and counts["resolved"] == 1
    assert response.headers["X-Inbox-Next"] == "" and "X-Inbox-Fragment" in response.headers["Vary"]
    empty = logged_in.get("/?q=nothing-like-this", headers={"X-Inbox-Fragment": "rows"}).data.decode()
    assert 'class="empty-row"' in empty and row_ids(empty) == []
    # the fragment of a full page is exactly the page's tbody
    full = logged_in.get("/").data.decode()
    tbody = full.split('<tbody id="ticket-rows">', 1)[1].split("</tbody>", 1)[0]
    assert tbody.strip() == logged_in.get("/", headers={"X-Inbox-Fragment": "rows"}).data.decode().strip()


def test_counts_follow_a_change(logged_in, tickets, agent):
    assert re.search(r'data-view="mine"[^>]*>Mine <span class="count">1</span>', logged_in.get("/").data.decode())
    db.session.get(Ticket, tickets["soon"].id).assignee_id = agent.id
    db.session.commit()
    html = logged_in.get("/").data.decode()
    assert re.search(r'data-view="mine"[^>]*>Mine <span class="count">2</span>', html)
    assert re.search(r'data-view="unassigned"[^>]*>Unassigned <span class="count">1</span>', html)
