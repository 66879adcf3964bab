"""Why a service refused something is said in the reader's language: the services raise English sentences marked
for the catalog, and the page translates them when it shows them, with the names and numbers they carry (and a
refusal inside a refusal) said the same way. The English reader reads the services' words as before."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.helpers import csrf_token

PASSWORD = "correct horse battery"


@pytest.fixture
def admin_client(app, client):
    from inbox.auth.users import create_user

    admin, _ = create_user("root@example.com", "Root", "admin", PASSWORD)
    page = client.get("/login")
    client.post("/login", data={"email": admin.email, "password": PASSWORD, "csrf_token": csrf_token(page)})
    return client, admin


def _post(app, client, language: str, form_page: str, url: str, data: dict) -> str:
    headers = {"Accept-Language": language}
    with app.app_context():  # its own context: the language is chosen per request
        page = client.get(form_page, headers=headers)
        response = client.post(url, headers=headers, follow_redirects=True, data={**data, "csrf_token": csrf_token(page)})
    assert response.status_code in (200, 422)
    return response.get_data(as_text=True)


def _refusals(app, client, admin, language: str) -> str:
    """Six refusals by five services, every one through the web UI; their pages, one after another."""
    from inbox.extensions import db
    from inbox.tickets.models import SlaPolicy
    from inbox.webhooks.events import EVENT_TYPES

    policy = db.session.scalars(
        select(SlaPolicy).where(SlaPolicy.channel == "x", SlaPolicy.active.is_(True))).one()
    pages = [
        # users: a role named through the label table, and the last admin kept
        _post(app, client, language, "/admin/users", f"/admin/users/{admin.id}/role", {"role": "admin"}),
        _post(app, client, language, "/admin/users", f"/admin/users/{admin.id}/role", {"role": "agent"}),
        # API tokens: inside the page's own "Token not created: …"
        _post(app, client, language, "/settings/api-tokens", "/settings/api-tokens", {"name": " ", "scope": "read"}),
        # webhooks: the outbound guard's refusal inside the webhook service's one
        _post(app, client, language, "/admin/webhooks", "/admin/webhooks",
              {"name": "Hook", "url": "http://localhost/hook", "events": [next(iter(EVENT_TYPES))]}),
        # SLA policies: the target's name is itself a translated word
        _post(app, client, language, "/admin/sla", f"/admin/sla/policies/{policy.id}",
              {"first_response_minutes": "soon", "warning_percent": "80", "calendar_id": str(policy.calendar_id or "")}),
    ]
    with app.app_context():  # the inbox list's filters: a problem the query parser reports, not raises
        pages.append(client.get("/?channel=fax", headers={"Accept-Language": language}).get_data(as_text=True))
    return "\n".join(pages)


def test_service_refusals_read_in_the_users_language(app, admin_client):
    client, admin = admin_client

    japanese = _refusals(app, client, admin, "ja")
    for expected in (
        "Rootさんの役割はすでに管理者です",
        "有効な管理者はこのユーザーだけです。先に別のユーザーを管理者にしてください",
        "トークンを作成できませんでした：トークンの名前（使用する連携先など）を入力してください",
        "追加できませんでした：URLは使用できません：localhost はこのサーバー自身を指しています。使用するには外部送信の許可リストに追加してください",
        "初回応答の目標時間は分単位の整数で入力してください",
        "チャネル「fax」は不明なため、適用していません。",
    ):
        assert expected in japanese
    for english in ("already has the role", "only active admin", "give the token a name", "is refused",
                    "whole number of minutes", "not applied"):
        assert english not in japanese

    english = _refusals(app, client, admin, "en")
    for expected in (
        "Root already has the role admin",
        "this is the only active admin; make someone else admin first",
        "Token not created: give the token a name (what will use it)",
        "Not added: the URL is refused: localhost is this machine; add it to the outbound allow-list to use it",
        "first response must be a whole number of minutes",
        "Unknown channel “fax”: not applied.",
    ):
        assert expected in english


def test_the_services_still_speak_english_outside_the_web_ui(app):
    """str() of the error is the English sentence (logs, the CLI, the API), whatever the catalog says."""
    from inbox.auth.users import UserError, create_user

    create_user("root@example.com", "Root", "admin", PASSWORD)
    with pytest.raises(UserError) as refused:
        create_user("ROOT@example.com", "Other", "agent", PASSWORD)
    assert str(refused.value) == "a user with email root@example.com already exists"


def test_channel_forms_read_in_the_users_language(app, admin_client):
    """The connection forms' labels, hints and worded placeholders, and a field named in a refusal."""
    client, _ = admin_client
    with app.app_context():
        form = client.get("/admin/channels/email/new", headers={"Accept-Language": "ja"}).get_data(as_text=True)
        for japanese in ("サポート用アドレス", "お客様が問い合わせに使うアドレスです。", "IMAPサーバー",
                         "空欄の場合はメールボックスのユーザー名を使います", "今から取得を開始する"):
            assert japanese in form
        for english in ("Support address", "The address customers write to", "Mailbox user name"):
            assert english not in form
        assert 'placeholder="imap.example.com"' in form  # an example is not a sentence: as it is
        english_form = client.get("/admin/channels/x/new", headers={"Accept-Language": "en"}).get_data(as_text=True)
        assert "Brand handle" in english_form and "looked up with the access token when empty" in english_form

    refused = _post(app, client, "ja", "/admin/channels/email/new", "/admin/channels/email/new",
                    {"name": "Support mail", "address": "help@example.com", "imap_host": "imap.example.com",
                     "imap_port": "nine", "username": "help", "password": "secret"})
    assert "IMAPポートは整数で入力してください" in refused


def test_pipeline_health_reads_in_the_users_language(app, admin_client):
    """The admin pipeline page's health checks; `inbox doctor` and /healthz keep the English words."""
    client, _ = admin_client
    with app.app_context():
        japanese = client.get("/admin/pipeline", headers={"Accept-Language": "ja"}).get_data(as_text=True)
        english = client.get("/admin/pipeline", headers={"Accept-Language": "en"}).get_data(as_text=True)
        health = client.get("/healthz").get_json()
    assert "接続可能・マイグレーション済み" in japanese and "ワーカーが稼働していません" in japanese
    assert "reachable and migrated" not in japanese
    assert "reachable and migrated" in english and "no worker is running" in english
    assert health["checks"]["database"]["detail"] == "reachable and migrated"
