"""Zero English in Japanese mode, in a real browser (issue 29 item 1): the data of
tests/i18n/test_no_english_in_japanese.py, each role signed in with Japanese chosen, every page the crawl of the
test client found, read as Chromium renders it (what scripts add included), with the same allow-list. The
1280×800 and 390×844 screenshots of the main pages go to $INBOX_SCREENSHOT_DIR or a folder of the temp dir."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Person
from tests.browser.test_phone import DESKTOP, PHONE
from tests.i18n.test_no_english_in_japanese import CUSTOMER, _crawl, _seed
from tests.i18n.visible_text import latin_words
from tests.workspace import login

SHOTS = Path(os.environ.get("INBOX_SCREENSHOT_DIR") or tempfile.gettempdir()) / "inbox-issue29-screenshots"
SHOT_PAGES = {"inbox": "/", "dashboard": "/dashboard", "notifications": "/notifications", "sla": "/admin/sla",
              "audit": "/admin/audit", "trend": "/voice/trend", "channels": "/admin/channels", "rules": "/admin/rules/new"}

# the text a person reads: rendered text without what is not ours to translate, and the attributes they read
READ_JS = """() => {
  const copy = document.body.cloneNode(true);
  copy.querySelectorAll('[translate="no"], script, style, template, noscript, code, pre, kbd, samp').forEach(e => e.remove());
  document.body.appendChild(copy);  // innerText needs a rendered element
  copy.style.position = 'absolute'; copy.style.left = '-99999px';
  const texts = [copy.innerText];
  copy.remove();
  for (const el of document.querySelectorAll('[title], [placeholder], [aria-label], [alt], [data-confirm]')) {
    if (el.closest('[translate="no"], code, pre, kbd')) continue;
    for (const name of ['title', 'placeholder', 'aria-label', 'alt', 'data-confirm']) {
      if (el.getAttribute(name)) texts.push(el.getAttribute(name));
    }
  }
  for (const el of document.querySelectorAll('select:not([translate="no"]) option:not([translate="no"])')) texts.push(el.textContent);
  return texts;
}"""


@pytest.mark.parametrize("role", ["agent", "lead", "admin"])
def test_every_page_reads_japanese_in_the_browser(app, client, run_jobs, new_page, role):
    people = _seed(app, run_jobs)
    login(client, people[role].email)
    urls = sorted(_crawl(client))
    who = people[role]
    page = new_page(Person(who.email, who.name, who.role, who.id))
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    english = {}
    for url in urls:
        page.goto(url)
        words = latin_words(page.evaluate(READ_JS), CUSTOMER)
        if words:
            english[url] = sorted(words)
        name = next((key for key, path in SHOT_PAGES.items() if path == url), None)
        if name:
            SHOTS.mkdir(parents=True, exist_ok=True)
            for size, viewport in (("1280", DESKTOP), ("390", PHONE)):
                page.set_viewport_size(viewport)
                page.screenshot(path=str(SHOTS / f"ja-{role}-{name}-{size}.png"))
            page.set_viewport_size(DESKTOP)
    assert not english, "English on Japanese pages:\n" + "\n".join(f"{u}: {' '.join(w)}" for u, w in sorted(english.items()))
