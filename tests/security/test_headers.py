"""Security headers on every response of every route (the route walker of tests/test_web.py), and pages
that work under the strict CSP: no inline script, event handler or style attribute anywhere."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from inbox.web.headers import CONTENT_SECURITY_POLICY
from tests.helpers import csrf_token
from tests.test_web import ME, ROUTES, _fill, _ids, _walk

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def _check(response, where: str, hsts: bool) -> None:
    headers = response.headers
    csp = headers.get("Content-Security-Policy", "")
    assert csp == CONTENT_SECURITY_POLICY, where
    for directive in ("default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'",
                      "object-src 'none'", "base-uri 'none'"):
        assert directive in csp, (where, directive)
    assert "unsafe" not in csp
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("X-Frame-Options") == "DENY", where
    assert headers.get("Referrer-Policy") in ("same-origin", "no-referrer"), where
    assert ("Strict-Transport-Security" in headers) == hsts, where
    if "/static/" not in where:  # pages and API answers are never cached (issue 24 item 12)
        assert "no-store" in headers.get("Cache-Control", ""), where
    if hsts:
        assert headers["Strict-Transport-Security"].startswith("max-age=31536000"), where


def _walk_all(app, client, ticket, walk_setup, hsts: bool) -> list[tuple[str, object]]:
    """Every route × method as an admin (and the anonymous pages), checking each answer's headers."""
    users, canned = walk_setup
    ids = _ids(ticket)
    ids.update(canned_id=canned.id, user_id=users["agent"].id)
    base = "https://localhost" if hsts else "http://localhost"
    referer = {"Referer": base + "/"}
    seen = []
    page = client.get("/login", base_url=base)
    assert client.post("/login", base_url=base, headers=referer, data={
        "email": users["admin"].email, "password": "correct horse battery", "csrf_token": csrf_token(page)}).status_code == 302
    token = csrf_token(client.get("/notifications", base_url=base))
    for endpoint, method, _ in _walk(app, ticket):
        rule = next(r for r in app.url_map.iter_rules(endpoint=endpoint) if method in r.methods)
        url = "/static/app.css" if endpoint == "static" else _fill(rule.rule, ids)
        if method == "GET":
            response = client.get(url, base_url=base, buffered=endpoint != "live.events")
        else:
            form = {k: (str(users["admin"].id) if v == ME else v) for k, v in ROUTES[(endpoint, method)][2].items()}
            response = client.post(url, base_url=base, headers=referer, data={**form, "csrf_token": token})
        _check(response, f"{method} {url} -> {response.status_code}", hsts)
        response.close()
        seen.append((endpoint, method))
    # errors too: a missing row, a refused CSRF token, a bad id
    for url in (f"/tickets/{2**31}", "/tickets/0"):
        _check(client.get(url, base_url=base), url, hsts)
    anonymous = app.test_client()
    for url in ("/login", "/healthz", "/static/app.css", "/", "/no-such-page", f"/voice/survey/{'x' * 20}"):
        _check(anonymous.get(url, base_url=base), f"anonymous GET {url}", hsts)
    _check(anonymous.post("/logout", base_url=base), "POST /logout without a token", hsts)
    return seen


def test_every_route_answers_with_the_security_headers(app, client, ticket, walk_setup):
    seen = _walk_all(app, client, ticket, walk_setup, hsts=False)
    assert set(seen) == set(ROUTES)


def test_hsts_only_when_cookies_are_secure(app, client, ticket, walk_setup, monkeypatch):
    monkeypatch.setitem(app.config, "SESSION_COOKIE_SECURE", True)
    monkeypatch.setitem(app.config, "REMEMBER_COOKIE_SECURE", True)
    _walk_all(app, client, ticket, walk_setup, hsts=True)


class _Inline(HTMLParser):
    """What the CSP would block: inline <script>, on* handlers, style attributes and <style> blocks."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name.lower() for name, _ in attrs}
        if tag == "script" and "src" not in names:
            self._in_script = True
        if tag == "style":
            self.problems.append("<style> block")
        for name, value in attrs:
            if name.lower().startswith("on") or name.lower() == "style":
                self.problems.append(f"<{tag} {name}=…>")
            if name.lower() in ("href", "src", "action") and (value or "").strip().lower().startswith("javascript:"):
                self.problems.append(f"<{tag} {name}={value}>")

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.problems.append("inline <script>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False


def test_templates_have_nothing_inline_that_the_csp_would_block():
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        assert not re.search(r"\son[a-z]+\s*=", text), path
        assert not re.search(r"\sstyle\s*=", text), path
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), path
        assert "<style" not in text, path


def test_every_page_renders_without_inline_script_or_style(app, client, ticket, walk_setup):
    users, canned = walk_setup
    ids = _ids(ticket)
    ids.update(canned_id=canned.id, user_id=users["agent"].id)
    page = client.get("/login")
    client.post("/login", data={"email": users["admin"].email, "password": "correct horse battery",
                                "csrf_token": csrf_token(page)})
    checked = 0
    for endpoint, method, _ in _walk(app, ticket):
        if method != "GET" or endpoint in ("static", "live.events"):
            continue
        rule = next(r for r in app.url_map.iter_rules(endpoint=endpoint) if "GET" in r.methods)
        response = client.get(_fill(rule.rule, ids))
        if response.mimetype != "text/html":
            continue
        parser = _Inline()
        parser.feed(response.data.decode())
        assert parser.problems == [], (endpoint, parser.problems)
        checked += 1
    assert checked >= 15


@pytest.mark.parametrize("name", ["keys.js", "live.js", "reply.js", "ticket.js"])
def test_our_scripts_build_no_code_from_strings(name):
    text = (Path(__file__).resolve().parents[2] / "static" / name).read_text()
    assert "eval(" not in text and "new Function" not in text and "setAttribute(\"style\"" not in text
    assert not re.search(r"setTimeout\(\s*[\"']", text)


def test_api_answers_are_never_cached(app, make_api):
    """Every API read, with a good token and with none or a bad one (issue 24 item 12)."""
    api = make_api("admin")
    reads = [rule.rule for rule in app.url_map.iter_rules()
             if rule.rule.startswith("/api/v1") and "GET" in rule.methods and "<" not in rule.rule]
    assert len(reads) >= 5
    for url in reads:
        for headers in ({"Authorization": f"Bearer {api.token}"}, {}, {"Authorization": "Bearer not-a-token"}):
            response = api.client.get(url, headers=headers)
            assert response.status_code < 500 and "no-store" in response.headers.get("Cache-Control", ""), (url, headers)
