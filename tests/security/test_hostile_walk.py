"""No 500 on hostile input, anywhere: every route (from the app's URL map, so a new route is walked
without anyone listing it) with every parameter the code reads (found in its source, so a new
parameter is tried too), filled by hypothesis with out-of-range ids, cursors, dates, ISO weeks,
huge numbers and arbitrary unicode. Plus the exact requests that used to answer 500."""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.helpers import csrf_token
from tests.test_web import _ids

SOURCE = Path(__file__).resolve().parents[2] / "inbox"
_READ = re.compile(r"""(?:request\.(?:args|form|values|files)|\bargs|\bform)\.get(?:list)?\(\s*["']([A-Za-z_][\w-]*)["']""")
# names read through a variable (a loop over choices, f-strings per channel or weekday)
INDIRECT = ("channel", "status", "sentiment", "priority", "from", "to", "active", "windows_0", "windows_6", "email",
            "password", "remember", "username", "user_id", "bearer_token", "x-extra", "x-enabled", "x-reply")
# the walker must stay signed in to reach everything
SKIPPED_ENDPOINTS = {"auth.logout", "static", "live.events"}
EXAMPLES_PER_ROUTE = 12


def parameter_names() -> list[str]:
    names = set(INDIRECT)
    for path in SOURCE.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        names.update(_READ.findall(path.read_text()))
    return sorted(names)


# the edges where ids, numbers and dates used to break: sent to every route, in every parameter at once
BOUNDARIES = ("2147483647", "2147483648", "-2147483649", "9223372036854775808", "9" * 40, "1" * 30, "0", "-1",
              "0001-01-01", "9999-12-31", "0001-W01", "9999-W52", "1_2147483648", "-_" + "9" * 40, "１２", "\x00",
              "ＲＥＦＵＮＤ", "x" * 5000, "\u202e\u0000\ufeff", "😡" * 50)
ids = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.sampled_from(["2147483647", "2147483648", "4294967296", "9223372036854775808", "9" * 40, "0", "-1", "00001",
                     "1e9", "１２", "٣", "0x10", " 7", "7 ", "+7", "1_000", "None", "NaN"]),
)
dates = st.one_of(
    st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)).map(str),
    st.sampled_from(["0001-01-01", "9999-12-31", "2026-02-30", "0000-01-01", "-0001-01-01", "2026-1-1", "２０２６-01-01"]),
)
weeks = st.builds(lambda y, w: f"{y:04d}-W{w:02d}", st.integers(0, 9999), st.integers(0, 99))
cursors = st.one_of(
    st.builds(lambda at, i: f"{at}_{i}", st.integers(-(2**66), 2**66), st.integers(-(2**40), 2**70)),
    st.sampled_from(["1_2147483648", "-_2147483648", "-_" + "9" * 40, "9" * 19 + "_1", "_", "-_-1"]),
)
numbers = st.one_of(st.integers(min_value=-(10**30), max_value=10**30).map(str), st.sampled_from(["1e400", "nan", "inf", "-0", "1" * 30]))
text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200)
values = st.one_of(ids, dates, weeks, cursors, numbers, text, st.just(""))


def _path(rule, ids_for: dict) -> st.SearchStrategy[str]:
    """The rule with each placeholder filled: an id-like value for <int:…>, any text for the rest."""
    pieces = re.split(r"(<(?:\w+:)?\w+>)", rule.rule)
    strategies = []
    for piece in pieces:
        match = re.fullmatch(r"<(?:(\w+):)?(\w+)>", piece)
        if match is None:
            strategies.append(st.just(piece))
        elif match.group(1) == "int":
            strategies.append(st.one_of(st.just(str(ids_for.get(match.group(2), 1))), ids).map(lambda v: quote(v, safe="")))
        else:
            strategies.append(st.one_of(st.just("0"), text.filter(bool)).map(lambda v: quote(v, safe="")))
    return st.tuples(*strategies).map("".join)


@pytest.fixture
def walker(app, client, ticket, walk_setup, monkeypatch):
    """The admin's client (sees every route), with sign-in limits out of the way of the walk."""
    monkeypatch.setitem(app.config, "SIGNIN_ACCOUNT_LIMITS", "100000/minute")
    monkeypatch.setitem(app.config, "SIGNIN_ADDRESS_LIMITS", "100000/minute")
    app.extensions.pop("inbox_signin_throttle", None)
    users, canned = walk_setup
    admin = users["admin"]

    def sign_in() -> str:
        from inbox.extensions import db

        db.session.rollback()
        admin.active, admin.role = True, "admin"
        # a probed one-time-password route may have given the walker a new password (and a forced change)
        from inbox.auth.models import User

        fresh = db.session.get(User, admin.id)
        if fresh.must_change_password or not fresh.check_password("correct horse battery"):
            fresh.set_password("correct horse battery")
            fresh.must_change_password = False
        db.session.commit()
        with app.app_context():
            page = client.get("/login")
            client.post("/login", data={"email": admin.email, "password": "correct horse battery", "csrf_token": csrf_token(page)})
        with app.app_context():
            page = client.get("/notifications")
        assert page.status_code == 200
        return csrf_token(page)

    ids_for = _ids(ticket)
    ids_for.update(canned_id=canned.id, user_id=users["agent"].id)
    yield client, sign_in, ids_for
    app.extensions.pop("inbox_signin_throttle", None)


def test_every_route_and_parameter_survives_hostile_input(app, walker):
    client, sign_in, ids_for = walker
    names = parameter_names()
    assert {"ticket_ids", "assignee_id", "after", "week", "poll_interval", "q", "tag", "from", "to"} <= set(names)
    routes = [(rule, method) for rule in app.url_map.iter_rules() if rule.endpoint not in SKIPPED_ENDPOINTS
              for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    assert len(routes) >= 50
    token = [sign_in()]
    failures: list[str] = []
    tried: dict[str, int] = {}

    for rule, method in routes:
        # no shrinking: the failing request is reported as it was, and a broken route does not stall the walk
        @settings(max_examples=EXAMPLES_PER_ROUTE, deadline=None, database=None, derandomize=True,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        @given(path=_path(rule, ids_for), params=st.dictionaries(st.sampled_from(names), values, max_size=4),
               listed=st.lists(values, max_size=3))
        def probe(path: str, params: dict[str, str], listed: list[str]) -> None:
            form = {**params, "ticket_ids": listed or params.get("ticket_ids", "")}
            send(rule, method, path, params if method == "GET" else form)

        def send(rule, method: str, path: str, data: dict) -> None:  # type: ignore[no-untyped-def]
            with app.app_context():
                if client.get("/notifications").status_code != 200:
                    token[0] = sign_in()
            tried[rule.endpoint] = tried.get(rule.endpoint, 0) + 1
            try:
                with app.app_context():
                    if method == "GET":
                        response = client.get(path, query_string=data, buffered=True)
                    else:
                        response = client.post(path, data={**data, "csrf_token": token[0]})
                    status, body = response.status_code, response.get_data()
            except Exception as exc:  # the app's own exceptions reach the test client in TESTING mode
                status, body = 500, repr(exc).encode()
            if status >= 500 or b"Traceback" in body:
                failures.append(f"{method} {path} {dict(list(data.items())[:6])!r} -> {status} {body[:200]!r}")
                raise AssertionError(failures[-1])

        # every parameter at every edge, deterministically; then hypothesis mixes them
        for edge in BOUNDARIES:
            path = re.sub(r"<int:\w+>", quote(edge, safe="") if edge.lstrip("-").isdigit() else "1", rule.rule)
            path = re.sub(r"<(?:\w+:)?\w+>", quote(edge, safe="") or "0", path)
            try:
                send(rule, method, path, {name: edge for name in names})
            except AssertionError:
                pass
        try:
            probe()
        except AssertionError:
            pass
    assert failures == []
    assert {rule.endpoint for rule, _ in routes} == set(tried)
    assert sum(tried.values()) >= len(routes) * (EXAMPLES_PER_ROUTE // 2 + len(BOUNDARIES))


@pytest.fixture
def admin_client(walker):
    client, sign_in, _ = walker
    return client, sign_in()


def _flash_after(client, response) -> str:
    assert response.status_code == 302
    return client.get(response.headers["Location"]).data.decode()


def test_the_requests_that_used_to_answer_500(app, admin_client, ticket):
    """Found by probing (issue 17): each is now a 400/404 with a message, or a redirect that says why."""
    client, token = admin_client
    big = "2147483648"
    for url in (f"/tickets/{big}", f"/tickets/{'9' * 40}", f"/tickets/{big}/presence", f"/admin/users/{big}/role",
                f"/admin/canned/{big}/edit", f"/admin/contacts/{big}/privacy"):
        assert client.get(url).status_code in (404, 405), url
    for url in (f"/messages/{big}/sentiment", f"/tickets/{big}/resolve", f"/admin/sla/policies/{big}"):
        assert client.post(url, data={"csrf_token": token}).status_code == 404, url
    assigned = client.post(f"/tickets/{ticket.id}/assign", data={"assignee_id": big, "csrf_token": token})
    assert assigned.status_code == 400 and "must be a user id" in assigned.data.decode()
    bulk = client.post("/tickets/bulk", data={"ticket_ids": [big], "action": "resolve", "csrf_token": token})
    assert "ticket ids must be positive whole numbers" in _flash_after(client, bulk)
    bulk = client.post("/tickets/bulk", data={"ticket_ids": [str(ticket.id)], "action": "assign", "assignee_id": big,
                                              "csrf_token": token})
    assert "choose whom to assign" in _flash_after(client, bulk)
    for query in ("after=1_2147483648", "after=-_2147483648", "assignee=" + big, "after=1_" + "9" * 40):
        assert client.get("/?" + query).status_code in (200, 400), query
    for url in ("/dashboard?from=0001-01-01&to=9999-12-31", "/dashboard/export.csv?from=0001-01-01&to=9999-12-31",
                "/dashboard/export.csv?summary=1&from=2026-01-01&to=9999-12-31", "/voice/trend?week=0001-W01",
                "/admin/audit?from=0001-01-01"):
        response = client.get(url)
        assert response.status_code == 400, url
        assert "must be a date between 1970-01-01 and 2999-12-31" in response.data.decode(), url
    assert client.get("/dashboard?from=2026-01-01&to=2026-01-31").status_code == 200
    assert client.get("/voice/trend?week=9999-W01").status_code == 200  # a future week shows the current one
    from inbox.channels import ChannelAccount
    from inbox.extensions import db

    account = ChannelAccount(name="Brand X", connector="x", channel="x", config={"bearer_token": "t" * 20})
    db.session.add(account)
    db.session.commit()
    for interval in ("1" * 30, "²", "1e9", "-5", str(10**12)):
        response = client.post(f"/admin/channels/{account.id}/edit", data={"poll_interval": interval, "csrf_token": token})
        assert response.status_code == 422 and "poll interval must be a whole number" in response.data.decode(), interval
    policy = client.post("/admin/sla/policies/1", data={"calendar_id": "9" * 40, "first_response_minutes": "60",
                                                        "csrf_token": token})
    assert policy.status_code == 422 and "Unknown calendar." in policy.data.decode()  # beside the calendar field
    assert client.get("/?q=%00").status_code == 400


def test_the_tag_filter_folds_like_stored_tags(app, logged_in, agent):
    """Full-width "ＲＥＦＵＮＤ" finds tickets tagged "refund" (NFKC, as tags are stored)."""
    from inbox.tickets.workspace.tags import add_tags
    from tests.workspace import open_ticket

    tagged = open_ticket("c1")
    open_ticket("c2")
    add_tags(tagged, "refund", agent)
    for query in ("refund", "ＲＥＦＵＮＤ", "Refund", " refund "):
        html = logged_in.get("/?view=open&tag=" + quote(query)).data.decode()
        assert re.findall(r'data-ticket-id="(\d+)"', html) == [str(tagged.id)], query
