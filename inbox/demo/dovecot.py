"""Debian's Dovecot as a real IMAP server in a folder of its own: its configuration, runtime files and
maildir under `root`, one listener, every user with one password. The demo mailbox runs it; the
email connector's tests run the same thing on loopback."""
from __future__ import annotations

import getpass
import os
import pwd
import shutil
import socket
import subprocess
import time
from pathlib import Path

START_SECONDS = 15.0


def dovecot_path() -> str | None:
    """Debian's dovecot (`make run` and `make test` install dovecot-imapd when it is missing), or None."""
    found = shutil.which("dovecot") or "/usr/sbin/dovecot"
    return found if os.access(found, os.X_OK) else None


def _users() -> tuple[str, str, int, int]:
    """(login user, internal user, uid, gid) Dovecot runs its processes and keeps mail as."""
    if os.geteuid() == 0:
        login = "dovenull" if _exists("dovenull") else "nobody"
        internal = "dovecot" if _exists("dovecot") else "nobody"
        owner = pwd.getpwnam(internal)
        return login, internal, owner.pw_uid, owner.pw_gid
    me = getpass.getuser()
    return me, me, os.getuid(), os.getgid()


def _exists(user: str) -> bool:
    try:
        pwd.getpwnam(user)
        return True
    except KeyError:
        return False


def reach_problem(root: Path) -> str | None:
    """Why Dovecot could not keep mail under `root`, or None. Run as root, Dovecot keeps the mail as its own
    user (never root), who must be able to walk down to it."""
    if os.geteuid() != 0:
        return None
    _login, internal, _uid, _gid = _users()
    closed = next((p for p in root.resolve().parents if p.exists() and not os.stat(p).st_mode & 0o001), None)
    if closed is None:
        return None
    return (f"the mailbox under {root} is out of reach of the {internal!r} user ({closed} is closed to "
            "others); set INBOX_INSTANCE_PATH to a folder others may enter")


def dovecot_config(root: Path, host: str, port: int, password: str) -> str:
    login, internal, uid, gid = _users()
    mail = root / "maildir"
    return f"""
protocols = imap
listen = {host}
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = {login}
default_internal_user = {internal}
mail_location = maildir:{mail}/%u
first_valid_uid = 0
passdb {{
  driver = static
  args = password={password}
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={mail}/%u
}}
service imap-login {{
  inet_listener imap {{
    address = {host}
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
  chroot =
}}
service anvil {{
  chroot =
}}
"""


class Dovecot:
    """Dovecot in the foreground, with its own configuration under `root`, listening on host:port."""

    def __init__(self, root: Path, host: str, port: int, password: str) -> None:
        self.root, self.host, self.port, self.password = root, host, port, password
        self.process: subprocess.Popen | None = None

    def start(self) -> "Dovecot":
        binary = dovecot_path()
        if binary is None:
            raise RuntimeError("Dovecot is not installed: run `make run` (installs dovecot-imapd) or "
                               "`apt-get install dovecot-imapd`")
        for folder in ("run", "state", "maildir"):
            (self.root / folder).mkdir(parents=True, exist_ok=True)
        problem = reach_problem(self.root)
        if problem:
            raise RuntimeError(problem)
        _login, _internal, uid, gid = _users()
        if os.geteuid() == 0:
            os.chown(self.root / "maildir", uid, gid)
        os.chmod(self.root, 0o755)
        config = self.root / "dovecot.conf"
        config.write_text(dovecot_config(self.root, self.host, self.port, self.password))
        config.chmod(0o600)
        self.process = subprocess.Popen([binary, "-F", "-c", str(config)], stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                output = self.process.stdout.read().decode(errors="replace") if self.process.stdout else ""
                raise RuntimeError(f"dovecot did not start: {output.strip()}")
            try:
                with socket.create_connection((self.host, self.port), timeout=0.5) as sock:
                    if sock.recv(100).startswith(b"* OK"):
                        return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"dovecot did not answer within {START_SECONDS:.0f} s (see {self.root}/dovecot.log)")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
