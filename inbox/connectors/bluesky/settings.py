"""The Bluesky account form (see README.md beside it)."""
from ...translatable import N_
from ..fields import SettingField

FIELDS = (
    SettingField("handle", N_("Handle"), required=True, placeholder="acme.bsky.social"),
    SettingField("app_password", N_("App password (with access to direct messages)"), "secret", required=True),
    SettingField("service", N_("Server"), placeholder="https://bsky.social", server="url"),
    SettingField("blocked_accounts", N_("Ignore these accounts"), placeholder="spammer.bsky.social"),
    SettingField("dms", N_("Read chat messages"), "checkbox", default=True),
    SettingField("start_from_now", N_("Start from now (skip older notifications)"), "checkbox", default=False),
)
