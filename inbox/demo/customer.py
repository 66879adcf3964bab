"""The demo mailbox's customers: the emails they open with, and how they answer an agent's reply.

Pure: an email in, an email out. The answer is threaded as a mail program would thread it
(In-Reply-To the reply's Message-ID, References extended, "Re:" once), so it lands in the same ticket.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from email.message import EmailMessage, Message
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, formataddr, getaddresses, make_msgid, parseaddr

from ..timeutil import utcnow

CUSTOMER_DOMAIN = "example.com"
_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


# (name, address, subject, text): written for this project, one English and one Japanese customer
OPENINGS: tuple[tuple[str, str, str, str], ...] = (
    ("Laura Reid", f"laura.reid@{CUSTOMER_DOMAIN}", "Router keeps dropping Wi-Fi in the evenings",
     "Hello,\n\nSince last Friday our Wi-Fi drops every evening between 8 and 10 pm. The fibre light on the "
     "router stays green, but laptops and phones lose the connection for a minute or two, several times an "
     "hour. We have restarted the router twice.\n\nIs there something we can change, or does it need an "
     "engineer?\n\nThanks,\nLaura Reid"),
    ("井上 真由", f"mayu.inoue@{CUSTOMER_DOMAIN}", "プラン変更について",
     "ノヴァ光 カスタマーサポート御中\n\n現在の光回線1ギガプランから10ギガプランへの変更を検討しています。"
     "工事は必要でしょうか。また、変更した月の料金は日割りになりますか。\n\nよろしくお願いいたします。\n井上 真由"),
)

_ANSWERS = {
    "en": "Thanks, that's clear. I'll try that this evening and let you know if it happens again.",
    "ja": "ご回答ありがとうございます。内容を確認しました。また分からないことがあればご連絡します。",
}


def opening_emails(support_address: str, now: datetime | None = None) -> list[EmailMessage]:
    """The customers' first emails, a few minutes old."""
    now = now or utcnow()
    emails = []
    for index, (name, address, subject, text) in enumerate(OPENINGS):
        message = EmailMessage(policy=SMTP_POLICY)
        message["From"] = formataddr((name, address))
        message["To"] = support_address
        message["Subject"] = subject
        message["Date"] = format_datetime(now - timedelta(minutes=12 - 5 * index))
        message["Message-ID"] = make_msgid(domain=CUSTOMER_DOMAIN)
        message.set_content(text)
        emails.append(message)
    return emails


def _body(message: Message) -> str:
    part = message.get_body(("plain",)) if isinstance(message, EmailMessage) else None
    if part is None:
        part = next((p for p in message.walk() if p.get_content_type() == "text/plain"), None)
    if part is None:
        return ""
    payload = part.get_payload(decode=True) or b""
    return payload.decode(part.get_content_charset() or "utf-8", "replace")


def answer_to(sent: Message, support_address: str, now: datetime | None = None) -> EmailMessage | None:
    """The customer's answer to an email the support address sent, or None for mail to nobody we know."""
    recipients = [address for _name, address in getaddresses(sent.get_all("To", [])) if "@" in address]
    sender = parseaddr(str(sent.get("From", "")))[1].lower()
    if not recipients or sender != support_address.lower():
        return None
    customer = recipients[0]
    name = next((n for n, a, _s, _t in OPENINGS if a.lower() == customer.lower()), "")
    text = _body(sent)
    language = "ja" if _JAPANESE.search(text) else "en"
    quoted = "\n".join(f"> {line}" for line in text.strip().splitlines())
    subject = str(sent.get("Subject", "")).strip()
    answer = EmailMessage(policy=SMTP_POLICY)
    answer["From"] = formataddr((name, customer))
    answer["To"] = support_address
    answer["Subject"] = subject if subject.lower().startswith("re:") else f"Re: {subject}"
    answer["Date"] = format_datetime(now or utcnow())
    answer["Message-ID"] = make_msgid(domain=customer.rpartition("@")[2] or CUSTOMER_DOMAIN)
    replied = str(sent.get("Message-ID", "")).strip()
    if replied:
        answer["In-Reply-To"] = replied
        answer["References"] = " ".join(part for part in (str(sent.get("References", "")).strip(), replied) if part)
    answer.set_content(f"{_ANSWERS[language]}\n\n{quoted}\n")
    return answer
