"""The platform's pages in a real browser at desktop and phone widths: API tokens (shown once), the rule
form with its tester, webhooks and assignment settings; screenshots are kept for review."""
from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import expect

SHOTS = Path(os.environ.get("INBOX_SCREENSHOT_DIR", "/tmp/inbox-platform-shots"))


def _shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in ((1280, 800), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})


def test_token_shown_once_then_only_its_prefix(new_page, people):
    page = new_page(people["agent"])
    page.click("text=API tokens")
    page.fill("#token-name", "CRM sync")
    page.select_option("#token-scope", "write")
    page.click("text=Create token")
    token = page.locator("#new-token").inner_text()
    assert token.startswith("inbox_") and len(token) > 40
    _shoot(page, "api-tokens")
    page.goto("/settings/api-tokens")
    expect(page.locator("#new-token")).to_have_count(0)
    expect(page.locator("table.admin-table")).to_contain_text(token[:12])
    page.click("text=Revoke")
    expect(page.locator(".flash-success")).to_contain_text("revoked")


def test_rule_tester_then_save(new_page, people, inbox):
    page = new_page(people["admin"])
    page.goto("/admin/rules/new")
    page.fill("#r-name", "Refunds to billing")
    page.fill("#r-kw", "refund\n返金")
    page.fill("#r-tags", "billing")
    page.fill("#r-n", "20")
    page.click("text=Test without saving")
    expect(page.locator("#tester")).to_be_visible()
    expect(page.locator("tr.match")).to_have_count(1)  # "charged twice for October, refund please"
    _shoot(page, "rule-tester")
    page.click("text=Save rule")
    expect(page.locator(".flash-success")).to_contain_text("Refunds to billing")


def test_webhook_and_assignment_pages(new_page, people):
    page = new_page(people["admin"])
    page.goto("/admin/webhooks")
    page.fill("#wh-name", "Metadata")
    page.fill("#wh-url", "http://169.254.169.254/latest")
    page.check("input[value='ticket.created']")
    page.click("text=Add subscription")
    expect(page.locator(".flash-error")).to_contain_text("refused")
    _shoot(page, "webhooks")
    page.goto("/admin/assignment")
    page.check("input[value='round_robin']")
    page.click("form.admin-form button[type=submit]")
    expect(page.locator(".flash-success")).to_contain_text("saved")
    _shoot(page, "assignment")
