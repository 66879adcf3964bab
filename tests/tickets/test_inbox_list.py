"""Inbox views, counts, filters, search and keyset pages against the real database (and Redis for counts)."""
from __future__ import annotations

import os

import itertools
import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update

from inbox.auth.users import create_user
from inbox.channels import get_or_create_account
from inbox.extensions import db
from inbox.tickets.read.counts import view_counts
from inbox.tickets.models import Contact, ContactIdentity, Message, Tag, Ticket
from inbox.tickets.read.queries import VIEWS, ListCursor, TicketFilter, list_tickets

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)
_serial = itertools.count(1)


def make_ticket(*, due: datetime | None = None, status: str = "open", assignee=None, channel: str = "x", priority: str = "normal",
                sentiment: str | None = "neutral", sla_state: str = "on_track", texts: tuple[str, ...] = ("hello",),
                handle: str | None = None, other_handles: tuple[tuple[str, str], ...] = (), tags: tuple[str, ...] = (),
                resolved_at: datetime | None = None, commit: bool = True) -> Ticket:
    """A ticket as ingestion and the SLA code would have left it, written straight to the database."""
    n = next(_serial)
    account, _ = get_or_create_account(f"acct-{channel}", "jsonl", channel)
    handle = handle or f"@customer{n}"
    contact = Contact(display_name=f"Customer {n}", created_at=NOW)
    identity = ContactIdentity(contact=contact, channel=channel, external_id=f"ext-{n}", handle=handle, name=f"Customer {n}", updated_at=NOW)
    extra = [ContactIdentity(contact=contact, channel=ch, external_id=f"ext-{n}-{ch}", handle=h, name=f"Customer {n}", updated_at=NOW)
             for ch, h in other_handles]
    ticket = Ticket(
        account_id=account.id, channel=channel, contact=contact, conversation_key=f"conv-{n}", kind="mention", status=status,
        priority=priority, assignee_id=getattr(assignee, "id", assignee), subject=texts[0][:200], message_count=len(texts),
        first_sentiment=sentiment, last_sentiment=sentiment, opened_at=NOW - timedelta(hours=1),
        # "at risk" is past the warning time and not yet due (the one definition, tickets.sla)
        sla_warn_at=(NOW - timedelta(minutes=1)) if sla_state == "at_risk" and due is not None else None,
        due_at=due, resolved_at=resolved_at, created_at=NOW, updated_at=NOW,
    )
    ticket.tags = [_tag(name) for name in tags]
    db.session.add_all([contact, identity, *extra, ticket])
    db.session.flush()
    for i, text in enumerate(texts):
        db.session.add(Message(
            ticket_id=ticket.id, account_id=account.id, conversation_key=ticket.conversation_key, external_id=f"m-{n}-{i}",
            direction="inbound", kind="mention", identity_id=identity.id, author_handle=handle, author_name=f"Customer {n}",
            text=text, sent_at=NOW - timedelta(hours=1), received_at=NOW - timedelta(hours=1),
        ))
    if commit:
        db.session.commit()
    return ticket


def _tag(name: str) -> Tag:
    found = db.session.query(Tag).filter_by(name=name).one_or_none()
    if found is None:
        found = Tag(name=name, created_at=NOW)
        db.session.add(found)
    return found


def ids(view: str, user=None, filters: TicketFilter | None = None, limit: int = 500) -> list[int]:
    rows, cursor = list_tickets(view, filters=filters, user_id=getattr(user, "id", None), now=NOW, limit=limit)
    assert cursor is None, "more than one page"
    return [t.id for t in rows]


def search_in(q: str, view: str = "all", **args: str) -> list[int]:
    return ids(view, filters=TicketFilter.from_args({"q": q, **args}, timezone.utc))


def every_page(view: str, limit: int, filters: TicketFilter | None = None, user=None) -> list[int]:
    seen: list[int] = []
    after = None
    for _ in range(1000):
        rows, after = list_tickets(view, after, limit=limit, filters=filters, user_id=getattr(user, "id", None), now=NOW)
        assert len(rows) <= limit
        seen += [t.id for t in rows]
        if after is None:
            return seen
        # the cursor travels through a URL: use what the next request would decode
        after = ListCursor.decode(after.encode())
    raise AssertionError("paging did not end")


@pytest.fixture
def agent2(app):
    return create_user("bea@example.com", "Bea Agent", "agent", "correct horse battery")[0]


@pytest.fixture
def board(app, agent, agent2):
    """One ticket per interesting state; names say what each is."""
    t = {}
    t["breached_mine"] = make_ticket(due=NOW - timedelta(hours=2), sla_state="breached", assignee=agent)
    t["breached_unassigned"] = make_ticket(due=NOW - timedelta(minutes=5), sla_state="breached", status="new")
    t["soon_unassigned"] = make_ticket(due=NOW + timedelta(minutes=20), sla_state="at_risk", status="new")
    t["soon_bea"] = make_ticket(due=NOW + timedelta(minutes=59), sla_state="at_risk", assignee=agent2)
    t["later_mine"] = make_ticket(due=NOW + timedelta(hours=3), assignee=agent)
    t["later_unassigned"] = make_ticket(due=NOW + timedelta(hours=3), status="new")  # same due time as later_mine: id breaks the tie
    t["no_target_mine"] = make_ticket(due=None, assignee=agent)
    t["pending_mine"] = make_ticket(due=NOW + timedelta(hours=20), status="pending", assignee=agent)
    t["pending_no_target"] = make_ticket(due=None, status="pending")
    t["resolved_old"] = make_ticket(status="resolved", resolved_at=NOW - timedelta(days=2), assignee=agent)
    t["resolved_new"] = make_ticket(status="resolved", resolved_at=NOW - timedelta(hours=1))
    t["closed"] = make_ticket(status="closed", resolved_at=NOW - timedelta(days=9))
    return {k: v.id for k, v in t.items()}


def test_each_view_holds_its_tickets_in_urgency_order(board, agent, agent2):
    b = board
    assert ids("open") == [b["breached_mine"], b["breached_unassigned"], b["soon_unassigned"], b["soon_bea"], b["later_mine"],
                           b["later_unassigned"], b["pending_mine"], b["no_target_mine"], b["pending_no_target"]]
    assert ids("mine", agent) == [b["breached_mine"], b["later_mine"], b["pending_mine"], b["no_target_mine"]]
    assert ids("mine", agent2) == [b["soon_bea"]]
    assert ids("mine", None) == []
    assert ids("unassigned") == [b["breached_unassigned"], b["soon_unassigned"], b["later_unassigned"], b["pending_no_target"]]
    assert ids("at_risk") == [b["soon_unassigned"], b["soon_bea"]]
    assert ids("breached") == [b["breached_mine"], b["breached_unassigned"]]
    assert ids("pending") == [b["pending_mine"], b["pending_no_target"]]
    # resolved: newest resolution first
    assert ids("resolved") == [b["resolved_new"], b["resolved_old"], b["closed"]]
    assert ids("all") == sorted(b.values(), reverse=True)


def test_counts_match_the_views_and_follow_changes(board, agent, agent2):
    counts = view_counts(agent.id, NOW)
    assert set(counts) == set(VIEWS)
    for view in VIEWS:
        assert counts[view] == len(ids(view, agent)), view
    assert counts == {"mine": 4, "unassigned": 4, "open": 9, "at_risk": 2, "breached": 2, "pending": 2, "resolved": 3}
    assert view_counts(agent2.id, NOW)["mine"] == 1

    # a change through the session shows at once (the cached counts are dropped on commit)
    ticket = db.session.get(Ticket, board["later_mine"])
    ticket.status, ticket.resolved_at, ticket.due_at = "resolved", NOW, None
    db.session.commit()
    after = view_counts(agent.id, NOW)
    assert (after["open"], after["mine"], after["resolved"]) == (8, 3, 4)
    # and so does a set-based one, like the SLA sweep's
    db.session.execute(update(Ticket).where(Ticket.id == board["soon_bea"]).values(due_at=NOW - timedelta(minutes=1)))
    db.session.commit()
    assert view_counts(agent2.id, NOW)["breached"] == 3


def test_counts_are_served_from_redis_until_a_ticket_changes(board, agent):
    from inbox.redis_client import get_redis

    first = view_counts(agent.id, NOW)
    # a write that bypasses the application (another tool on the database) is seen only after the TTL...
    with db.engine.begin() as conn:
        conn.execute(update(Ticket.__table__).where(Ticket.__table__.c.id == board["closed"]).values(status="open"))
    assert view_counts(agent.id, NOW) == first
    assert any(key.startswith(b"inbox:view-counts:") for key in get_redis().keys("inbox:view-counts:*"))
    # ...or once any ticket changes through the application
    make_ticket(due=NOW + timedelta(hours=1))
    assert view_counts(agent.id, NOW)["open"] == first["open"] + 2


@pytest.mark.parametrize("tag_cap", [2000, 0], ids=["tag-lookup", "tag-walk"])
def test_each_filter_narrows_the_view(app, agent, agent2, tag_cap, monkeypatch):
    from inbox.tickets.read import queries

    monkeypatch.setattr(queries, "TAG_CAP", tag_cap)
    a = make_ticket(due=NOW + timedelta(minutes=1), channel="email", priority="urgent", sentiment="negative", tags=("refund", "vip"), assignee=agent)
    b = make_ticket(due=NOW + timedelta(minutes=2), channel="sms", priority="low", sentiment="positive", tags=("refund",), status="pending")
    c = make_ticket(due=NOW + timedelta(minutes=3), channel="x", priority="urgent", sentiment="negative", assignee=agent2, status="new")
    zone = ZoneInfo("Asia/Tokyo")

    def with_(**args: str) -> list[int]:
        return ids("open", filters=TicketFilter.from_args(args, zone, me=agent.id))

    assert with_() == [a.id, b.id, c.id]
    assert with_(channel="email") == [a.id] and with_(channel="SMS") == [b.id] and with_(channel="phone") == []
    assert with_(status="pending") == [b.id] and with_(status="new") == [c.id] and with_(status="resolved") == []
    assert with_(sentiment="negative") == [a.id, c.id] and with_(sentiment="positive") == [b.id]
    assert with_(priority="urgent") == [a.id, c.id] and with_(priority="low") == [b.id]
    assert with_(tag="refund") == [a.id, b.id] and with_(tag="VIP") == [a.id] and with_(tag="nothing-like-it") == []
    assert with_(assignee="me") == [a.id] and with_(assignee=str(agent2.id)) == [c.id] and with_(assignee="none") == [b.id]
    assert with_(assignee="0") == [b.id]
    assert with_(channel="x", priority="urgent", sentiment="negative", assignee=str(agent2.id)) == [c.id]
    assert with_(priority="urgent", tag="refund") == [a.id]
    year, week, _ = NOW.astimezone(zone).isocalendar()
    assert with_(week=f"{year}-W{week:02d}") == [a.id, b.id, c.id] and with_(week="2020-W01") == []


def test_bad_filter_values_are_dropped_and_reported(app):
    f = TicketFilter.from_args({"channel": "x' OR 1=1 --", "status": "bogus", "sentiment": "😡", "priority": "p" * 5000,
                                "assignee": "-1", "tag": "t" * 65, "week": "9999999-W99"}, timezone.utc)
    assert (f.channel, f.status, f.sentiment, f.priority, f.assignee_id, f.tag, f.week_start) == (None,) * 7
    assert len(f.problems) == 7 and not f.active
    assert all(len(p) < 120 for p in f.problems)  # the input is quoted shortened, never echoed whole
    assert TicketFilter.from_args({"assignee": "9" * 30}, timezone.utc).assignee_id is None


@pytest.fixture(params=["open/lookup", "open/walk", "all/lookup", "all/walk"])
def search_path(request, monkeypatch):
    """Run a search test every way a term can be run: in an open view (the open tickets' documents) or
    over all tickets (messages and handles), looked up in the indexes first or checked while walking.
    Returns the view to search in."""
    view, how = request.param.split("/")
    if how == "walk":
        from inbox.tickets.read import search as search_module

        for cap in ("DOCUMENT_CAP", "CANDIDATE_CAP", "CONTACT_CAP"):
            monkeypatch.setattr(search_module, cap, 0)
    return view


def test_search_in_english_japanese_and_handles(app, search_path):
    def search(q: str, **args: str) -> list[int]:
        return search_in(q, **{"view": search_path, **args})

    refund = make_ticket(due=NOW, texts=("Where is my REFUND? It has been two weeks",), handle="@mallory")
    ja = make_ticket(due=NOW + timedelta(minutes=1), texts=("ご注文の商品が届きません", "返金してください。請求書も間違っています"), handle="@tanaka_hanako")
    later = make_ticket(due=NOW + timedelta(minutes=2), texts=("the router keeps dropping", "still waiting for the technician"),
                        other_handles=(("email", "kenji@example.jp"),))
    make_ticket(due=NOW + timedelta(minutes=3), texts=("all good now, thanks",))
    assert search("refund") == [refund.id]            # case-insensitive
    assert search("Refund") == [refund.id]
    assert search("返金") == [ja.id]                   # two characters, inside a sentence without spaces
    assert search("請求書") == [ja.id]
    assert search("届きません") == [ja.id]
    assert search("返品") == []
    assert search("mallory") == [refund.id] and search("@mallory") == [refund.id]
    assert search("tanaka_hanako") == [ja.id]           # an underscore is a character, not a wildcard
    assert search("kenji@example") == [later.id]        # the customer's handle on another channel
    # several words: each must appear somewhere in the ticket (here in different messages)
    assert search("router technician") == [later.id]
    assert search("router refund") == []
    assert search("  refund\u3000 ") == [refund.id]     # spaces (and the ideographic space) around are nothing
    # search combines with a view and filters
    assert search("refund", view="open") == [refund.id]
    assert search("refund", view="resolved") == []
    assert search("返金", view="open", channel="email") == []


def test_a_term_in_more_messages_than_the_lookup_takes_is_walked(app, monkeypatch):
    from inbox.tickets.read import search as search_module

    monkeypatch.setattr(search_module, "CANDIDATE_CAP", 2)
    chatty = make_ticket(due=NOW, texts=("zebra one", "zebra two", "zebra three"))
    quiet = make_ticket(due=NOW + timedelta(minutes=1), texts=("a zebra",))
    assert search_in("zebra", view="open") == [chatty.id, quiet.id]
    assert search_in("zebra", view="all") == [quiet.id, chatty.id]


def test_search_treats_its_input_as_text(app, search_path):
    def search(q: str, **args: str) -> list[int]:
        return search_in(q, **{"view": search_path, **args})

    percent = make_ticket(due=NOW, texts=("100% broken",))
    underscore = make_ticket(due=NOW + timedelta(minutes=1), texts=("error code E_42",))
    backslash = make_ticket(due=NOW + timedelta(minutes=2), texts=(r"path C:\inbox\new is gone",))
    quote = make_ticket(due=NOW + timedelta(minutes=3), texts=("it's a '; DROP TABLE tickets; -- joke",))
    make_ticket(due=NOW + timedelta(minutes=4), texts=("nothing special here",))
    assert search("%") == [percent.id]
    assert search("_") == [underscore.id]
    assert search("\\") == [backslash.id]
    assert search(r"C:\inbox") == [backslash.id]
    assert search("'; DROP TABLE tickets; --") == [quote.id]
    assert search("' OR '1'='1") == []
    assert search("\x00refund\x07") == []               # control characters are spaces, never an error
    assert search("E\x00_42") == [underscore.id]   # two words: "E" and "_42"
    assert db.session.query(Ticket).count() == 5
    too_long = TicketFilter.from_args({"q": "x" * 10_000}, timezone.utc)
    assert too_long.search_refused and "200 characters" in too_long.problems[0]
    assert list_tickets("open", filters=too_long, now=NOW)[0] == []
    assert TicketFilter.from_args({"q": " ".join("w" * 9)}, timezone.utc).search_refused


def test_cursor_round_trip_and_hostile_cursors():
    at = datetime(2026, 11, 24, 9, 0, 0, 123457, tzinfo=timezone.utc)
    assert ListCursor.decode(ListCursor(at, 42).encode()) == ListCursor(at, 42)
    assert ListCursor.decode(ListCursor(None, 7).encode()) == ListCursor(None, 7)
    for raw in (None, "", "abc", "1e400_1", "-_x", "_1", "1_", "1_-5", "nan_1", "9" * 19 + "_1", "1_" + "9" * 19,
                "99999999999999999_1", "-99999999999999999_1", "1 _2", "１_２", "0x10_1", "1_2_3", "x" * 100):
        decoded = ListCursor.decode(raw)
        assert decoded is None or isinstance(decoded.ticket_id, int), raw


@pytest.mark.parametrize("view", ["open", "unassigned", "mine"])
def test_keyset_pages_cover_every_ticket_once_across_ties(app, agent, view):
    """130 tickets on 5 due times (heavy ties) plus some with no due time, read 7 at a time."""
    due_times = [NOW + timedelta(minutes=m) for m in (0, 0, 30, 30, 30, 90, 90, 240)] + [None, None]
    made = []
    for i in range(130):
        made.append(make_ticket(due=due_times[i % len(due_times)], assignee=agent if i % 3 else None,
                                status=("new", "open", "pending")[i % 3], commit=False))
    make_ticket(status="resolved", resolved_at=NOW)
    db.session.commit()
    expected = ids(view, agent)
    assert len(expected) == {"open": 130, "unassigned": 44, "mine": 86}[view]
    assert every_page(view, 7, user=agent) == expected
    assert every_page(view, 1, user=agent) == expected
    keys = [(db.session.get(Ticket, i).due_at is None, db.session.get(Ticket, i).due_at or NOW, i) for i in expected]
    assert keys == sorted(keys)


def test_keyset_pages_in_resolved_and_all_and_with_filters(app, agent, search_path):
    when = [NOW - timedelta(hours=h) for h in (1, 1, 1, 5, 5, 30)] + [None]
    for i in range(60):
        make_ticket(status="resolved" if i % 4 else "closed", resolved_at=when[i % len(when)], channel=("x", "sms")[i % 2],
                    texts=(f"ticket {i} about {'refund' if i % 5 == 0 else 'delivery'}",), commit=False)
    for i in range(25):
        make_ticket(due=NOW + timedelta(minutes=i % 3), channel=("x", "sms")[i % 2], texts=(f"open {i} refund",), commit=False)
    db.session.commit()
    expected = ids("resolved")
    assert len(expected) == 60 and every_page("resolved", 4) == expected
    assert every_page("all", 6) == ids("all") and len(ids("all")) == 85
    combo = TicketFilter.from_args({"q": "refund", "channel": "x"}, timezone.utc)
    assert every_page("resolved", 2, filters=combo) == ids("resolved", filters=combo) != []
    assert every_page("open", 2, filters=combo) == ids("open", filters=combo) != []
    assert every_page("all", 3, filters=combo) == ids("all", filters=combo)


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
                    reason="query plans are PostgreSQL's; CI's second pass (TEST_DATABASE_URL) runs this")
def test_views_read_their_own_index_on_postgresql(app, agent):
    """The plan that makes a page cost the same at a million tickets: an ordered index range, no sort,
    for the tickets with a sort time and for those without one (read after them)."""
    assert db.engine.dialect.name == "postgresql"
    from sqlalchemy import event, text

    from inbox.tickets.read.queries import _keyset_page, view_conditions

    for i in range(30):
        make_ticket(due=NOW + timedelta(minutes=i) if i % 5 else None, assignee=agent if i % 2 else None, commit=False)
    db.session.commit()
    db.session.execute(text("ANALYZE tickets"))
    expected = {"open": "ix_tickets_open_due", "mine": "ix_tickets_open_assignee_due", "unassigned": "ix_tickets_unassigned_due",
                "breached": "ix_tickets_open_due", "at_risk": "ix_tickets_open_due", "resolved": "ix_tickets_closed_resolved"}
    # 30 rows would rather be scanned and sorted; with both discouraged the planner shows whether an
    # ordered index path exists at all, which is what a million rows need
    db.session.execute(text("SET LOCAL enable_seqscan = off"))
    db.session.execute(text("SET LOCAL enable_sort = off"))
    plans: list[str] = []

    def capture(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT TICKETS.ID"):
            plans.append("\n".join(row[0] for row in conn.exec_driver_sql("EXPLAIN " + statement, parameters)))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        for view, index in expected.items():
            key = {"resolved": Ticket.resolved_at}.get(view, Ticket.due_at)
            where = view_conditions(view, agent.id, NOW) + [Ticket.channel == "x", Ticket.priority != "low"]
            for after in (ListCursor(NOW, 5), ListCursor(None, 5)):
                plans.clear()
                _keyset_page(where, key, view == "resolved", after, 51)
                assert plans, view
                for plan in plans:
                    # filters are checked inside the index (index-only), and the index already has the page's order
                    assert re.search(rf"Index Only Scan (Backward )?using {index} ", plan) and "Sort" not in plan, (view, after, plan)
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)

def test_a_large_resolved_count_is_kept_for_a_minute_across_changes(board, agent, monkeypatch):
    from inbox.tickets.read import counts as counts_module

    monkeypatch.setattr(counts_module, "RESOLVED_EXACT_BELOW", 3)  # this board's 3 count as "large"
    assert view_counts(agent.id, NOW)["resolved"] == 3
    ticket = db.session.get(Ticket, board["later_mine"])
    ticket.status, ticket.resolved_at, ticket.due_at = "resolved", NOW, None
    db.session.commit()
    after = view_counts(agent.id, NOW)
    assert after["open"] == 8 and after["resolved"] == 3  # open-side exact at once; Resolved within RESOLVED_TTL_SECONDS
    monkeypatch.setattr(counts_module, "RESOLVED_EXACT_BELOW", 10_000)
    assert view_counts(agent.id, NOW)["resolved"] == 4


def test_open_ticket_documents_follow_messages_status_and_handles(app):
    from inbox.tickets.read.search_index import OpenTicketSearch, rebuild_all

    def document(ticket_id: int) -> str | None:
        found = db.session.get(OpenTicketSearch, ticket_id)
        db.session.expire_all()
        return found.document if found else None

    ticket = make_ticket(due=NOW, texts=("my parcel is late",), handle="@kumiko")
    assert "my parcel is late" in document(ticket.id) and "@kumiko" in document(ticket.id)
    # a new message on the ticket
    db.session.add(Message(ticket_id=ticket.id, account_id=ticket.account_id, conversation_key=ticket.conversation_key,
                           external_id="later-1", direction="inbound", kind="mention", author_handle="@kumiko", author_name="K",
                           text="配達はいつですか", sent_at=NOW, received_at=NOW))
    db.session.commit()
    assert "配達はいつですか" in document(ticket.id)
    assert search_in("配達", view="open") == [ticket.id]
    # the customer's handle changes on another channel
    identity = db.session.query(ContactIdentity).filter_by(contact_id=ticket.contact_id).one()
    identity.handle = "@kumiko_new"
    db.session.commit()
    assert "@kumiko_new" in document(ticket.id)
    # resolved: no document, found in Resolved through its messages; reopened: back
    t = db.session.get(Ticket, ticket.id)
    t.status, t.resolved_at = "resolved", NOW
    db.session.commit()
    assert document(ticket.id) is None
    assert search_in("配達", view="open") == [] and search_in("配達", view="resolved") == [ticket.id]
    t = db.session.get(Ticket, ticket.id)
    t.status, t.resolved_at = "open", None
    db.session.commit()
    assert "配達はいつですか" in document(ticket.id)
    # a rollback leaves nothing behind
    t = db.session.get(Ticket, ticket.id)
    t.status = "resolved"
    db.session.flush()
    db.session.rollback()
    assert document(ticket.id) is not None
    # a rebuild from scratch gives the same documents
    before = document(ticket.id)
    with db.engine.begin() as conn:
        assert rebuild_all(conn) == 1
    assert document(ticket.id) == before
