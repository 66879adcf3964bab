from tests.connectors.email.conftest import dovecot, loopback_mail_servers_allowed, mailbox  # noqa: F401  (real IMAP server for the email pages)
