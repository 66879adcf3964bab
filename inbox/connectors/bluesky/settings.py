"""The Bluesky account form (see docs/bluesky.md)."""
from ..fields import SettingField

FIELDS = (
    SettingField("handle", "Handle", required=True, placeholder="acme.bsky.social"),
    SettingField("app_password", "App password (with access to direct messages)", "secret", required=True),
    SettingField("service", "Server", placeholder="https://bsky.social"),
    SettingField("blocked_accounts", "Ignore these accounts", placeholder="spammer.bsky.social"),
    SettingField("dms", "Read chat messages", "checkbox", default=True),
    SettingField("start_from_now", "Start from now (skip older notifications)", "checkbox", default=False),
)
