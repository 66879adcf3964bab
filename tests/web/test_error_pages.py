"""Styled error pages everywhere (issue 15 item 4): 403, 404 and an unexpected 500 are pages of the app."""
from __future__ import annotations

from werkzeug.exceptions import InternalServerError

from inbox.web.hardening import _server_error_page


def test_403_404_and_500_are_styled_pages(app, client, agent):
    from tests.helpers import csrf_token

    page = client.get("/login")
    client.post("/login", data={"email": agent.email, "password": "correct horse battery", "csrf_token": csrf_token(page)})
    for url, status in (("/admin/users", 403), ("/no/such/page", 404), ("/tickets/99999", 404)):
        response = client.get(url)
        text = response.get_data(as_text=True)
        assert response.status_code == status and 'class="error-page"' in text and "app.css" in text, url
        assert 'class="topbar"' in text  # the menu is there: one click back to work
    with app.test_request_context("/anything"):
        body, status = _server_error_page(InternalServerError())
        assert status == 500 and 'class="error-page"' in body
    with app.test_request_context("/anything", headers={"Accept": "application/json"}):
        assert _server_error_page(InternalServerError()) == ({"error": "internal server error"}, 500)
