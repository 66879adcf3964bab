"""The real RFC 822 / MIME messages the email tests deliver to a real IMAP server and import from
mailboxes: the Ruby `mail` gem's fixtures (Japanese charsets, reports and bounces, RFC 2822 and
RFC 6532 examples), as recorded in the shared eval data."""
from __future__ import annotations

from pathlib import Path

from ..fixtures import recording


def recorded_folder() -> Path:
    return recording("email", "mikel_mail")


def recorded_email(name: str) -> bytes:
    """One message's bytes exactly as recorded (CRLF kept), e.g. "multi_charset/japanese_shift_jis.eml"."""
    return (recorded_folder() / name).read_bytes()
