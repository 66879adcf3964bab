"""Every field of every form, one at a time, with the values that used to answer 500 (issue 24 item 10).

The routes come from the app's URL map and the fields from the source the route's handler reaches
(the view and the functions of ours it calls), so a new form or a new field is probed without anyone
listing it. One field per request: with every field hostile at once, the first refused field hides
the others (a bad `warning_percent` kept the walk from ever reaching `first_response_h`)."""
from __future__ import annotations

import inspect
import re
from typing import Any, Callable

from inbox.connectors.base import available_kinds
from inbox.connectors.fields import fields_for
from tests.security.test_hostile_walk import _READ, SKIPPED_ENDPOINTS, walker  # noqa: F401  (the signed-in admin)
from tests.test_web import _fill

HOSTILE = ("²", "9223372036854775808", "-1", "1e3", "", "x" * 10000, "١٢")
# the fields read under a name built at run time: each template found in a handler's reach must be listed here
TEMPLATES = {
    "{key}_h": ("first_response_h", "next_response_h", "resolution_h"),
    "{key}_m": ("first_response_m", "next_response_m", "resolution_m"),
    "{key}_minutes": ("first_response_minutes", "next_response_minutes", "resolution_minutes"),
    "windows_{day}": tuple(f"windows_{day}" for day in range(7)),
    "capacity_{user.id}": (),  # filled with the signed-in users' ids by the test
    "{channel}-extra": ("x-extra", "email-extra"),
    "{channel}-enabled": ("x-enabled", "email-enabled"),
    "{channel}-reply": ("x-reply", "email-reply"),
}
_TEMPLATE = re.compile(r"""\.get(?:list)?\(\s*f["']([^"']+)["']""")
_SUBSCRIPT = re.compile(r"""\b(?:form|request\.form)\[\s*["']([A-Za-z_][\w-]*)["']\s*\]""")
_CALL = re.compile(r"\b([A-Za-z_]\w*)\s*\(")


def _reach(view: Callable[..., Any]) -> list[Callable[..., Any]]:
    """The view and every function of the inbox package it calls, directly or not (by name)."""
    seen: list[Callable[..., Any]] = []
    stack = [inspect.unwrap(view)]
    while stack:
        function = stack.pop()
        if function in seen:
            continue
        seen.append(function)
        try:
            source = inspect.getsource(function)
        except (OSError, TypeError):
            continue
        for name in _CALL.findall(source):
            found = function.__globals__.get(name)
            if inspect.isfunction(found) and found.__module__.startswith("inbox."):
                stack.append(inspect.unwrap(found))
    return seen


def fields_read(view: Callable[..., Any], user_ids: list[int]) -> set[str]:
    names: set[str] = set()
    for function in _reach(view):
        try:
            source = inspect.getsource(function)
        except (OSError, TypeError):
            continue
        names.update(_READ.findall(source))
        names.update(_SUBSCRIPT.findall(source))
        for template in _TEMPLATE.findall(source):
            assert template in TEMPLATES, f"{function.__qualname__} reads fields named {template!r}: list them in TEMPLATES"
            names.update(TEMPLATES[template] or [f"capacity_{i}" for i in user_ids])
        if function is fields_for or "fields_for(" in source:
            names.update(field.key for kind in available_kinds() for field in fields_for(kind))
    return names


def test_every_form_field_survives_each_hostile_value(app, walker):
    client, sign_in, ids_for = walker
    user_ids = sorted({ids_for["user_id"], 1})
    views = app.view_functions
    routes = {rule.endpoint: rule for rule in app.url_map.iter_rules()
              if "POST" in rule.methods and rule.endpoint not in SKIPPED_ENDPOINTS and not rule.endpoint.startswith("api.")}
    fields = {endpoint: fields_read(views[endpoint], user_ids) for endpoint in routes}
    # the fields that answered 500 before (issue 24 item 10) are among those found
    assert {"other_id", "ticket_id"} <= fields["web.merge_contact"]
    assert "ticket_id" in fields["web.undo_contact_merge"]
    assert "rule_id" in fields["web.admin_rule_save"]
    assert {"first_response_h", "warning_percent", "calendar_id"} <= fields["web.sla_policy_change"]
    assert sum(map(len, fields.values())) >= 100

    token = [sign_in()]
    failures: list[str] = []
    sent = 0

    def post(url: str, data: dict[str, str]) -> tuple[int, bytes, str]:
        try:
            with app.app_context():
                response = client.post(url, data={**data, "csrf_token": token[0]})
            return response.status_code, response.get_data(), response.headers.get("Location", "")
        except Exception as exc:  # in TESTING mode the app's exception reaches the test client
            return 500, repr(exc).encode(), ""

    for endpoint, rule in sorted(routes.items()):
        url = _fill(rule.rule, ids_for)
        for name in sorted(fields[endpoint]):
            for value in HOSTILE:
                status, body, location = post(url, {name: value})
                if status in (302, 400) and ("/login" in location or b"CSRF" in body):
                    # an earlier probe signed the walker out (a password change ends other sessions): again, signed in
                    token[0] = sign_in()
                    status, body, location = post(url, {name: value})
                    assert "/login" not in location and b"CSRF" not in body, f"{url} {name}: the probe never reached the form"
                sent += 1
                if status >= 500 or b"Traceback" in body:
                    failures.append(f"POST {url} {name}={value[:30]!r} -> {status} {body[:160]!r}")
    assert failures == []
    assert sent >= 100 * len(HOSTILE)


def test_the_one_parser_reads_only_ascii_digits_in_range():
    from inbox.security.params import MAX_ID, parse_bounded_int, parse_decimal, parse_id

    for raw in ("²", "١٢", "１２", "9223372036854775808", str(MAX_ID + 1), "0", "-1", "1e3", "", None, "x" * 10000, "1_0", "+7"):
        assert parse_id(raw) is None, raw
        assert parse_bounded_int(raw, 0, 500) is None or raw == "0", raw
    assert parse_id(" 42 ") == 42 and parse_id(str(MAX_ID)) == MAX_ID
    assert parse_bounded_int("500", 0, 500) == 500 and parse_bounded_int("501", 0, 500) is None
    for raw in ("80", "80.", "80.5", "0.25"):
        assert parse_decimal(raw, 0, 100) == float(raw), raw
    for raw in ("nan", "inf", "1e2", "²", "８０", "80.123", ".5", "-5", "101", "", None, "1" * 400):
        assert parse_decimal(raw, 0, 100) is None, raw
