"""The Japanese UI in a real browser (issue 15 item 1): a lead picks Japanese and Tokyo time on the Preferences
page, then works a Japanese customer's ticket and reads the dashboard, all in Japanese.

Set INBOX_SCREENSHOT_DIR (e.g. docs/screenshots) to also keep the 1280×800 screenshots of both pages.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

from playwright.sync_api import expect

# English a Japanese page must not show (in the parts this branch translates; the top bar is base.html's)
ENGLISH = ["Send reply", "Internal note", "Assignee", "Add tags", "SLA history", "Earlier tickets", "Take",
           "Team lead dashboard", "Breached now", "Unassigned, oldest first", "Open tickets per agent", "business)"]
JAPANESE_TIME = re.compile(r"\d{1,2}月\d{1,2}日 \d{1,2}:\d{2}")


def _keep(page, name: str, tmp_path: Path) -> None:
    shot = page.screenshot(path=str(tmp_path / name), full_page=False)
    assert len(shot) > 10_000  # a rendered page, not a blank one
    folder = os.environ.get("INBOX_SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        (Path(folder) / name).write_bytes(shot)


def _main_text(page) -> str:
    return page.locator("main").inner_text()


def test_a_lead_works_in_japanese(new_page, people, inbox, tmp_path):
    page = new_page(people["lead"])  # the browser asks for English (en-GB)
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.goto("/settings/preferences")
    page.select_option("#pref-locale", "ja")
    page.select_option("#pref-timezone", "Asia/Tokyo")
    page.click("#preferences-save")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.locator(".flash-success")).to_have_text("設定を保存しました。")
    expect(page.locator("#pref-locale")).to_have_value("ja")

    page.goto(f"/tickets/{inbox['c-mika']}")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.locator("#reply-send")).to_have_text("返信を送信")
    # the scripts' words come from the page, in its language
    said = page.evaluate("""() => [window.inboxLive.t('updated', 'Updated'),
        window.inboxLive.t('are_viewing', '{names} are viewing this ticket', {names: 'Ada'}),
        window.inboxLive.t('no_such_key', 'no such key stays English')]""")
    assert said == ["更新しました", "Adaさんがこのチケットを見ています", "no such key stays English"]
    page.click("#take-btn")
    expect(page.locator(".flash-success")).to_contain_text(f"チケット #{inbox['c-mika']} の担当になりました。")
    page.fill("#note-text", "回線状況を確認中です。工事の影響の可能性あり。")
    page.click("#note-add")
    expect(page.locator(".thread-note").last).to_contain_text("社内メモ")
    page.fill("#tag-input", "回線障害")
    page.locator("#tag-input").press("Enter")
    expect(page.locator("ul.tags")).to_contain_text("回線障害")
    expect(page.locator(".ticket-facts .status")).to_have_text("新規")  # taken, not yet answered
    expect(page.locator("#h-customer")).to_have_text("お客様")
    expect(page.locator("#thread time").first).to_have_text(JAPANESE_TIME)
    text = _main_text(page)
    assert "初回応答" in text and "担当者" in text
    assert [word for word in ENGLISH if word in text] == []
    page.locator("#thread .thread-message").first.scroll_into_view_if_needed()
    page.evaluate("window.scrollTo(0, 0)")
    _keep(page, "ticket-ja.png", tmp_path)

    page.goto("/dashboard")
    expect(page.locator("h1")).to_have_text("リーダー用ダッシュボード")
    expect(page.locator(".tiles")).to_contain_text("SLA違反中")
    expect(page.locator(".tiles")).to_contain_text("未割り当て")
    headers = page.locator("section.metrics table.tickets thead").first.inner_text()
    assert "初回応答" in headers and "解決までの時間" in headers and "SLA遵守率" in headers
    text = _main_text(page)
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日〜\d{4}年\d{1,2}月\d{1,2}日 に作成されたチケット", text), text[:500]
    assert [word for word in ENGLISH if word in text] == []
    _keep(page, "dashboard-ja.png", tmp_path)
