"""The list's triage line (issue 29 item 3): the first line that is not a greeting, an addressee, a quote or a
signature, in every language our customers write in."""
from __future__ import annotations

import pytest

from inbox.tickets.rules.snippet import MAX_CHARS, triage_line


@pytest.mark.parametrize("text, line", [
    # English greetings, alone or with a name, with or without their comma
    ("Hello,\n\nMy router has been blinking red since Monday.\n\nThanks,\nDan", "My router has been blinking red since Monday."),
    ("Hi Ann,\nI was charged twice for October.", "I was charged twice for October."),
    ("Hi,\r\n\r\nI was charged twice.", "I was charged twice."),
    ("Dear Nova support team,\n\nthe invoice page is blank.", "the invoice page is blank."),
    ("Hello Nova team\nWhere is my refund?", "Where is my refund?"),
    ("Good morning!\nThe app crashes at login.", "The app crashes at login."),
    ("To whom it may concern,\nPlease cancel my plan.", "Please cancel my plan."),
    ("Hello, I was charged twice", "I was charged twice"),
    ("Hi! quick question: does the 20GB plan include tethering?", "quick question: does the 20GB plan include tethering?"),
    # a greeting word that opens a sentence is not a greeting
    ("Hi there is no signal in Osaka since noon", "Hi there is no signal in Osaka since noon"),
    ("Hello world is what my router shows instead of the login page", "Hello world is what my router shows instead of the login page"),
    # Japanese: greeting, addressee and self-introduction, on their own lines or in one
    ("こんにちは\n光回線が朝から繋がりません。", "光回線が朝から繋がりません。"),
    ("株式会社ノヴァ光 ご担当者様\n\nお世話になっております。山田です。\n請求書が二重に届いています。\n\nよろしくお願いいたします。",
     "請求書が二重に届いています。"),
    ("お世話になっております。山田と申します。ルーターの交換をお願いしたいです。", "ルーターの交換をお願いしたいです。"),
    ("田中様\nいつもお世話になっております。\n解約の手続きについて教えてください。", "解約の手続きについて教えてください。"),
    ("はじめまして、佐藤です。\n料金プランの変更をしたいです。", "料金プランの変更をしたいです。"),
    # other languages
    ("Hallo,\nmein Internet geht seit gestern nicht.", "mein Internet geht seit gestern nicht."),
    ("Sehr geehrte Damen und Herren,\nich möchte kündigen.", "ich möchte kündigen."),
    ("Bonjour,\nma facture est incorrecte.", "ma facture est incorrecte."),
    ("Hola,\nno tengo conexión desde ayer.", "no tengo conexión desde ayer."),
    ("Olá, bom dia!\nA minha fatura veio duplicada.", "A minha fatura veio duplicada."),
    ("Ciao,\nil modem non si accende.", "il modem non si accende."),
    ("您好，\n我的网络断了。", "我的网络断了。"),
    ("안녕하세요.\n인터넷이 안 됩니다.", "인터넷이 안 됩니다."),
    ("Здравствуйте!\nНе работает интернет.", "Не работает интернет."),
    # quotes, quote headers and signatures end the new text, or are skipped
    ("> Hello, how can we help?\nThe modem is still offline.", "The modem is still offline."),
    ("Hi,\n\nOn Tue, 1 Dec 2026 at 10:00, Nova Support <help@nova.example> wrote:\n> Did a restart help?", ""),
    ("Hello,\n--\nDan Whitfield\nACME Ltd", ""),
    ("Thanks,\nDan\n\nOn Monday Nova wrote:\n> anything else?", ""),
    ("こんにちは。\n\n2026年12月1日(火) 10:00 Nova Support <help@nova.example>:\n> 再起動で改善しましたか？", ""),
    ("Hello,\nSent from my iPhone", ""),
    # social posts: a line of mentions alone says nothing; a post that starts with one is kept whole
    ("@NovaHikari_help\nfibre has been down since this morning", "fibre has been down since this morning"),
    ("@NovaHikari_help fibre has been down since this morning", "@NovaHikari_help fibre has been down since this morning"),
    ("", ""),
    ("\n\n   \n", ""),
    ("Hello,\n\nRegards,\nAnn", ""),
])
def test_the_triage_line(text, line):
    assert triage_line(text) == line


def test_a_long_line_is_cut_with_an_ellipsis():
    said = triage_line("Hello,\n" + "the modem reboots every few minutes " * 20)
    assert len(said) == MAX_CHARS and said.endswith("…") and said.startswith("the modem reboots")


def test_angle_bracket_text_is_returned_as_text_not_stripped():
    # the template escapes it; the rule must not lose it
    assert triage_line("Hi,\n<script>alert(1)</script> my invoice page is blank") == "<script>alert(1)</script> my invoice page is blank"
