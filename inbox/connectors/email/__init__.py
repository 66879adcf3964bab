"""Email connector: IMAP in (polling, read-only: the mailbox is left as it was), SMTP out.

The cursor is the folder's UIDVALIDITY and the last UID read: a server that renumbers the folder
(a new UIDVALIDITY) makes the next poll read it again from the start, and the Message-IDs already
stored are skipped by ingestion. A reply is recorded as delivered only when the SMTP server
accepted it; its Message-ID is its external id, so the customer's answer to it threads back.
"""
from __future__ import annotations

import logging
import smtplib
import socket
import ssl
from datetime import datetime, timezone
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, formataddr, make_msgid
from typing import Any, Mapping

from ...timeutil import utcnow
from ..base import (
    Connector,
    ConnectorError,
    DeliveryFailure,
    FetchResult,
    InboundMessage,
    NeedsAttention,
    Rejected,
    SendRejected,
    register,
)
from ..guard import check_server
from .messages import read_email
from .parse import DEFAULT_MAX_ATTACHMENT_BYTES, has_reply_prefix, safe_header
from .threads import ThreadRule, reply_headers

try:
    import imapclient
    from imapclient.exceptions import IMAPClientError, LoginError
except ImportError:  # the email connector is skipped; every other channel keeps working
    imapclient = None

log = logging.getLogger(__name__)

SECURITY = ("ssl", "starttls", "none")
DEFAULT_FETCH_LIMIT = 50
# what one poll downloads at most; a bigger backlog is read over the next polls ("catching up")
MAX_POLL_BYTES = 40 * 1024 * 1024
# a message larger than this is not downloaded whole: its headers make a ticket that says so
MAX_MESSAGE_BYTES = 30 * 1024 * 1024
DEFAULT_TIMEOUT_SECONDS = 30.0


def port_problem(value: Any, what: str) -> str | None:
    """Why `value` cannot be the port of the `what` server (None when unset: the default is used)."""
    if value is None or value == "":
        return None
    text = str(value).strip()
    if isinstance(value, bool) or not (text.isascii() and text.isdigit()) or len(text) > 5 or not 0 < int(text) < 65536:
        return f"the {what} port must be a whole number from 1 to 65535, not {text[:24]!r}"
    return None


def _port(value: Any, default: int, what: str) -> int:
    problem = port_problem(value, what)
    if problem:
        raise NeedsAttention(problem)
    return default if value is None or value == "" else int(value)


def _reach_problem(what: str, host: str, port: int, exc: BaseException) -> ConnectorError:
    """A network failure in words an admin can act on (never a Python traceback)."""
    if isinstance(exc, socket.gaierror):
        why = "the host name does not resolve"
    elif isinstance(exc, ConnectionRefusedError):
        why = "connection refused"
    elif isinstance(exc, (socket.timeout, TimeoutError)):
        why = "no answer in time"
    elif isinstance(exc, ssl.SSLError):
        why = "the TLS handshake failed (check the port and the security setting)"
    else:
        why = "the connection failed"
    return ConnectorError(f"could not reach the {what} server {host}:{port}: {why}")


@register
class EmailConnector(Connector):
    kind = "email"
    title = "Email (IMAP and SMTP)"
    credential_words = "Needs a new password"

    @classmethod
    def enabled(cls) -> bool:
        return imapclient is not None

    # -- configuration -----------------------------------------------------------------------

    @property
    def address(self) -> str:
        return str(self.config.get("address") or "").strip().lower()

    def configured(self) -> tuple[bool, str]:
        if not self.address or "@" not in self.address:
            return False, "the support address (the one customers write to) is missing"
        if not self.config.get("imap_host"):
            return False, "the IMAP server is missing"
        if not self.config.get("username") or not self.config.get("password"):
            return False, "the mailbox user name and password are missing"
        for key in ("imap_security", "smtp_security"):
            if self.config.get(key) and self.config[key] not in SECURITY:
                return False, f"{key} must be one of {', '.join(SECURITY)}"
        for key, what in (("imap_port", "IMAP"), ("smtp_port", "SMTP")):
            problem = port_problem(self.config.get(key), what)
            if problem:
                return False, problem
        return True, ""

    @property
    def max_attachment_bytes(self) -> int:
        try:
            mb = float(self.config.get("max_attachment_mb") or 0)
        except (TypeError, ValueError):
            mb = 0
        return int(mb * 1024 * 1024) if mb > 0 else DEFAULT_MAX_ATTACHMENT_BYTES

    def _timeout(self) -> float:
        return float(self.config.get("timeout_seconds") or DEFAULT_TIMEOUT_SECONDS)

    # -- reading ------------------------------------------------------------------------------

    def imap(self) -> Any:
        if imapclient is None:
            raise ConnectorError("the imapclient package is not installed")
        host = str(self.config["imap_host"])
        security = self.config.get("imap_security") or "ssl"
        port = _port(self.config.get("imap_port"), 993 if security == "ssl" else 143, "IMAP")
        check_server("IMAP server", host, port, self.allowlist)
        context = ssl.create_default_context()
        try:
            client = imapclient.IMAPClient(host, port=port, ssl=security == "ssl", ssl_context=context, timeout=self._timeout())
            if security == "starttls":
                client.starttls(context)
        except (OSError, IMAPClientError) as exc:
            raise _reach_problem("IMAP", host, port, exc) from exc
        try:
            client.login(str(self.config["username"]), str(self.config["password"]))
        except LoginError as exc:
            raise NeedsAttention(f"the mail server {host} rejected the user name or password; enter the new password") from exc
        except (OSError, IMAPClientError) as exc:
            raise _reach_problem("IMAP", host, port, exc) from exc
        return client

    def fetch(self, cursor: Mapping[str, Any] | None) -> FetchResult:
        client = self.imap()
        try:
            return self._fetch(client, dict(cursor or {}))
        except (OSError, IMAPClientError) as exc:
            why = "no answer in time" if isinstance(exc, (socket.timeout, TimeoutError)) else "the connection or the protocol failed"
            raise ConnectorError(f"the IMAP server broke off while reading ({why}); trying again later") from exc
        finally:
            try:
                client.logout()
            except Exception:  # the connection is gone anyway
                pass

    def _fetch(self, client: Any, cursor: dict[str, Any]) -> FetchResult:
        folder = str(self.config.get("folder") or "INBOX")
        try:
            selected = client.select_folder(folder, readonly=True)
        except IMAPClientError as exc:
            raise NeedsAttention(f"the mailbox has no folder {folder!r}; check the folder name") from exc
        validity = int(selected.get(b"UIDVALIDITY") or 0)
        uid_next = int(selected.get(b"UIDNEXT") or 0)
        last_uid = int(cursor.get("last_uid") or 0)
        notes: list[str] = []
        if cursor and int(cursor.get("uidvalidity") or 0) != validity:
            notes.append("the server renumbered the folder; reading it again (messages already stored are skipped)")
            last_uid = 0
        if not cursor and self.config.get("start_from_now"):
            newest = max(client.search(["ALL"]) or [0]) if not uid_next else uid_next - 1
            return FetchResult([], {"uidvalidity": validity, "last_uid": int(newest), "started_from_now": True})
        uids = sorted(uid for uid in client.search(["UID", f"{last_uid + 1}:*"]) if uid > last_uid)
        limit = int(self.config.get("fetch_limit") or DEFAULT_FETCH_LIMIT)
        wanted = uids[:limit]
        sizes = client.fetch(wanted, ["RFC822.SIZE", "INTERNALDATE"]) if wanted else {}
        taken: list[int] = []
        total = 0
        for uid in wanted:
            size = int(sizes.get(uid, {}).get(b"RFC822.SIZE") or 0)
            if taken and total + min(size, MAX_MESSAGE_BYTES) > MAX_POLL_BYTES:
                break
            taken.append(uid)
            total += min(size, MAX_MESSAGE_BYTES)
        small = [uid for uid in taken if int(sizes.get(uid, {}).get(b"RFC822.SIZE") or 0) <= MAX_MESSAGE_BYTES]
        bodies = client.fetch(small, ["BODY.PEEK[]"]) if small else {}
        messages: list[InboundMessage] = []
        rejected: list[Rejected] = []
        failures: list[DeliveryFailure] = []
        rule = ThreadRule(self.conversations)
        for uid in taken:
            headers_only = uid not in bodies
            if headers_only:
                data = client.fetch([uid], ["BODY.PEEK[HEADER]"]).get(uid, {}).get(b"BODY[HEADER]") or b""
            else:
                data = bodies[uid].get(b"BODY[]") or b""
            received = sizes.get(uid, {}).get(b"INTERNALDATE")
            received_at = _aware(received) if isinstance(received, datetime) else utcnow()
            outcome = read_email(data, f"{folder} UID {uid}", rule, self.address, received_at,
                                 {"imap": {"uid": uid, "uidvalidity": validity}}, self.max_attachment_bytes, headers_only)
            self._collect(outcome, messages, rejected, failures)
            last_uid = uid
        remaining = len(uids) - len(taken)
        catching_up = f"catching up: {remaining} older email(s) follow on the next poll" if remaining else None
        if notes:
            catching_up = "; ".join(notes + ([catching_up] if catching_up else []))
        return FetchResult(messages, {"uidvalidity": validity, "last_uid": last_uid}, rejected, catching_up,
                           delivery_failures=failures)

    @staticmethod
    def _collect(outcome: Any, messages: list[InboundMessage], rejected: list[Rejected], failures: list[DeliveryFailure]) -> None:
        if outcome.message is not None:
            messages.append(outcome.message)
        if outcome.rejected is not None:
            rejected.append(outcome.rejected)
        if outcome.bounce is not None:
            failures.append(DeliveryFailure(outcome.bounce.message_id, f"bounced: {outcome.bounce.reason}"))

    # -- sending ------------------------------------------------------------------------------

    def check_reply(self, ticket_message: Mapping[str, Any], text: str) -> str | None:
        if not text.strip():
            return "the reply is empty"
        if not (ticket_message.get("customer_id") or "").count("@"):
            return "the customer has no email address to answer"
        return None

    def compose(self, ticket_message: Mapping[str, Any], text: str) -> EmailMessage:
        """The reply as it goes out: to the customer (or their Reply-To), threaded under their mail."""
        in_reply_to = ticket_message.get("in_reply_to")
        references, reply_to = reply_headers(self.conversations, in_reply_to) if in_reply_to else ([], None)
        recipient = safe_header(reply_to or ticket_message.get("customer_id"), 320)
        subject = safe_header(ticket_message.get("subject") or "", 400) or "Your message"
        domain = self.address.split("@", 1)[1] if "@" in self.address else "inbox.invalid"
        message = EmailMessage(policy=SMTP_POLICY)
        message["From"] = formataddr((safe_header(self.config.get("display_name") or "", 200), self.address))
        message["To"] = recipient
        message["Subject"] = subject if has_reply_prefix(subject) else f"Re: {subject}"
        message["Date"] = format_datetime(utcnow())
        message["Message-ID"] = make_msgid(domain=domain)
        if in_reply_to:
            chain = [r for r in references if r != in_reply_to][-20:] + [str(in_reply_to)]
            message["In-Reply-To"] = f"<{in_reply_to}>"
            message["References"] = " ".join(f"<{r}>" for r in chain)
        message.set_content(text)
        return message

    def _login(self, smtp: smtplib.SMTP, security: str) -> None:
        username = self.config.get("smtp_username") or self.config.get("username")
        password = self.config.get("smtp_password") or self.config.get("password")
        # never send a password over a connection without TLS (a local relay on port 25 needs none)
        if username and password and security != "none":
            smtp.login(str(username), str(password))

    def _connect_smtp(self) -> tuple[smtplib.SMTP, str, int, str]:
        """A connection to the outgoing server (TLS as configured, not yet logged in), its host, port and security."""
        host = str(self.config["smtp_host"])
        security = self.config.get("smtp_security") or "starttls"
        port = _port(self.config.get("smtp_port"), {"ssl": 465, "starttls": 587}.get(security, 25), "SMTP")
        check_server("SMTP server", host, port, self.allowlist)
        context = ssl.create_default_context()
        try:
            if security == "ssl":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=self._timeout(), context=context)
            else:
                smtp = smtplib.SMTP(host, port, timeout=self._timeout())
                if security == "starttls":
                    smtp.starttls(context=context)
        except (OSError, smtplib.SMTPException) as exc:
            raise _reach_problem("SMTP", host, port, exc) from exc
        return smtp, host, port, security

    def send_notice(self, recipient: str, subject: str, text: str) -> None:
        """A message of the team's own (a password reset link) from this mailbox's address; raises ConnectorError."""
        if not self.config.get("smtp_host"):
            raise NeedsAttention("no outgoing (SMTP) server is set for this mailbox")
        message = EmailMessage(policy=SMTP_POLICY)
        message["From"] = self.address
        message["To"] = recipient
        message["Subject"] = subject
        message["Date"] = format_datetime(utcnow())
        message["Message-ID"] = make_msgid(domain=self.address.rpartition("@")[2] or None)
        message.set_content(text)
        smtp, host, port, security = self._connect_smtp()
        try:
            self._login(smtp, security)
            smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            raise _reach_problem("SMTP", host, port, exc) from exc
        finally:
            _quit(smtp)

    def send_reply(self, ticket_message: Mapping[str, Any], text: str) -> str:
        problem = self.check_reply(ticket_message, text)
        if problem:
            raise SendRejected(problem)
        if not self.config.get("smtp_host"):
            raise NeedsAttention("no outgoing (SMTP) server is set for this mailbox")
        message = self.compose(ticket_message, text)
        smtp, host, port, security = self._connect_smtp()
        try:
            self._login(smtp, security)
            try:
                refused = smtp.send_message(message)
            except smtplib.SMTPServerDisconnected as exc:
                raise _MaybeSent() from exc
            except smtplib.SMTPException:
                raise
            except OSError as exc:  # a timeout or reset after the data went out: the server may have it
                raise _MaybeSent() from exc
        except _MaybeSent as exc:
            raise SendRejected("the connection to the mail server broke while sending; the email may have gone out, "
                               "check the Sent folder before writing again") from exc.__cause__
        except smtplib.SMTPAuthenticationError as exc:
            raise NeedsAttention(f"the outgoing mail server {host} rejected the user name or password") from exc
        except smtplib.SMTPRecipientsRefused as exc:
            raise SendRejected(f"the mail server refused the recipient {message['To']}") from exc
        except smtplib.SMTPSenderRefused as exc:
            raise SendRejected(f"the mail server refused to send as {self.address} ({exc.smtp_code})") from exc
        except smtplib.SMTPResponseException as exc:
            words = safe_header(exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error, 200)
            if 400 <= exc.smtp_code < 500:
                raise ConnectorError(f"the mail server asked to try later ({exc.smtp_code} {words})") from exc
            raise SendRejected(f"the mail server refused the email ({exc.smtp_code} {words})") from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise _reach_problem("SMTP", host, port, exc) from exc
        finally:
            _quit(smtp)
        if refused:
            raise SendRejected(f"the mail server refused the recipient {', '.join(refused)}")
        return str(message["Message-ID"]).strip().strip("<>")


def _quit(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except Exception:  # noqa: BLE001  already closed
        pass


class _MaybeSent(Exception):
    pass


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
