"""The Mastodon account form (see README.md beside it)."""
from ...translatable import N_
from ..fields import SettingField

FIELDS = (
    SettingField("api_base_url", N_("Server"), required=True, placeholder="https://mastodon.social", server="url"),
    SettingField("access_token", N_("Access token (scopes read, write)"), "secret", required=True),
    SettingField("user_id", N_("Account id"), placeholder=N_("looked up with the token when empty")),
    SettingField("username", N_("Account name"), placeholder=N_("without @ (for links to our replies)")),
    SettingField("max_chars", N_("Longest post on this server"), "number", placeholder="500", minimum=1, maximum=1_000_000),
    SettingField("blocked_accounts", N_("Ignore these accounts"), placeholder="spammer@example.social other@host"),
    SettingField("dms", N_("Read direct messages"), "checkbox", default=True),
    SettingField("start_from_now", N_("Start from now (skip older mentions)"), "checkbox", default=False),
)
