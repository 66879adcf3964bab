"""The workspace pages of issue 15 in Japanese: every string of their templates is in the catalog."""
from __future__ import annotations

from tests.helpers import csrf_token


def test_workspace_pages_read_in_japanese(app, client):
    from inbox.auth.users import create_user

    admin, _ = create_user("root@example.com", "Root", "admin", "correct horse battery")
    page = client.get("/login")
    client.post("/login", data={"email": admin.email, "password": "correct horse battery", "csrf_token": csrf_token(page)})
    expected = {
        "/": ["緊急度の高い順", "このページのすべて", "選択したチケットに適用", "サインアウト"],
        "/admin/sla": ["SLAポリシー", "初回応答", "営業カレンダー", "このポリシーを削除"],
        "/admin/users": ["ユーザーを追加", "自分のパスワードを変更"],
        "/admin/channels": ["チャネルのアカウント", "接続する："],
        "/account": ["パスワードの変更", "ブラウザーの通知を許可"],
        "/notifications": ["すべて既読にする"],
        "/admin/audit": ["監査ログ", "絞り込む"],
        "/admin/pipeline": ["失敗したジョブ", "保留したもの"],
        "/admin/canned": ["定型文を追加"],
    }
    for url, phrases in expected.items():
        with app.app_context():  # its own context: the language is chosen per request, not cached from the last
            text = client.get(url, headers={"Accept-Language": "ja"}).get_data(as_text=True)
        assert '<html lang="ja">' in text, url
        for phrase in phrases:
            assert phrase in text, (url, phrase)
