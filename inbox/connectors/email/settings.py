"""The email account form (see docs/email.md)."""
from ..fields import SettingField
from . import SECURITY

FIELDS = (
    SettingField("address", "Support address", required=True, placeholder="support@example.com",
                 help="The address customers write to; replies are sent from it."),
    SettingField("display_name", "Sender name", placeholder="Acme Support"),
    SettingField("imap_host", "IMAP server", required=True, placeholder="imap.example.com"),
    SettingField("imap_port", "IMAP port", "number", placeholder="993"),
    SettingField("imap_security", "IMAP security", "choice", choices=SECURITY, default="ssl"),
    SettingField("username", "Mailbox user name", required=True),
    SettingField("password", "Mailbox password (or app password)", "secret", required=True),
    SettingField("folder", "Folder", placeholder="INBOX"),
    SettingField("smtp_host", "SMTP server", placeholder="smtp.example.com"),
    SettingField("smtp_port", "SMTP port", "number", placeholder="587"),
    SettingField("smtp_security", "SMTP security", "choice", choices=SECURITY, default="starttls"),
    SettingField("smtp_username", "SMTP user name", placeholder="the mailbox user name when empty"),
    SettingField("smtp_password", "SMTP password", "secret", placeholder="the mailbox password when empty"),
    SettingField("max_attachment_mb", "Largest attachment kept (MB)", "number", placeholder="10"),
    SettingField("start_from_now", "Start from now (skip the mail already in the folder)", "checkbox", default=False),
)
