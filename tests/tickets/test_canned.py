"""Canned responses: placeholders filled in one pass from a fixed table, so no template can reach Python."""
from __future__ import annotations

import pytest

from inbox.tickets.workspace.actions import ActionError
from inbox.tickets.workspace.canned import DEMO_CANNED, active_canned, all_canned, create_canned, fill_placeholders, render_canned, seed_demo_canned, set_canned_active, unknown_placeholders, update_canned
from tests.workspace import open_ticket, user

VALUES = {"customer_name": "Hana Sato", "agent_name": "Ada"}


def test_known_placeholders_are_filled():
    assert fill_placeholders("Hi {customer_name}, {agent_name} here. Bye {customer_name}!", VALUES) == \
        "Hi Hana Sato, Ada here. Bye Hana Sato!"
    assert fill_placeholders("{customer_name}様、担当の{agent_name}です。", VALUES) == "Hana Sato様、担当のAdaです。"


@pytest.mark.parametrize("template", [
    "{__class__}", "{0}", "{}", "{customer_name.__class__}", "{customer_name.__init__.__globals__}",
    "{agent_name!r}", "{customer_name:>100}", "{unknown}", "%s %(customer_name)s", "{ customer_name }",
    "{CUSTOMER_NAME}", "}{", "{" * 1000, "{{customer_name",
])
def test_anything_else_in_braces_stays_as_typed_and_never_raises(template):
    assert fill_placeholders(template, VALUES) == template


def test_unknown_placeholders_are_left_visibly():
    assert fill_placeholders("Dear {title} {customer_name}", VALUES) == "Dear {title} Hana Sato"
    assert unknown_placeholders("Dear {title} {customer_name} {order_id}") == ["order_id", "title"]


def test_a_name_that_looks_like_a_placeholder_is_not_filled_again():
    values = {"customer_name": "{agent_name} {__class__}", "agent_name": "Ada"}
    assert fill_placeholders("Hi {customer_name}, {agent_name}", values) == "Hi {agent_name} {__class__}, Ada"


def test_rendered_for_the_ticket_and_the_agent(app):
    agent = user("agent", "Ada Agent")
    ticket = open_ticket("c1", name="Kenji Tanaka")
    canned = create_canned("Sorry", "Hi {customer_name}, sorry! {agent_name}", user("admin"))
    assert render_canned(canned, ticket, agent) == "Hi Kenji Tanaka, sorry! Ada Agent"


def test_admins_create_edit_and_deactivate(app):
    admin = user("admin")
    canned = create_canned("  Order   number ", "Please DM us your order number.\r\n{agent_name}", admin)
    assert (canned.title, canned.body, canned.created_by_id) == ("Order number", "Please DM us your order number.\n{agent_name}", admin.id)
    with pytest.raises(ActionError, match="already exists"):
        create_canned("ORDER NUMBER", "another", admin)
    for title, body, error in (("", "x", "title is empty"), ("x" * 121, "x", "longer than 120"), ("a\x07b", "x", "control"),
                               ("ok", "  ", "response is empty"), ("ok", "x" * 10_001, "longer than"), ("ok", "a\x00", "NUL")):
        with pytest.raises(ActionError, match=error):
            create_canned(title, body, admin)
    other = create_canned("Thanks", "Thank you {customer_name}!", admin)
    with pytest.raises(ActionError, match="already exists"):
        update_canned(other, "order number", "x", admin)
    update_canned(other, "Thanks!", "ありがとうございます {customer_name}様", admin)
    assert (other.title, other.body) == ("Thanks!", "ありがとうございます {customer_name}様")
    set_canned_active(canned, False, admin)
    assert [c.title for c in active_canned()] == ["Thanks!"]
    assert [c.title for c in all_canned()] == ["Thanks!", "Order number"]
    set_canned_active(canned, True, admin)
    assert len(active_canned()) == 2


def test_demo_responses_are_seeded_once_in_english_and_japanese(app):
    assert seed_demo_canned() == len(DEMO_CANNED)
    assert seed_demo_canned() == 0
    bodies = [c.body for c in active_canned()]
    assert any("お詫び" in c.title for c in active_canned()) and any("{customer_name}様" in b for b in bodies)
    assert all(unknown_placeholders(b) == [] for b in bodies)


def test_the_demo_comes_with_canned_responses(app):
    from inbox.setup import seed_demo_channels

    assert seed_demo_channels()
    assert sorted(c.title for c in active_canned()) == sorted(title for title, _ in DEMO_CANNED)
