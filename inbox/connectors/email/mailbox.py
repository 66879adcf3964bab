"""Reading an existing mailbox (an mbox file or a Maildir folder) message by message, as bytes.

How a team moves from another help desk or a shared mail client: every message goes through the
same rules as one fetched over IMAP (`read_email`)."""
from __future__ import annotations

import mailbox
from pathlib import Path
from typing import Iterator


class MailboxUnreadable(ValueError):
    pass


def is_mailbox(path: Path) -> bool:
    if path.is_dir():
        return (path / "cur").is_dir() or (path / "new").is_dir()
    if path.suffix.lower() == ".mbox":
        return True
    try:
        with open(path, "rb") as fh:
            return fh.read(5) == b"From "
    except OSError:
        return False


def messages_in(path: Path) -> Iterator[tuple[str, bytes]]:
    """(reference, raw bytes) of every message, in the mailbox's order."""
    if path.is_dir():
        if not ((path / "cur").is_dir() or (path / "new").is_dir()):
            raise MailboxUnreadable(f"{path} is not a Maildir (no cur/ or new/ folder)")
        box: mailbox.Mailbox = mailbox.Maildir(str(path), factory=None, create=False)
        keys = sorted(box.keys(), key=lambda key: (box.get_file(key).name if hasattr(box.get_file(key), "name") else key))
        for key in keys:
            with box.get_file(key) as fh:
                yield f"{path.name}/{key}", fh.read()
        return
    if not path.is_file():
        raise MailboxUnreadable(f"{path}: no such file or folder")
    box = mailbox.mbox(str(path), factory=None, create=False)
    try:
        for number, key in enumerate(box.iterkeys(), start=1):
            yield f"{path.name} message {number}", box.get_bytes(key)
    finally:
        box.close()
