"""Issue 29 item 5, the layout bugs a browser sees: on /admin/sla the delete form no longer lies over the
Save button; /voice/exports fits a phone; in Japanese the brand 受信箱 stays on one line at 1280 px and the
user's name is readable at 390 px. Screenshots (Japanese, 1280×800 and 390×844) go to
$INBOX_SCREENSHOT_DIR or a folder of the temp dir."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from playwright.sync_api import Page

from tests.browser.test_phone import DESKTOP, PHONE, no_sideways_scrolling

SHOTS = Path(os.environ.get("INBOX_SCREENSHOT_DIR") or tempfile.gettempdir()) / "inbox-issue29-screenshots"


def _japanese(app, *people) -> None:
    from inbox.auth.models import User
    from inbox.extensions import db

    with app.app_context():
        for person in people:
            db.session.get(User, person.id).locale = "ja"
        db.session.commit()


def _shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def _overlap(a: dict, b: dict) -> bool:
    return not (a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
                or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"])


def test_the_policy_save_button_is_not_covered_by_the_delete_form(new_page, people, app):
    page = new_page(people["admin"])
    for viewport in (DESKTOP, PHONE):
        page.set_viewport_size(viewport)
        page.goto("/admin/sla")
        cards = page.locator(".policy-item")
        assert cards.count() > 0
        for i in range(cards.count()):
            card = cards.nth(i)
            card.locator(".form-actions button[type=submit]").scroll_into_view_if_needed()
            save = card.locator(".form-actions button[type=submit]").bounding_box()
            delete_form = card.locator("form.policy-delete").bounding_box()
            assert save and delete_form
            assert not _overlap(save, delete_form), (viewport, save, delete_form)
            # the middle of Save is Save, not the delete form lying on it
            hit = page.evaluate("([x, y]) => document.elementFromPoint(x, y).closest('.form-actions') !== null",
                                [save["x"] + save["width"] / 2, save["y"] + save["height"] / 2])
            assert hit, viewport


def test_the_exports_page_fits_a_phone(new_page, people, app, run_jobs):
    _japanese(app, people["lead"])
    page = new_page(people["lead"])
    page.set_viewport_size(PHONE)
    page.goto("/voice/exports")
    # export a week through the page, so the table with its long file names is there
    page.fill("#week", "2026-W10")
    page.click("form.inline-form button[type=submit]")
    run_jobs()  # the export job, as the worker runs it
    page.goto("/voice/exports")
    assert page.locator("table.tickets a[download]").count() > 0
    no_sideways_scrolling(page, "/voice/exports")
    _shoot(page, "exports-ja-390")


def test_the_japanese_top_bar_keeps_the_brand_and_the_name_readable(new_page, people, app):
    _japanese(app, people["admin"], people["agent"])
    for who in ("admin", "agent"):
        page = new_page(people[who])
        page.set_viewport_size(DESKTOP)
        page.goto("/")
        brand = page.locator(".topbar .brand")
        assert brand.inner_text() == "受信箱"
        box = brand.bounding_box()
        line = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.topbar .brand')).lineHeight) || 22")
        assert box["height"] < 1.6 * line, f"the brand wraps: {box}"
        _shoot(page, f"inbox-ja-1280-{who}")
        page.set_viewport_size(PHONE)
        page.goto("/")
        _shoot(page, f"inbox-ja-390-{who}")
        name = page.locator(".topbar .who-name")
        # the whole name is shown (not clipped to a letter or an ellipsis)
        clipped = page.evaluate("el => el.scrollWidth > el.clientWidth + 1", name.element_handle())
        assert not clipped, f"{who}: the name is clipped: {name.bounding_box()}"
        assert name.bounding_box()["width"] > 40
        no_sideways_scrolling(page, "/ (ja)")
