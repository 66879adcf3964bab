"""The Mastodon account form (see docs/mastodon.md)."""
from ..fields import SettingField

FIELDS = (
    SettingField("api_base_url", "Server", required=True, placeholder="https://mastodon.social"),
    SettingField("access_token", "Access token (scopes read, write)", "secret", required=True),
    SettingField("user_id", "Account id", placeholder="looked up with the token when empty"),
    SettingField("username", "Account name", placeholder="without @ (for links to our replies)"),
    SettingField("max_chars", "Longest post on this server", "number", placeholder="500"),
    SettingField("blocked_accounts", "Ignore these accounts", placeholder="spammer@example.social other@host"),
    SettingField("dms", "Read direct messages", "checkbox", default=True),
    SettingField("start_from_now", "Start from now (skip older mentions)", "checkbox", default=False),
)
