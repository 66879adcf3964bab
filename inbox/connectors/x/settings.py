"""The X account form (see README.md beside it for where each credential comes from)."""
from ...translatable import N_
from ..fields import SettingField

FIELDS = (
    SettingField("bearer_token", N_("Bearer token (reads mentions)"), "secret"),
    SettingField("consumer_key", N_("API key"), "secret"),
    SettingField("consumer_secret", N_("API key secret"), "secret"),
    SettingField("access_token", N_("Access token (the brand account)"), "secret"),
    SettingField("access_token_secret", N_("Access token secret"), "secret"),
    SettingField("user_id", N_("Brand user id"), placeholder=N_("looked up with the access token when empty")),
    SettingField("username", N_("Brand handle"), placeholder=N_("without @")),
    SettingField("dms", N_("Poll direct messages"), "checkbox", default=True),
    SettingField("start_from_now", N_("Start from now (skip earlier mentions and DMs; else the history is read, 25 pages a poll)"),
                 "checkbox", default=False),
)
