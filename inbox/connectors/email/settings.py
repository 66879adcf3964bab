"""The email account form (see README.md beside it)."""
from ...translatable import N_
from ..fields import SettingField
from . import SECURITY

FIELDS = (
    SettingField("address", N_("Support address"), required=True, placeholder="support@example.com",
                 help=N_("The address customers write to; replies are sent from it.")),
    SettingField("display_name", N_("Sender name"), placeholder=N_("Acme Support")),
    SettingField("imap_host", N_("IMAP server"), required=True, placeholder="imap.example.com", server="host"),
    SettingField("imap_port", N_("IMAP port"), "number", placeholder="993", minimum=1, maximum=65535),
    SettingField("imap_security", N_("IMAP security"), "choice", choices=SECURITY, default="ssl"),
    SettingField("username", N_("Mailbox user name"), required=True),
    SettingField("password", N_("Mailbox password (or app password)"), "secret", required=True),
    SettingField("folder", N_("Folder"), placeholder="INBOX"),
    SettingField("smtp_host", N_("SMTP server"), placeholder="smtp.example.com", server="host"),
    SettingField("smtp_port", N_("SMTP port"), "number", placeholder="587", minimum=1, maximum=65535),
    SettingField("smtp_security", N_("SMTP security"), "choice", choices=SECURITY, default="starttls"),
    SettingField("smtp_username", N_("SMTP user name"), placeholder=N_("the mailbox user name when empty")),
    SettingField("smtp_password", N_("SMTP password"), "secret", placeholder=N_("the mailbox password when empty")),
    SettingField("max_attachment_mb", N_("Largest attachment kept (MB)"), "number", placeholder="10", minimum=1, maximum=1000),
    SettingField("start_from_now", N_("Start from now (skip the mail already in the folder)"), "checkbox", default=False),
)
