"""The X account form (see docs/x.md for where each credential comes from)."""
from ..fields import SettingField

FIELDS = (
    SettingField("bearer_token", "Bearer token (reads mentions)", "secret"),
    SettingField("consumer_key", "API key", "secret"),
    SettingField("consumer_secret", "API key secret", "secret"),
    SettingField("access_token", "Access token (the brand account)", "secret"),
    SettingField("access_token_secret", "Access token secret", "secret"),
    SettingField("user_id", "Brand user id", placeholder="looked up with the access token when empty"),
    SettingField("username", "Brand handle", placeholder="without @"),
    SettingField("dms", "Poll direct messages", "checkbox", default=True),
    SettingField("start_from_now", "Start from now (skip earlier mentions and DMs; else the history is read, 25 pages a poll)",
                 "checkbox", default=False),
)
