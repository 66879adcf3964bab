"""Every page of the workspace on a phone (issue 15 item 2): at 390x844 nothing scrolls sideways, the list
is a card list, the reply box and the actions can be reached, and "Sign out" is on screen.

The same pages are shot at 1280x800 and 390x844 so a person can look at them: into $INBOX_SCREENSHOT_DIR when
set, else a folder of the test session (printed). The README's own screenshots come from docs/screenshots/take.py.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
SHOTS = Path(os.environ.get("INBOX_SCREENSHOT_DIR") or tempfile.gettempdir()) / "inbox-phone-screenshots"

# what sticks out, so a failure names the element instead of just a width
OVERFLOW_JS = """() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.width && r.right > width + 1 && getComputedStyle(el).position !== 'fixed') {
      out.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
               (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '') +
               ' right=' + Math.round(r.right));
    }
  }
  return {scroll: document.documentElement.scrollWidth, inner: window.innerWidth, out: out.slice(0, 8)};
}"""


def no_sideways_scrolling(page: Page, what: str) -> None:
    page.evaluate("document.fonts.ready")
    found = page.evaluate(OVERFLOW_JS)
    assert found["scroll"] <= found["inner"], f"{what}: {found['scroll']} px wide at {found['inner']} px: {found['out']}"


def on_screen(page: Page, selector: str) -> None:
    """The element is inside the viewport's width (visible without scrolling sideways)."""
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not shown"
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], f"{selector} is cut off: {box}"


def shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SHOTS / f"{name}.png"))


@pytest.fixture
def phone(new_page, people):
    def make(who: str = "admin", viewport: dict = PHONE) -> Page:
        page = new_page(people[who])
        page.set_viewport_size(viewport)
        return page
    return make


def test_every_page_fits_a_phone(phone, inbox, app):
    page = phone("admin")
    ticket_id = inbox["c-mika"]
    pages = [
        ("inbox", "/"),
        ("ticket", f"/tickets/{ticket_id}"),
        ("dashboard", "/dashboard"),
        ("notifications", "/notifications"),
        ("channels", "/admin/channels"),
        ("channel-form", "/admin/channels/x/new"),
        ("sla", "/admin/sla"),
        ("canned", "/admin/canned"),
        ("users", "/admin/users"),
        ("audit", "/admin/audit"),
        ("pipeline", "/admin/pipeline"),
        ("security", "/admin/security"),
        ("account", "/account"),
    ]
    for name, url in pages:
        response = page.goto(url, wait_until="load")
        assert response is not None and response.ok, f"{url} answered {response.status if response else None}"
        no_sideways_scrolling(page, url)
        on_screen(page, "header.topbar button:has-text('Sign out')")
        shoot(page, f"{name}-390")

    # the list is a card list: each ticket one block the width of the screen, its text readable
    page.goto("/", wait_until="load")
    card = page.locator("#ticket-rows tr.ticket-row").first
    box = card.bounding_box()
    assert box is not None and box["width"] >= PHONE["width"] - 60, f"a ticket card is {box}"
    subject = card.locator(".subject").bounding_box()
    assert subject is not None and subject["width"] >= 250, f"the message column is {subject['width']} px wide"

    # the reply box and the ticket's actions are reachable on the ticket page
    page.goto(f"/tickets/{ticket_id}", wait_until="load")
    page.locator("#reply-text").scroll_into_view_if_needed()
    on_screen(page, "#reply-text")
    on_screen(page, "#reply-form button[type=submit]")
    page.fill("#reply-text", "Checking it now")
    expect(page.locator("#reply-form button[type=submit]").first).to_be_enabled()
    on_screen(page, ".ticket-head .actions")


def test_desktop_screenshots(phone, inbox):
    page = phone("admin", DESKTOP)
    for name, url in (("inbox", "/"), ("ticket", f"/tickets/{inbox['c-mika']}"), ("dashboard", "/dashboard"),
                      ("sla", "/admin/sla"), ("channels", "/admin/channels")):
        page.goto(url, wait_until="load")
        no_sideways_scrolling(page, url)
        shoot(page, f"{name}-1280")


# what sticks out of a dashboard queue's panel: its table, or a cell, select or button inside it, past the
# panel's content edge (a table spilling into the gap or the next panel is no page scroll, so the check above
# does not see it; on a phone the table would scroll inside its own box instead, hiding the Reassign buttons)
QUEUE_OVERFLOW_JS = """(table) => {
  const panel = table.closest('.panel'), style = getComputedStyle(panel);
  const edge = panel.getBoundingClientRect().right - parseFloat(style.paddingRight) - parseFloat(style.borderRightWidth);
  const out = [];
  for (const el of [table, ...table.querySelectorAll('td, select, button')]) {
    const right = el.getBoundingClientRect().right;
    if (right > edge + 1) out.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className ? '.' + el.className.split(' ')[0] : '') +
                                   ` "${el.innerText.trim().split('\\n')[0].slice(0, 24)}" right=${Math.round(right)}`);
  }
  return {edge: Math.round(edge), out: out.slice(0, 6)};
}"""


def queues_fit_their_panels(page: Page, what: str) -> None:
    page.evaluate("document.fonts.ready")
    tables = page.locator("table.queue")
    assert tables.count() == 2, f"{what}: the breached and at-risk queues are not both there"
    assert page.locator("table.queue select").count() >= 2, f"{what}: no ticket in a queue, nothing measured"
    for i in range(tables.count()):
        found = tables.nth(i).evaluate(QUEUE_OVERFLOW_JS)
        assert not found["out"], f"{what}: past the panel's edge at {found['edge']}: {found['out']}"


def test_dashboard_queues_fit_their_panels(phone, inbox, seed):
    # one breached ticket whose subject is a URL (no break opportunity) and one in Japanese (no spaces)
    seed.add([
        ("c-ken", "ken", "Ken Ito", "https://novahikari.example/support/refund-request-form-never-finishes-loading", 300),
        ("c-yui", "yui", "佐藤 結衣", "@NovaHikari_help 昨日から請求書のページが開けず支払い方法を変更できませんどうすればいいですか", 280),
    ])
    page = phone("lead", DESKTOP)
    for viewport in (DESKTOP, {"width": 1440, "height": 900}, {"width": 1024, "height": 768}, PHONE):
        page.set_viewport_size(viewport)
        page.goto("/dashboard", wait_until="load")
        queues_fit_their_panels(page, f"/dashboard at {viewport['width']} px")
    no_sideways_scrolling(page, "/dashboard")

    # the same in Japanese: the due times and the subjects wrap, the controls stay inside
    page.goto("/settings/preferences")
    page.select_option("#pref-locale", "ja")
    page.click("#preferences-save")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    for viewport in (DESKTOP, PHONE):
        page.set_viewport_size(viewport)
        page.goto("/dashboard", wait_until="load")
        queues_fit_their_panels(page, f"/dashboard (ja) at {viewport['width']} px")
    no_sideways_scrolling(page, "/dashboard (ja)")
    shoot(page, "dashboard-ja-390")
