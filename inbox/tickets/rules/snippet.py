"""The line of a customer's message that tells an agent what it is about, for the inbox list.

Emails open with a greeting ("Hello,", "Hi Ann,", "こんにちは", "お世話になっております。山田です。"), and
replies carry the quoted thread and a signature. None of it helps triage: the list shows the first line
that is none of these, in any language. Pure: text in, line out.
"""
from __future__ import annotations

import re

MAX_CHARS = 160

# a greeting, at the start of a line, in the languages our customers write in; a name may follow it
_GREETING = re.compile(
    r"""^(?:
        (?:hello|hi|hey|hiya|howdy|greetings|dear|good\s+(?:morning|afternoon|evening|day)|to\s+whom\s+it\s+may\s+concern
          |hallo|guten\s+(?:morgen|tag|abend)|sehr\s+geehrte[rs]?|liebe[rs]?|moin|servus|grüß\s+gott
          |bonjour|bonsoir|salut|coucou|cher|chère|madame|monsieur
          |hola|buenos\s+d[ií]as|buenas\s+(?:tardes|noches)|estimad[oa]s?
          |ol[áa]|oi|bom\s+dia|boa\s+(?:tarde|noite)|prezad[oa]s?
          |ciao|buongiorno|buonasera|salve|gentile|egregio
          |hoi|beste|goedemorgen|goedemiddag|goedenavond|hej|hei|moi|dzień\s+dobry|witam
          |здравствуйте|привет|добрый\s+(?:день|вечер)|merhaba|xin\s+chào|สวัสดี(?:ครับ|ค่ะ)?
        )\b
        |(?:こんにちは|こんばんは|おはようございます|お世話になっております|お世話になります|いつもお世話になっております
          |いつもお世話になります|はじめまして|初めまして|突然のご連絡失礼いたします|突然のご連絡失礼します|ご担当者様|ご担当者各位
          |拝啓|前略|你好|您好|大家好|안녕하세요|안녕하십니까)
    )""",
    re.IGNORECASE | re.VERBOSE,
)
# what may follow a greeting on its line before the message starts: a short name ("Ann", "Nova team"), then a
# comma or a stop
_NAME_THEN_STOP = re.compile(r"^[\s\w.\-'’&@]{0,40}?[,，、:：!！。.]+\s*")
_STOP = re.compile(r"[,，、:：!！。.]")
_NAME_WORDS = 3
# a Japanese addressee line ("株式会社ノヴァ ご担当者様", "田中様") or a self-introduction ("山田です。")
_ADDRESSEE = re.compile(r"(?:様|さま|殿|御中|各位|ご担当者様|担当者様)\s*[,，、:：]?$")
_SELF_INTRODUCTION = re.compile(
    r"^(?:.{0,20}の)?[\u4e00-\u9fff\u30a0-\u30ffA-Za-z\s・]{1,16}(?:です|と申します|でございます)[。.！!]?$")
# where the quoted thread or the signature starts: nothing after it is the customer's new text
_THREAD_STARTS = re.compile(
    r"""^(?:--\s*$|__+\s*$|—\s*$
        |-{2,}\s*(?:original\s+message|forwarded\s+message|urspr[üu]ngliche\s+nachricht|message\s+d'origine|元のメッセージ|転送メッセージ)
        |on\s.{0,200}\swrote:?$|am\s.{0,200}\sschrieb:?$|le\s.{0,200}\sa\s[ée]crit\s?:?$|el\s.{0,200}\sescribió:?$
        |.{0,200}(?:のメッセージ|さんは書きました|wrote)\s*[:：]$
        |.{0,200}<[^<>@\s]+@[^<>\s]+>\s*[:：]$
        |from:\s|差出人\s*[:：]|送信者\s*[:：]
        |sent\s+from\s+my\s|get\s+outlook\s+for\s|iphoneから送信|androidから送信
        )""",
    re.IGNORECASE | re.VERBOSE,
)
# a closing line: the message is over ("Thanks,", "Best regards", "よろしくお願いいたします。")
_CLOSING = re.compile(
    r"""^(?:(?:many\s+)?thanks(?:\s+(?:again|in\s+advance))?|thank\s+you(?:\s+(?:again|in\s+advance))?|cheers|regards|best(?:\s+regards|\s+wishes)?
        |kind\s+regards|warm\s+regards|sincerely(?:\s+yours)?|yours(?:\s+(?:sincerely|truly|faithfully))?|cordialement
        |mit\s+freundlichen\s+gr[üu]ßen|viele\s+gr[üu]ße|lg|saludos|atentamente|cordiali\s+saluti|met\s+vriendelijke\s+groet
        )[\s,.!]*$
        |^(?:よろしくお願い(?:いた)?します|よろしくお願い申し上げます|何卒よろしくお願い(?:いた)?します|以上(?:、)?よろしくお願いします
        |敬具|草々)[。．.！!]*$""",
    re.IGNORECASE | re.VERBOSE,
)
_ONLY_MENTIONS = re.compile(r"^(?:@[\w.\-]+(?:@[\w.\-]+)?\s*)+$")
_SENTENCE_END = re.compile(r"(?<=[。！？!?])")


def triage_line(text: str) -> str:
    """The first line of `text` that is not a greeting, an addressee, a quote, a signature or only @mentions;
    "" when the message has none (it was all greeting, or empty). At most MAX_CHARS characters."""
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw.strip().strip("\u3000").strip()
        if not line or line.startswith((">", "＞")) or _ONLY_MENTIONS.match(line):
            continue
        if _THREAD_STARTS.match(line) or _CLOSING.match(line):
            break
        said = _said(line)
        if said:
            return _shorten(said)
    return ""


def _said(line: str) -> str:
    """What `line` says once an opening greeting (and a name after it) is taken away; "" when nothing is left."""
    line = _without_greeting(line)
    if not line or _ADDRESSEE.search(line) and len(line) <= 40:
        return ""
    # Japanese writes greeting, introduction and request on one line: drop the sentences that are only civility
    sentences = [s.strip() for s in _SENTENCE_END.split(line) if s.strip()]
    while sentences:
        first = _without_greeting(sentences[0])
        if first and not _SELF_INTRODUCTION.match(first) and not _CLOSING.match(first):
            sentences[0] = first
            break
        sentences.pop(0)
    return "".join(sentences).strip() if any(not s.isascii() for s in sentences) else " ".join(sentences).strip()


def _without_greeting(line: str) -> str:
    greeting = _GREETING.match(line)
    if greeting is None:
        return line
    rest = line[greeting.end():]
    name = _NAME_THEN_STOP.match(rest)
    if name is not None and len(_STOP.sub(" ", name.group()).split()) <= _NAME_WORDS:
        return rest[name.end():].strip()
    if len(rest.split()) <= _NAME_WORDS and not _STOP.search(rest):
        return ""  # "Hello Nova team": a greeting line without its comma
    return line  # "Hi there is no signal": the word opens a sentence, not a greeting


def _shorten(line: str) -> str:
    return line if len(line) <= MAX_CHARS else line[:MAX_CHARS - 1].rstrip() + "…"
