"""Every page under the strict Content-Security-Policy, in Chromium: nothing blocked, our scripts run,
framing refused; a signed-out browser's live stream sends it to the sign-in page."""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import TIMEOUT_MS, wait_stream_open


def _get_pages(app, ids: dict[str, int]) -> list[str]:
    """Every GET route that renders a page (from the URL map, so new pages are visited too)."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in ("static", "live.events", "live.presence", "web.healthz",
                                                          "web.dashboard_export", "voice.download", "web.contact_export",
                                                          "api.tickets_csv"):
            continue
        url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(ids.get(m.group(1), "0")), rule.rule)
        urls.append(url)
    return sorted(set(urls))


def _violations(page: Page) -> list[str]:
    return page.evaluate("window.__csp || []")


def test_every_page_works_under_the_csp(app, new_page, people, inbox):
    from inbox.extensions import db
    from inbox.tickets.models import Ticket

    ticket = db.session.get(Ticket, inbox["c-tom"])
    ids = {"ticket_id": ticket.id, "message_id": ticket.messages[0].id, "contact_id": ticket.contact_id, "canned_id": 1,
           "user_id": people["agent"].id, "account_id": ticket.account_id, "token": "x", "filename": "x"}
    page = new_page(people["admin"])
    page.context.add_init_script("""
        window.__csp = [];
        document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
    """)
    visited = 0
    for url in _get_pages(app, ids):
        response = page.goto(url)
        assert response is not None and response.status < 500, url
        assert "frame-ancestors 'none'" in response.headers.get("content-security-policy", ""), url
        page.wait_for_load_state("load")
        assert _violations(page) == [], url
        if response.status == 200 and page.locator("header.topbar").count():
            # keys.js and live.js ran: the shortcuts dialog opens from the keyboard
            page.keyboard.press("Escape")
            page.keyboard.press("?")
            expect(page.locator("#shortcuts")).to_be_visible()
            page.keyboard.press("Escape")
        visited += 1
    assert visited >= 15


def test_the_copy_field_selects_its_text_without_an_inline_handler(new_page, people):
    page = new_page(people["admin"])
    page.goto("/admin/users")
    page.fill("#user-email", "new.person@example.com")
    page.fill("#user-name", "New Person")
    page.click("form.admin-form button[type=submit]")
    field = page.locator("input.copy-link")
    expect(field).to_be_visible()
    field.focus()
    assert page.evaluate("() => { const f = document.querySelector('input.copy-link'); "
                         "return f.selectionStart === 0 && f.selectionEnd === f.value.length && f.value.length > 0; }")


def test_pages_cannot_be_framed(browser, live_server, people):
    """Another site embedding the inbox in a frame gets nothing (clickjacking)."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(live_server + "/login")
    page.set_content(f'<iframe id="f" src="{live_server}/login"></iframe>')
    page.wait_for_timeout(500)
    frame = page.frame_locator("#f")
    assert frame.locator("#email").count() == 0
    context.close()


def test_a_live_page_goes_to_sign_in_when_its_user_is_signed_out_elsewhere(app, new_page, people, inbox):
    from inbox.auth.models import User
    from inbox.auth.users import set_active
    from inbox.extensions import db

    page = new_page(people["agent"])
    page.goto("/")
    expect(page.locator("#ticket-rows tr.ticket-row").first).to_be_visible()
    wait_stream_open(page)
    set_active(db.session.get(User, people["agent"].id), False, db.session.get(User, people["admin"].id))
    expect(page).to_have_url(re.compile(r"/login"), timeout=TIMEOUT_MS)
