"""Reading real RFC 822 / MIME messages (the Ruby mail gem's fixtures) and hostile ones."""
from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP

import pytest

from inbox.connectors.email.fixtures import recorded_email
from inbox.connectors.email.parse import UnreadableEmail, normalised_subject, parse_email
from inbox.connectors.email.text import html_to_text, strip_quotes_and_signature


def build(body: str = "Hello", **headers: str) -> EmailMessage:
    message = EmailMessage(policy=SMTP)
    message["From"] = headers.pop("From", "Jana Novak <jana@example.org>")
    message["To"] = "support@inbox.example"
    message["Subject"] = headers.pop("Subject", "Order 42 never arrived")
    message["Message-ID"] = headers.pop("Message_ID", "<q1@example.org>")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message


@pytest.mark.parametrize("name, subject, text", [
    ("multi_charset/japanese_iso_2022.eml", "まみむめも", "すみません。"),
    ("multi_charset/japanese_shift_jis.eml", "test", "あいうえお"),
    ("multi_charset/japanese.eml", "まみむめも", "かきくえこ"),
    ("multi_charset/ks_c_5601-1987.eml", "test", "스티해"),
    ("rfc2822/example14.eml", "Re: TEST  テストテスト", "Hello"),
    ("plain_emails/raw_email_with_partially_quoted_subject.eml", 'Re: Test: "漢字" mid "漢字" tail', "대부분의"),
])
def test_every_charset_of_the_fixtures_is_decoded(name, subject, text):
    parsed = parse_email(recorded_email(name))
    assert parsed.subject == subject
    assert parsed.text.startswith(text)
    assert "\ufffd" not in parsed.text


def test_euc_jp_body_and_rfc2047_subject():
    raw = ("From: =?ISO-2022-JP?B?GyRCOzNFRBsoQg==?= <yamada@example.jp>\r\nTo: support@inbox.example\r\n"
           "Subject: =?EUC-JP?B?pN6k36TgpOGk4g==?=\r\nMessage-ID: <euc@example.jp>\r\n"
           "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=EUC-JP\r\n\r\n").encode("ascii") + "注文が届きません。".encode("euc_jp")
    parsed = parse_email(raw)
    assert parsed.subject == "まみむめも"
    assert parsed.sender_name == "山田"
    assert parsed.text == "注文が届きません。"


def test_rfc6532_utf8_headers():
    parsed = parse_email(recorded_email("rfc6532/utf8_headers.eml"))
    assert parsed.sender == "jdöe@mächine.example"
    assert parsed.sender_name == "Jöhn Doe"
    assert parsed.subject == "Säying Hello"


def test_reply_headers_and_thread_ids():
    parsed = parse_email(recorded_email("plain_emails/raw_email_reply.eml"))
    assert parsed.message_id == "473FFE27.20003@xxx.org"
    assert parsed.in_reply_to == ["348F04F142D69C21-291E56D292BC@xxxx.net"]
    assert parsed.references == ["473FF3B8.9020707@xxx.org", "348F04F142D69C21-291E56D292BC@xxxx.net"]
    assert parsed.root_id == "473FF3B8.9020707@xxx.org"
    assert parsed.thread_ids == ["348F04F142D69C21-291E56D292BC@xxxx.net", "473FF3B8.9020707@xxx.org"]


@pytest.mark.parametrize("name, original, reason", [
    ("multipart_report_emails/report_530.eml", "200712232303.lBNN3jDq002941@mail12.rrrr.com.au", "5.3.0"),
    ("multipart_report_emails/multi_address_bounce1.eml", "118707422.15521266992174819.JavaMail.root@lvmail01", "5.1.1"),
    ("multipart_report_emails/multipart_report_multiple_status.eml", "4c2a146147ac8_61ff157c4ec1652df@s.h.c.mail", "5.3.0"),
])
def test_bounces_name_the_message_that_bounced(name, original, reason):
    parsed = parse_email(recorded_email(name))
    assert parsed.bounce is not None
    assert parsed.bounce.original_message_id == original
    assert parsed.bounce.reason.startswith(reason)


@pytest.mark.parametrize("header, value", [
    ("Auto_Submitted", "auto-replied"), ("X_Autoreply", "yes"), ("Precedence", "bulk"), ("List_Id", "<users.lists.example.org>"),
])
def test_auto_replies_and_list_mail_are_recognised(header, value):
    assert parse_email(build(**{header: value}).as_bytes()).automatic


def test_a_plain_customer_email_is_not_automatic():
    assert parse_email(build(Auto_Submitted="no").as_bytes()).automatic is None


def test_html_mail_is_read_as_text_without_markup():
    message = build()
    message.set_content("<html><head><style>p{color:red}</style><script>alert(1)</script></head>"
                        "<body><p>My <b>order</b> &amp; invoice</p><img src=x onerror=alert(2) alt=logo>"
                        "<blockquote>old thread</blockquote></body></html>", subtype="html")
    parsed = parse_email(message.as_bytes())
    assert parsed.html
    assert parsed.text == "My order & invoice\n[logo]"
    assert "<" not in parsed.full_text and "alert" not in parsed.full_text
    assert "> old thread" in parsed.full_text


def test_quoted_history_and_signature_are_cut_but_kept_in_full():
    body = ("Still nothing, see below.\n\nThanks\n-- \nJana Novak\n+49 151 1234 5678\n\n"
            "On Tue, 3 Mar 2026 at 10:02, Acme Support <support@inbox.example> wrote:\n> We shipped it.\n")
    parsed = parse_email(build(body).as_bytes())
    assert parsed.text == "Still nothing, see below.\n\nThanks"
    assert "We shipped it." in parsed.full_text and "+49 151" in parsed.full_text


def test_quote_cutter_keeps_a_message_that_is_only_a_quote():
    assert strip_quotes_and_signature("> only a quote\n> here") == "> only a quote\n> here"
    assert strip_quotes_and_signature("Hi\n\nAm 3. März 2026 schrieb Acme <a@b.c>:\n> alt") == "Hi"


def test_malformed_mime_is_stored_with_a_note():
    for name in ("mime_emails/raw_email_with_illegal_boundary.eml", "mime_emails/raw_email4.eml",
                 "mime_emails/raw_email_with_binary_encoded.eml", "plain_emails/raw_email_bad_time.eml"):
        parsed = parse_email(recorded_email(name))
        assert parsed.sender and parsed.problems


def test_a_message_without_sender_is_unreadable():
    with pytest.raises(UnreadableEmail, match="no sender"):
        parse_email(recorded_email("rfc2822/example13.eml"))
    with pytest.raises(UnreadableEmail):
        parse_email(b"\x00\xff garbage without headers")


def test_attachments_keep_name_and_type_from_real_fixtures():
    parsed = parse_email(recorded_email("multi_charset/japanese_attachment.eml"))
    [file] = parsed.attachments
    assert file.filename == "てすと.txt" and file.content_type == "text/plain" and file.data
    parsed = parse_email(recorded_email("attachment_emails/attachment_pdf.eml"))
    assert [(a.filename, a.content_type) for a in parsed.attachments] == [("broken.pdf", "application/pdf")]


def test_a_20_mb_attachment_is_listed_but_not_kept():
    message = build("Photo of the damage attached.")
    message.add_attachment(b"\xff" * (20 * 1024 * 1024), maintype="image", subtype="jpeg", filename="../../etc/passwd.jpg")
    message.add_attachment(b"%PDF-1.4 invoice", maintype="application", subtype="pdf", filename="invoice.pdf")
    parsed = parse_email(message.as_bytes())
    big, small = parsed.attachments
    assert big.data is None and "larger than 10 MB" in big.dropped and big.size == 20 * 1024 * 1024
    assert big.filename == "_.._etc_passwd.jpg" and "/" not in big.filename
    assert small.data == b"%PDF-1.4 invoice"
    assert parsed.text == "Photo of the damage attached."


def test_a_mail_bomb_of_nested_multiparts_is_read_within_limits():
    depth = 3000
    boundaries = [f"b{i}" for i in range(depth)]
    head = "From: bomb@example.org\r\nSubject: bomb\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n"
    body = "".join(f"--{boundaries[i]}\r\nContent-Type: multipart/mixed; boundary={boundaries[i + 1]}\r\n\r\n" for i in range(depth - 1))
    body += f"--{boundaries[-1]}\r\nContent-Type: text/plain\r\n\r\ndeep\r\n"
    parsed_or_error = None
    try:
        parsed_or_error = parse_email((head + body).encode())
    except UnreadableEmail as exc:
        parsed_or_error = exc
    assert isinstance(parsed_or_error, UnreadableEmail) or parsed_or_error.problems
    wide = head + "".join("--b0\r\nContent-Type: text/plain\r\n\r\nx\r\n" for _ in range(5000)) + "--b0--\r\n"
    parsed = parse_email(wide.encode())
    assert any("more than 200 MIME parts" in p for p in parsed.problems)


def test_header_injection_is_neutralised():
    raw = (b"From: =?utf-8?q?Eve=0D=0ABcc=3A_victim=40example=2Eorg?= <eve@example.org>\r\n"
           b"Subject: =?utf-8?q?Refund=0D=0ABcc=3A_all=40example=2Eorg=0D=0A=0D=0A<script>?=\r\n"
           b"Message-ID: <inj@example.org>\r\n\r\nbody\r\n")
    parsed = parse_email(raw)
    assert "\r" not in parsed.subject and "\n" not in parsed.subject
    assert "\n" not in parsed.sender_name
    assert parsed.subject.startswith("Refund Bcc: all@example.org")


def test_invalid_charsets_fall_back_instead_of_failing():
    parsed = parse_email(recorded_email("plain_emails/raw_email10.eml"))
    assert parsed.text.startswith("Test test. Hi. Waving.")
    raw = (b"From: a@example.org\r\nSubject: =?x-no-such-charset?q?hello?=\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
           b"caf\xe9 \xff\xfe ok\r\n")
    parsed = parse_email(raw)
    assert parsed.text.startswith("caf") and parsed.text.endswith("ok")


def test_normalised_subject():
    assert normalised_subject("Re: AW: [Acme #12] Order  42") == "order 42"
    assert normalised_subject("返信: Re[2]: 注文") == "注文"


def test_html_to_text_survives_broken_markup():
    assert html_to_text("<p>unclosed <b>bold <i>and <script>x") == "unclosed bold and"


@pytest.mark.parametrize("header, name, address", [
    ("alice@example.com <bob@example.com>", "bob@example.com", "bob@example.com"),
    ('"alice@example.com" <bob@example.com>', "bob@example.com", "bob@example.com"),
    ('"Doe, Jane" <jane@example.org>', "Doe, Jane", "jane@example.org"),
    ("jane@example.org (Jane Doe)", "Jane Doe", "jane@example.org"),
    ("=?utf-8?q?Doe=2C_Jane?= <jane@example.org>", "Doe, Jane", "jane@example.org"),
    ("Jane <@relay.example:jane@example.org>", "Jane", "jane@example.org"),
])
def test_the_address_in_angle_brackets_is_the_sender(header, name, address):
    parsed = parse_email(f"From: {header}\r\nReply-To: henry@example.com <ivan@example.com>\r\nMessage-ID: <a@example.org>\r\n\r\nhi\r\n".encode())
    assert (parsed.sender_name, parsed.sender) == (name, address)
    assert parsed.reply_to == "ivan@example.com"


def test_a_group_gives_its_members():
    parsed = parse_email(b"From: jane@example.org\r\nTo: Support team: a@inbox.example, b@inbox.example;, c@example.org\r\n\r\nhi\r\n")
    assert parsed.to == ["a@inbox.example", "b@inbox.example", "c@example.org"]


def _text_part(charset: str, body: bytes) -> bytes:
    return (b"From: jana@example.org\r\nMessage-ID: <cs@example.org>\r\nMIME-Version: 1.0\r\n"
            b"Content-Type: text/plain; charset=" + charset.encode() + b"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + body)


def test_a_charset_that_does_not_fit_is_not_substituted_silently():
    text = "我的订单还没有到。Grüße"
    parsed = parse_email(_text_part("GB2312", text.encode("utf-8")))
    assert parsed.text == text
    assert parsed.problems == ["the text says it is gb2312 but is UTF-8; read as UTF-8"]
    real_gbk = parse_email(_text_part("GB2312", "我的订单还没有到，镕".encode("gbk")))  # 镕 is GBK, not GB2312
    assert real_gbk.text == "我的订单还没有到，镕" and real_gbk.problems == []
    latin = parse_email(_text_part("utf-8", "Grüße".encode("latin-1")))
    assert latin.text == "Grüße" and latin.problems == ["the text says it is utf-8 but is not; read as Windows-1252"]
    broken = parse_email(_text_part("shift_jis", b"\x82\xa0 ok \x81"))
    assert broken.text.endswith("ok \ufffd") and "shown with replacement characters" in broken.problems[0]


def _zip() -> bytes:
    import io
    import zipfile

    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as archive:
        archive.writestr("invoice-42.txt", "invoice 42: 19.99 EUR")
    return data.getvalue()


MIXED = b"From: Jana <jana@example.org>\r\nTo: support@inbox.example\r\nSubject: Invoice\r\nMessage-ID: <zip@example.org>\r\nMIME-Version: 1.0\r\n"


def _zip_part() -> bytes:
    import base64

    return (b'Content-Type: application/zip; name="invoice.zip"\r\nContent-Disposition: attachment; filename="invoice.zip"\r\n'
            b"Content-Transfer-Encoding: base64\r\n\r\n" + base64.encodebytes(_zip()).replace(b"\n", b"\r\n"))


def test_a_boundary_that_does_not_match_never_shows_raw_mime():
    raw = (MIXED + b'Content-Type: multipart/mixed; boundary="declared-one"\r\n\r\n'
           b"--used-one\r\nContent-Type: text/plain\r\n\r\nThe invoice is attached.\r\n--used-one\r\n" + _zip_part() + b"--used-one--\r\n")
    parsed = parse_email(raw)
    assert parsed.text == "The invoice is attached."
    assert [(a.filename, a.data) for a in parsed.attachments] == [("invoice.zip", _zip())]
    assert any("boundary does not match" in p for p in parsed.problems)
    unseparable = MIXED + b'Content-Type: multipart/mixed; boundary="x"\r\n\r\nContent-Type: text/plain\r\n\r\nhi\r\n' + _zip_part()
    parsed = parse_email(unseparable)
    assert "Content-Transfer-Encoding" not in parsed.full_text and "UEsDB" not in parsed.full_text
    [kept] = parsed.attachments
    assert kept.filename.startswith("unreadable-part") and b"UEsDB" in kept.data
    assert any("could not be separated" in p for p in parsed.problems)


def test_a_zip_after_a_nested_part_that_reuses_the_boundary_is_kept_with_a_note():
    raw = (MIXED + b'Content-Type: multipart/mixed; boundary="XX"\r\n\r\n'
           b"--XX\r\nContent-Type: text/plain\r\n\r\nTwo files for you.\r\n"
           b'--XX\r\nContent-Type: multipart/alternative; boundary="XX"\r\n\r\n'
           b"--XX\r\nContent-Type: text/plain\r\n\r\nThe inner note.\r\n--XX--\r\n"
           b"--XX\r\n" + _zip_part() + b"--XX--\r\n")
    parsed = parse_email(raw)
    assert [(a.filename, a.data) for a in parsed.attachments] == [("invoice.zip", _zip())]
    assert any("reused the MIME boundary" in p and "1 part(s)" in p for p in parsed.problems)
