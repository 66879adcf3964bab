from tests.connectors.email.conftest import dovecot, mailbox  # noqa: F401  (real IMAP server for the email pages)
