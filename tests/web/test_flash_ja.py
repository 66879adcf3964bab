"""Admin flashes are said in the reader's language: the same refusal reads in Japanese for a Japanese
reader and in English for an English one."""
from __future__ import annotations

from tests.helpers import csrf_token


def _refused_capacity(app, client, user_id: int, language: str) -> str:
    headers = {"Accept-Language": language}
    with app.app_context():  # its own context: the language is chosen per request
        form = client.get("/admin/assignment", headers=headers)
        response = client.post("/admin/assignment", headers=headers, follow_redirects=True,
                               data={"mode": "off", f"capacity_{user_id}": "many", "csrf_token": csrf_token(form)})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_flash_reads_in_the_users_language(app, client):
    from inbox.auth.users import create_user

    admin, _ = create_user("root@example.com", "Root", "admin", "correct horse battery")
    page = client.get("/login")
    client.post("/login", data={"email": admin.email, "password": "correct horse battery", "csrf_token": csrf_token(page)})

    japanese = _refused_capacity(app, client, admin.id, "ja")
    assert "Rootさんの上限件数は0〜500の整数で入力してください。" in japanese
    assert "must be a whole number" not in japanese

    english = _refused_capacity(app, client, admin.id, "en")
    assert "Capacity of Root must be a whole number from 0 to 500." in english
