"""Live alerts in a real browser (issue 15 item 3): the bell counts up without a reload and an agent who
is assigned a ticket gets a browser notification (permission granted), unless they turned that kind off."""
from __future__ import annotations

from playwright.sync_api import expect

from inbox.auth.models import User
from inbox.extensions import db
from tests.browser.conftest import RECORD_STREAMS, TIMEOUT_MS, sign_in, wait_stream_open

# records every browser notification the page raises, and still raises it
RECORD_NOTIFICATIONS = """
(() => {
  window.__shown = [];
  const Real = window.Notification;
  function Recording(title, options) {
    window.__shown.push({title: title, body: (options || {}).body || ""});
    return new Real(title, options);
  }
  Recording.requestPermission = Real.requestPermission.bind(Real);
  Object.defineProperty(Recording, "permission", {get: () => Real.permission});
  window.Notification = Recording;
})();
"""


def _agent_page(browser, live_server, person, problems):
    context = browser.new_context(base_url=live_server, viewport={"width": 390, "height": 844}, locale="en-GB")
    context.grant_permissions(["notifications"], origin=live_server)
    context.add_init_script(RECORD_NOTIFICATIONS)
    context.set_default_timeout(TIMEOUT_MS)
    context.add_init_script(RECORD_STREAMS)
    page = context.new_page()
    page.on("pageerror", lambda exc: problems.append(f"script error: {exc}"))
    sign_in(page, person)
    return context, page


def test_the_bell_rings_live_and_an_assignment_pops_up(browser, live_server, new_page, people, inbox):
    problems: list[str] = []
    context, agent = _agent_page(browser, live_server, people["agent"], problems)
    try:
        agent.goto("/notifications", wait_until="load")  # not a list or ticket page: the bell still listens
        expect(agent.locator("#bell-count")).to_be_hidden()
        agent.wait_for_function("() => window.EventSource && document.querySelector('#bell')")
        wait_stream_open(agent)

        lead = new_page(people["lead"])
        ticket_id = inbox["c-tom"]
        lead.goto(f"/tickets/{ticket_id}")
        lead.select_option("#assignee", str(people["agent"].id))
        lead.click("form:has(#assignee) button[type=submit]")
        expect(lead.locator("p.flash")).to_contain_text(people["agent"].name)

        expect(agent.locator("#bell-count")).to_have_text("1")
        expect(agent.locator("#bell")).to_have_attribute("aria-label", "Notifications, 1 unread")
        agent.wait_for_function("() => window.__shown.length === 1")
        shown = agent.evaluate("window.__shown")
        assert shown[0]["title"] == "Assigned to you" and f"#{ticket_id}" in shown[0]["body"], shown

        # the agent turns "assigned" off: the bell still counts, no pop-up
        agent.goto("/account")
        agent.uncheck("input[name=alert][value=assigned]")
        agent.click("#alerts-form button[type=submit]")
        expect(agent.locator("p.flash")).to_contain_text("saved")
        db.session.expire_all()
        assert db.session.get(User, people["agent"].id).alert_assigned is False
        wait_stream_open(agent)
        lead.goto(f"/tickets/{inbox['c-priya']}")
        lead.select_option("#assignee", str(people["agent"].id))
        lead.click("form:has(#assignee) button[type=submit]")
        expect(agent.locator("#bell-count")).to_have_text("2")
        agent.wait_for_timeout(300)
        assert agent.evaluate("window.__shown.length") == 0  # a new page: nothing popped up there
    finally:
        context.close()
    assert not problems, problems
