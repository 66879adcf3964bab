"""The LINE account form (see README.md beside it)."""
from ...translatable import N_
from ..fields import SettingField

FIELDS = (
    SettingField("channel_secret", N_("Channel secret (Basic settings tab)"), "secret", required=True),
    SettingField("channel_access_token", N_("Channel access token (long-lived) (Messaging API tab)"), "secret", required=True),
    SettingField("max_media_bytes", N_("Largest image, video, audio or file kept (bytes)"), "number",
                 placeholder="10485760", minimum=1, maximum=200 * 1024 * 1024),
)
