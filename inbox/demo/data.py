"""Demo channel data: a believable inbox for a fresh install, in our normalised JSONL format.

The brand is *Nova Hikari* (ノヴァ光), a fictional fibre-broadband and mobile provider in the Tokyo
area with Japanese- and English-speaking customers. Three demo accounts with different SLA types
(X-like social, SMS, email) get one JSONL file each, read by the JSONL connector. All texts are
written for this project.

`demo_messages` is pure (same seed and `now` give the same data); `generate_demo` writes the files;
`append_live` adds a few new messages to existing files so a running demo keeps getting traffic.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterable, Sequence

__all__ = ["DEMO_ACCOUNTS", "DemoAccount", "append_live", "demo_messages", "generate_demo"]

DEMO_ACCOUNTS: tuple[tuple[str, str], ...] = (
    ("Demo X", "x"),
    ("Demo SMS", "sms"),
    ("Demo Email", "email"),
)

BRAND_HANDLE = "@NovaHikari_help"

# Customer messages are placed in the last WINDOW minutes before `now`, the newest within minutes.
WINDOW_MINUTES = 350.0
NEWEST_MINUTES = 0.5
# live traffic: a customer chases an unanswered thread only after this long
CHASE_AFTER_MINUTES = 10


@dataclass(frozen=True)
class DemoAccount:
    name: str
    channel: str  # channel type: "x", "sms", "email"
    path: Path  # JSONL file written


def _file_name(channel: str) -> str:
    return f"demo-{channel}.jsonl"


def _id_prefix(channel: str) -> str:
    return f"demo-{channel}-"


BRAND_AUTHORS: dict[str, dict[str, Any]] = {
    "x": {"id": "brand-novahikari", "handle": BRAND_HANDLE, "name": "Nova Hikari Support | ノヴァ光サポート",
          "followers": 48_210},
    "sms": {"id": "brand-novahikari", "handle": "NOVAHIKARI", "name": "Nova Hikari"},
    "email": {"id": "brand-novahikari", "handle": "support@novahikari.example", "name": "Nova Hikari Customer Care"},
}

# Support agents who sign replies; those praised by name in the data are deliberately not in here.
_AGENTS_EN = (("Ken", "KM"), ("Leo", "LB"), ("Mei", "MW"), ("Sam", "SO"))
_AGENTS_JA = ("佐藤", "高橋", "木村", "森")


# ---------------------------------------------------------------------------------------------
# Customers
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Persona:
    id: str
    name: str
    handle: str  # X handle; phone and email are derived from it
    followers: int
    lang: str
    phone: str
    email: str

    @property
    def first(self) -> str:
        return self.name.split()[0]

    def author(self, channel: str) -> dict[str, Any]:
        """The same person on every channel: one id and name, the handle the network shows."""
        if channel == "x":
            return {"id": self.id, "handle": self.handle, "name": self.name, "followers": self.followers}
        if channel == "sms":
            return {"id": self.id, "handle": self.phone, "name": self.name}
        return {"id": self.id, "handle": self.email, "name": self.name}


_MAIL_DOMAINS = ("example.com", "example.net", "example.org")


def _persona(number: int, key: str, name: str, handle: str, followers: int, lang: str) -> tuple[str, _Persona]:
    local = handle.lstrip("@").strip("_").replace("_", ".").lower()
    phone = f"+81{(70, 80, 90)[number % 3]}{(number * 73_856_093 + 19_349_663) % 10**8:08d}"
    return key, _Persona(
        id=f"cust-{number}",
        name=name,
        handle=handle,
        followers=followers,
        lang=lang,
        phone=phone,
        email=f"{local}@{_MAIL_DOMAINS[number % 3]}",
    )


_PERSONAS: dict[str, _Persona] = dict([
    # customers with a part in a particular story (reach, cross-channel, follow-ups)
    _persona(101, "dan", "Dan Whitfield", "@danwhitfield_tech", 184_200, "en"),
    _persona(102, "mika", "田中 美香", "@mika_t", 1_830, "ja"),
    _persona(103, "tom", "Tom Becker", "@tombecker", 312, "en"),
    _persona(104, "kenji", "佐々木 健二", "@sasaken_0812", 95, "ja"),
    _persona(105, "rin", "りん｜ガジェット好き", "@rin_gadget", 126_500, "ja"),
    _persona(106, "takuya", "中村 拓也", "@takuya_nkmr", 27_400, "ja"),
    _persona(107, "james", "James Holloway", "@jholloway", 8_900, "en"),
    # everyone else, handed out to the remaining conversations
    _persona(110, "sarah", "Sarah O'Connell", "@sarah_oc", 47, "en"),
    _persona(111, "priya", "Priya Raman", "@priya_codes", 2_450, "en"),
    _persona(112, "marco", "Marco Bellini", "@marcob", 23, "en"),
    _persona(113, "minjun", "Min-jun Lee", "@minjun_lee", 154, "en"),
    _persona(114, "olivia", "Olivia Grant", "@liv_grant", 1_075, "en"),
    _persona(115, "chris", "Chris Adeyemi", "@chrisadeyemi", 560, "en"),
    _persona(116, "emma", "Emma Schultz", "@emmaschultz", 71, "en"),
    _persona(117, "noah", "Noah Fischer", "@noahf", 34, "en"),
    _persona(118, "sophie", "Sophie Martin", "@sophiemrtn", 2_050, "en"),
    _persona(119, "grace", "Grace Kim", "@gracekim_jp", 15_600, "en"),
    _persona(120, "kevin", "Kevin Walsh", "@kwalsh_88", 88, "en"),
    _persona(121, "ben", "Ben Carter", "@bencarter", 12, "en"),
    _persona(122, "anna", "Anna Kowalska", "@anna_kow", 19, "en"),
    _persona(123, "lucas", "Lucas Moreau", "@lucas_moreau", 640, "en"),
    _persona(124, "hannah", "Hannah Price", "@hannahp_tokyo", 3_870, "en"),
    _persona(125, "david", "David Okafor", "@dokafor", 205, "en"),
    _persona(130, "yuki", "山本 由紀", "@yuki_yamamoto", 640, "ja"),
    _persona(131, "aiko", "小林 愛子", "@aiko_kbys", 12, "ja"),
    _persona(132, "hana", "伊藤 はな", "@hana_ito_", 3_120, "ja"),
    _persona(133, "ryo", "松本 遼", "@ryo_mtmt", 230, "ja"),
    _persona(134, "haruto", "高橋 陽翔", "@haruto_t", 410, "ja"),
    _persona(135, "nao", "吉田 奈緒", "@nao_ysd", 1_290, "ja"),
    _persona(136, "aya", "斎藤 彩", "@aya_saito_", 76, "ja"),
    _persona(137, "shota", "加藤 翔太", "@shota_kato", 540, "ja"),
])

_STORY_PERSONAS = frozenset({"dan", "mika", "tom", "kenji", "rin", "takuya", "james"})

_SYNTH_EN_FIRST = ("Alex", "Jordan", "Laura", "Michael", "Rachel", "Daniel", "Jess", "Owen", "Nina", "Paul")
_SYNTH_EN_LAST = ("Turner", "Hughes", "Silva", "Novak", "Reid", "Larsen", "Byrne", "Mensah", "Costa", "Ward")
_SYNTH_JA_FAMILY = ("鈴木", "渡辺", "山田", "井上", "清水", "山口", "林", "岡田", "石川", "前田")
_SYNTH_JA_GIVEN = (("美咲", "misaki"), ("大輝", "daiki"), ("結衣", "yui"), ("健太", "kenta"), ("彩花", "ayaka"),
                   ("悠斗", "yuto"), ("真由", "mayu"), ("亮", "ryo"), ("千尋", "chihiro"), ("直樹", "naoki"))
_SYNTH_JA_FAMILY_ROMAJI = ("suzuki", "watanabe", "yamada", "inoue", "shimizu", "yamaguchi", "hayashi", "okada",
                           "ishikawa", "maeda")


def _synthetic_persona(lang: str, n: int) -> _Persona:
    """Extra customers once the hand-written ones are used up; the same n is always the same person."""
    n %= 100
    rng = random.Random(f"persona:{lang}:{n}")
    followers = int(10 ** rng.uniform(0.8, 3.9))
    base = 300 + n if lang == "en" else 400 + n
    if lang == "en":
        first, last = _SYNTH_EN_FIRST[n % 10], _SYNTH_EN_LAST[n // 10]
        handle = f"@{first.lower()}_{last.lower()}{rng.randint(1, 99)}"
        return _persona(base, f"syn-{lang}-{n}", f"{first} {last}", handle, followers, "en")[1]
    family, given = _SYNTH_JA_FAMILY[n // 10], _SYNTH_JA_GIVEN[n % 10]
    handle = f"@{given[1]}_{_SYNTH_JA_FAMILY_ROMAJI[n // 10][:4]}{rng.randint(1, 99)}"
    return _persona(base, f"syn-{lang}-{n}", f"{family} {given[0]}", handle, followers, "ja")[1]


# ---------------------------------------------------------------------------------------------
# Conversations
# ---------------------------------------------------------------------------------------------
# A turn is (who, text) or (who, text, (min, max) minutes since the previous turn); who is "c" for the
# customer, "b" for the brand. Placeholders: {brand} brand handle, {me} customer's X handle, {first}
# given name (English), {family} family name (Japanese), {name} full name, {dear} salutation,
# {sig} the agent's signature for the channel, {acct} an account or booking number.

@dataclass(frozen=True)
class _Script:
    key: str
    channel: str
    lang: str
    mood: str  # of the customer's opening: negative | neutral | positive
    turns: tuple[tuple, ...]
    x_kind: str = "mention"  # on X: a public "mention" thread or a "dm" conversation
    persona: str | None = None
    after: tuple[str, int, tuple[float, float]] | None = None  # (script, turn, gap): starts after that turn


_LONG_COMPLAINT = (
    "To whoever reads this,\n\n"
    "I have now spent eleven days trying to get a working internet connection from Nova Hikari and I am "
    "out of patience. Here is the whole timeline, because every time I call I have to explain it again "
    "from the start.\n\n"
    "On the 3rd my fibre connection dropped and never came back. The router shows a red PON light. I called "
    "the same evening, waited 48 minutes on hold, and was told an engineer would visit on the 6th. Nobody "
    "came. No call, no text. When I rang again I was told the visit had been \"cancelled in the system\" and "
    "nobody could tell me why or by whom.\n\n"
    "The second visit was booked for the 9th. The engineer did turn up, spent ten minutes looking at the "
    "socket, said the fault was outside the building and that a different team would have to come. He was "
    "polite, but that is another day off work I have lost.\n\n"
    "Since then I have had two automated texts saying my \"case is being progressed\" and nothing else. I am "
    "paying ¥5,280 a month for a service I have not had for almost two weeks, and I have bought an extra "
    "20GB of mobile data (¥3,300) just to be able to work from home.\n\n"
    "What I want: a confirmed date for the outside repair, a named person I can contact instead of the "
    "general line, a full credit for every day without service, and a refund for the extra data. If I don't "
    "get a clear answer by the end of this week I will cancel and file a complaint with the consumer "
    "affairs centre. I would rather not, because until this month I had no complaints at all.\n\n"
    "Account number: {acct}\n\n"
    "Regards,\n{name}"
)

_SCRIPTS: tuple[_Script, ...] = (
    _Script("x_outage_dan", "x", "en", "negative", (
        ("c", "{brand} fibre has been down across half of Setagaya since early this morning and your status "
              "page still says 'all systems normal'. Is anyone actually looking at this?"),
        ("b", "{me} Sorry {first}, you're right, the status page was behind. We've confirmed a damaged cable in "
              "Setagaya and engineers are on site. Next update within the hour. {sig}"),
        ("c", "{brand} Thanks for the straight answer. Will there be a credit for the downtime? Asking for half "
              "my building."),
    ), persona="dan"),
    _Script("sms_kenji_engineer", "sms", "ja", "negative", (
        ("c", "本日工事予定の佐々木です。予定の時間を過ぎましたが、まだ作業員の方がいらっしゃいません。何時頃になりそうでしょうか。"),
        ("b", "佐々木様、ノヴァ光です。ご迷惑をおかけし申し訳ございません。担当の作業員が前の現場で遅れており、あと1時間ほどで"
              "到着の見込みです。{sig}"),
        ("c", "わかりました。遅れるなら次からは先に連絡ください。"),
    ), persona="kenji"),
    _Script("email_long_outage", "email", "en", "negative", (
        ("c", _LONG_COMPLAINT),
    )),
    _Script("x_outage_mika", "x", "ja", "negative", (
        ("c", "{brand} 朝から光回線が全く繋がりません。ルーターのランプが赤く点滅したままです。在宅勤務なので本当に困ってます…"
              "障害でしょうか？"),
        ("b", "{me} ご不便をおかけして申し訳ございません。現在、世田谷区の一部地域で通信障害が発生しており、復旧作業を"
              "進めております。ご契約状況を確認いたしますので、お手数ですがDMにてお客様番号をお送りいただけますでしょうか。{sig}"),
        ("c", "{brand} DM送りました。よろしくお願いします。", (9, 14)),
    ), persona="mika"),
    _Script("x_script_tag", "x", "en", "neutral", (
        ("c", "{brand} <script>alert(1)</script> <- typed that into your contact form and got a blank page back. "
              "Might want to look at that before someone less friendly does."),
    )),
    _Script("sms_outage_fixed", "sms", "en", "positive", (
        ("b", "Nova Hikari: the fault affecting broadband in your area has now been fixed. If you're still "
              "offline, please restart your router or reply to this message."),
        ("c", "👍🙏"),
    )),
    _Script("email_ja_moving", "email", "ja", "neutral", (
        ("c", "ノヴァ光 カスタマーサポート御中\n\nいつもお世話になっております。契約者の{name}と申します（お客様番号：{acct}）。\n\n"
              "来月、杉並区から横浜市へ引っ越しを予定しております。現在の光回線を引っ越し先でも引き続き利用したいのですが、"
              "手続きの方法と、工事費がかかるかどうかを教えていただけますでしょうか。\n\n"
              "また、引っ越し先のマンションが光配線方式に対応しているか分からないのですが、事前に確認する方法はありますか。\n\n"
              "お忙しいところ恐れ入りますが、よろしくお願いいたします。\n\n{name}"),
        ("b", "{dear}\n\nこの度はノヴァ光をご利用いただき、誠にありがとうございます。\n\n"
              "お引っ越し先でも継続してご利用いただけます。マイページの「お引っ越し手続き」から新しいご住所をご登録ください。"
              "移転工事費は通常3,300円ですが、ご契約から2年以上経過しているお客様は無料となります。\n\n"
              "マンションの配線方式は、手続き画面で建物名をご入力いただくと自動的に確認できます。\n\n"
              "ご不明な点がございましたら、本メールにご返信ください。\n\n{sig}"),
        ("c", "ご丁寧にありがとうございます。先ほどマイページから手続きいたしました。\n引き続きよろしくお願いいたします。\n\n{name}"),
    )),
    _Script("x_dm_mika", "x", "ja", "negative", (
        ("c", "お客様番号は{acct}です。住所は世田谷区上馬です。今日中に直りますか？午後から大事な会議があって…"),
        ("b", "{family}様、ご連絡ありがとうございます。ご住所は今回の障害の対象エリアに含まれております。現時点では2〜3時間ほどでの"
              "復旧を見込んでおります。ご迷惑をおかけし、誠に申し訳ございません。{sig}"),
        ("c", "わかりました。とりあえずスマホのテザリングで凌ぎます。復旧したら連絡もらえると助かります。"),
    ), x_kind="dm", persona="mika", after=("x_outage_mika", 1, (3, 8))),
    _Script("x_praise_aya", "x", "en", "positive", (
        ("c", "Shout out to Aya on the {brand} team who stayed on chat for 40 minutes sorting out my number "
              "transfer from my old carrier. Never once made me repeat myself. That's how it's done 👏"),
        ("b", "{me} Thank you, that's lovely to hear! We'll make sure Aya sees this. Enjoy the new line. {sig}"),
    )),
    _Script("email_tom_double_charge", "email", "en", "negative", (
        ("c", "Hello,\n\nI've been charged twice for my October bill: two payments of ¥5,280 on the 27th, both "
              "from Nova Hikari, card ending 4417. My account number is {acct}.\n\nPlease refund the duplicate "
              "payment and confirm by email. I'd also like to know why this happened so it doesn't happen "
              "again.\n\nThanks,\n{name}"),
    ), persona="tom"),
    _Script("x_tom_double_charge", "x", "en", "negative", (
        ("c", "{brand} emailed you this morning about being charged twice for October, ¥5,280 taken two times. "
              "No reply, not even an automatic one. Is email support actually staffed?"),
        ("b", "{me} Hi {first}, really sorry for the wait. I've found your email and passed the duplicate payment "
              "to our billing team; the refund should reach your card within 5 working days and we'll confirm "
              "by email. {sig}"),
        ("c", "{brand} OK, thanks. That's all I wanted to hear."),
    ), persona="tom", after=("email_tom_double_charge", 0, (140, 190))),
    _Script("x_kawasaki_url", "x", "en", "negative", (
        ("c", "{brand} is mobile data down in Kawasaki for everyone or just me? "
              "https://downdetector.example/status/nova-hikari/ is lighting up. cc @NovaHikari @kawasaki_local_news"),
    )),
    _Script("sms_engineer_late", "sms", "en", "negative", (
        ("c", "Engineer was due this morning and nobody has turned up or called. Booking ref {acct}. Can someone "
              "tell me what's going on?"),
        ("b", "Hi {first}, it's Nova Hikari. Sorry for the wait, your engineer is running about 45 min late after "
              "an earlier job overran. They'll call when 10 min away. {sig}"),
        ("c", "45 min on top of a 3 hour window. Fine, but please make sure they actually call this time."),
    )),
    _Script("x_rin_5g", "x", "ja", "neutral", (
        ("c", "{brand} 5G対応エリアのはずなのに、渋谷駅周辺だとずっと4G表示のままです。端末の設定の問題でしょうか？"
              "レビュー動画で紹介したいので、正確な情報を知りたいです。"),
        ("b", "{me} お問い合わせいただきありがとうございます。渋谷駅周辺は現在5G基地局の増設工事中のため、一部で4G接続となる"
              "場合がございます。念のため、端末の「設定」＞「モバイル通信」で5Gがオンになっているかもご確認いただけますでしょうか。"
              "{sig}"),
        ("c", "{brand} 設定はオンになってました。工事はいつ頃終わる予定ですか？動画の公開日を決めたいので、目安だけでも"
              "教えてもらえると助かります。"),
    ), persona="rin"),
    _Script("email_deposit_refund", "email", "en", "negative", (
        ("c", "Hello,\n\nThree weeks ago I returned the router from my cancelled contract (return tracking number "
              "4418-2290-7731) and was told the ¥8,800 deposit would be refunded within 10 working days. It "
              "hasn't arrived.\n\nCould you check the status, please?\n\n{name}"),
        ("c", "Hello again,\n\nSecond email about this today. I've checked with my bank and there is nothing "
              "pending either. Could someone please reply, even if it's just to say you're looking into it?"
              "\n\n{name}", (70, 140)),
    )),
    _Script("x_kenji_engineer", "x", "ja", "negative", (
        ("c", "{brand} 工事の人まだ来ない。SMSで「あと1時間ほど」って言われてからもう1時間半。このために有給取ったんだけど…"),
    ), persona="kenji", after=("sms_kenji_engineer", 1, (85, 100))),
    _Script("x_tethering", "x", "en", "neutral", (
        ("c", "{brand} quick q: does the 20GB plan include tethering, or is that only on Unlimited? The website "
              "isn't clear."),
        ("b", "{me} Hi! Tethering is included on every plan, 20GB too, at no extra cost. It just counts towards "
              "your data allowance. {sig}"),
        ("c", "{brand} perfect, thanks for the quick answer"),
    )),
    _Script("sms_ja_bill", "sms", "ja", "negative", (
        ("c", "今月の請求が先月より3,000円以上高いんですが、何の料金でしょうか？プラン変更はしていません。"),
        ("b", "ノヴァ光です。お問い合わせありがとうございます。ご本人確認のため、ご契約者様のお名前と生年月日をご返信いただけますか。"
              "{sig}"),
        ("c", "{family}です。生年月日をSMSで送るのはちょっと不安なので、あとで電話します。"),
    )),
    _Script("x_dm_down_again", "x", "en", "negative", (
        ("c", "Internet's down again. Third time this week."),
        ("b", "Sorry about this, {first}. Could you switch the router off at the wall for 30 seconds and back on? "
              "If the PON light stays red, tell us and we'll book an engineer. {sig}"),
        ("c", "🙃🙃🙃"),
        ("c", "yes obviously I tried that", (1, 3)),
    ), x_kind="dm"),
    _Script("email_ja_cancel_fee", "email", "ja", "negative", (
        ("c", "ノヴァ光 ご担当者様\n\nお世話になっております。{name}と申します（お客様番号：{acct}）。\n\n"
              "先日、光回線の解約手続きをしたところ、解約金として10,450円の請求がありました。しかし、契約時には"
              "「2年経過後はいつでも無料で解約できる」と説明を受けており、契約からすでに2年3ヶ月が経過しています。\n\n"
              "請求の根拠をご説明いただくとともに、誤りであれば取り消しをお願いいたします。\n\nよろしくお願いいたします。\n{name}"),
    )),
    _Script("x_ja_night_speed", "x", "ja", "negative", (
        ("c", "{brand} 夜9時過ぎると毎日のように速度が落ちる。さっき測ったら下り3Mbps。1ギガプランって何だったの？"),
    ), persona="takuya"),
    _Script("sms_data_topup", "sms", "en", "neutral", (
        ("c", "Got a text saying I've used 90% of my data. How do I add another 5GB without changing plan?"),
        ("b", "Hi! Reply ADD5 to this message or go to My Page > Data > Add-ons. 5GB is ¥1,100 and lasts until "
              "the end of the month. {sig}"),
        ("c", "ADD5"),
    )),
    _Script("x_sim_delivery", "x", "en", "negative", (
        ("c", "{brand} ordered a SIM on Monday and paid for next-day delivery. Tracking has said 'preparing for "
              "shipment' ever since. What exactly am I paying for?"),
        ("c", "{brand} hello? Nothing. The bot in your app just sends me a link to the FAQ.", (45, 80)),
    )),
    _Script("email_static_ip", "email", "en", "neutral", (
        ("c", "Hello,\n\nWe're a small design studio (6 people) on your Business Fibre plan. Our new accounting "
              "software needs a static IP address for remote access. Can you add one to our existing line, and "
              "what would it cost per month? Ideally we'd have it before the end of the month.\n\n"
              "Many thanks,\n{name}\nStudio Kanade"),
        ("b", "{dear}\n\nThanks for getting in touch. A static IP can be added to Business Fibre for ¥1,650 a "
              "month. No visit is needed and it's usually active within 2 working days. Just reply to confirm "
              "and I'll place the order today.\n\n{sig}"),
        ("c", "Hi,\n\nYes please, go ahead. Thanks for the quick turnaround.\n\n{first}"),
    )),
    _Script("x_ja_praise_support", "x", "ja", "positive", (
        ("c", "{brand} 昨日電話で対応してくださった中村さん、本当にありがとうございました！ルーターの設定が全然わからなかったのに、"
              "一つずつ丁寧に説明してもらえて無事つながりました🙏"),
        ("b", "{me} 温かいお言葉をいただき、ありがとうございます！中村にも必ず伝えます。今後ともノヴァ光をよろしくお願いいたします。"
              "{sig}"),
    )),
    _Script("sms_ja_router_delivery", "sms", "ja", "negative", (
        ("c", "ルーターがまだ届きません。発送完了のメールから5日経っていますが、追跡番号を調べても「引受」のままです。"),
        ("b", "ご不便をおかけして申し訳ございません。配送業者に確認いたしますので、少々お時間をいただけますでしょうか。{sig}"),
        ("c", "もう1週間ネットなしで生活してます。なるべく早くお願いします。"),
    )),
    _Script("x_dm_extra_charge", "x", "en", "negative", (
        ("c", "Hi, my bill this month is ¥11,400 instead of the usual ¥4,980. There's a line called 'Content "
              "Service B' that I never signed up for. Can you remove it and refund me?"),
        ("b", "Hi {first}, thanks for the details. That's a third-party content subscription registered on your "
              "line on the 3rd. I've cancelled it and requested a refund of ¥6,420, which will show on next "
              "month's bill. {sig}"),
        ("c", "Thanks. But how did someone 'register' it without my permission? That's worrying."),
    ), x_kind="dm"),
    _Script("email_praise_daichi", "email", "en", "positive", (
        ("c", "Hello,\n\nI just wanted to pass on a thank-you to Daichi on your phone support line. My mother "
              "(82) was convinced her internet had been cut off. He stayed on the line with her for nearly half "
              "an hour, talked her through restarting the router and didn't rush her once. She rang me "
              "afterwards very pleased with herself.\n\nIt's rare that I write this kind of email, so please "
              "make sure it reaches him and his manager.\n\nBest wishes,\n{name}"),
    )),
    _Script("x_ja_roaming", "x", "ja", "neutral", (
        ("c", "{brand} 来週台湾に行くんですが、海外ローミングって事前の申し込みが必要ですか？それとも現地で電源を入れれば"
              "自動で使えますか？"),
        ("b", "{me} お問い合わせありがとうございます。海外ローミングはマイページの「オプション設定」から事前のお申し込みが"
              "必要です。台湾は1日980円の定額対象エリアとなっております。どうぞお気をつけて行ってらっしゃいませ。{sig}"),
        ("c", "{brand} 設定できました！ありがとうございます🙇‍♀️"),
    )),
    _Script("sms_stolen_phone", "sms", "en", "negative", (
        ("c", "My phone was stolen last night, please suspend my number ASAP!! Texting from my partner's phone. "
              "Account holder {name}, account {acct}."),
    )),
    _Script("x_cancel_loop", "x", "en", "negative", (
        ("c", "{brand} trying to cancel my contract and your site just loops me between 'My Page' and 'Contact "
              "us'. Deliberate? Feels deliberate."),
    ), persona="james"),
    _Script("email_authorised_contact", "email", "en", "neutral", (
        ("c", "Hi,\n\nMy father (84) has a Nova Hikari mobile and broadband contract. He's hard of hearing and "
              "finds phone calls very difficult. Is it possible to add me as an authorised contact on his "
              "account so I can deal with billing questions for him? What documents would you need?\n\n"
              "Thanks,\n{name}"),
    )),
    _Script("x_ja_happy_switch", "x", "ja", "positive", (
        ("c", "ノヴァ光に乗り換えて1ヶ月経ったけど、夜でも普通に600Mbps出てて快適すぎる。前のプロバイダは何だったんだ… "
              "{brand}"),
    )),
    _Script("sms_mnp_number", "sms", "en", "neutral", (
        ("c", "Hi, I'm moving to another carrier. Can I get my MNP reservation number by text or do I have to "
              "call?"),
        ("b", "Hi {first}, for security we can't send it by SMS, but you can get it instantly in My Page > "
              "Contract > MNP, or by calling 0120-000-000 (9am-8pm). {sig}"),
    )),
    _Script("x_engineer_call", "x", "en", "neutral", (
        ("c", "{brand} engineer visit booked for this afternoon (ref {acct}). Will they call before turning up? "
              "I'm in meetings most of the day."),
        ("b", "{me} Yes, the engineer will call about 30 minutes before arriving. If you need to move the slot, "
              "just reply here and we'll sort it. {sig}"),
    )),
    _Script("email_ja_wifi", "email", "ja", "neutral", (
        ("c", "お世話になっております。\n\n先週届いたWi-Fiルーターを設置したのですが、2階の部屋だと電波が弱く、動画が途中で"
              "止まってしまいます。中継器を追加で購入したほうがよいのでしょうか。それとも、ルーターの設定で改善できる方法は"
              "ありますか。\n\nご教示いただけますと幸いです。\n\n{name}"),
        ("b", "{dear}\n\nお問い合わせいただきありがとうございます。\n\nルーターを床から1メートル以上の高さに置き、電子レンジ"
              "などの家電から離していただくと改善する場合がございます。それでも電波が届きにくい場合は、月額330円でメッシュWi-Fi"
              "中継器をレンタルいただけます。マイページの「オプション追加」からお申し込みください。\n\n{sig}"),
    )),
    _Script("x_price_rise", "x", "en", "negative", (
        ("c", "{brand} just got an email saying my monthly price goes up ¥550 from next month. I signed a 2-year "
              "contract specifically because the price was fixed. How is that allowed?"),
    )),
    _Script("sms_praise_engineer", "sms", "en", "positive", (
        ("c", "Just wanted to say the engineer today was brilliant. Tidy, explained everything, even helped me set "
              "up the printer. Thank you!"),
    )),
    _Script("email_data_request", "email", "en", "neutral", (
        ("c", "To the Data Protection Officer,\n\nUnder the Act on the Protection of Personal Information I "
              "request a copy of all personal data Nova Hikari holds about me, including call recordings and "
              "any notes made by your support staff. My account number is {acct}.\n\nPlease confirm receipt "
              "and let me know when I can expect a response.\n\n{name}"),
    )),
    _Script("sms_wrong_number", "sms", "en", "neutral", (
        ("c", "who is this?? I keep getting texts about a router delivery. I never ordered anything from you"),
        ("b", "Hi, this is Nova Hikari. Sorry for the confusion: your number was entered by mistake on another "
              "customer's order. We've removed it and you won't get any more messages. {sig}"),
        ("c", "ok thanks"),
    )),
)

_SCRIPT_BY_KEY = {script.key: script for script in _SCRIPTS}

# minutes between turns, by (previous speaker, next speaker)
_GAPS: dict[tuple[str, str], tuple[float, float]] = {
    ("c", "b"): (12, 150),
    ("b", "c"): (2, 30),
    ("c", "c"): (8, 50),
    ("b", "b"): (1, 4),
}


# ---------------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------------

def _utc(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(timezone.utc).replace(microsecond=0)
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(timezone.utc)


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def _signature(channel: str, lang: str, agent_en: tuple[str, str], agent_ja: str) -> str:
    if lang == "ja":
        if channel == "email":
            return f"ノヴァ光 カスタマーサポート\n{agent_ja}"
        return f"（担当：{agent_ja}）"
    if channel == "x":
        return f"^{agent_en[1]}"
    if channel == "sms":
        return f"- {agent_en[0]}, Nova Hikari"
    return f"Kind regards,\n{agent_en[0]}\nNova Hikari Customer Care"


def _context(persona: _Persona, channel: str, lang: str, rng: random.Random) -> dict[str, str]:
    agent_en, agent_ja = rng.choice(_AGENTS_EN), rng.choice(_AGENTS_JA)
    family = persona.name.split()[0]
    return {
        "{brand}": BRAND_HANDLE,
        "{me}": persona.handle,
        "{first}": persona.first,
        "{family}": family,
        "{name}": persona.name,
        "{dear}": f"{persona.name} 様" if lang == "ja" else f"Hi {persona.first},",
        "{sig}": _signature(channel, lang, agent_en, agent_ja),
        "{acct}": f"NH-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}",
        "{area_en}": rng.choice(_AREAS)[0],
        "{area_ja}": rng.choice(_AREAS)[1],
    }


def _render(text: str, context: dict[str, str]) -> str:
    for key, value in context.items():
        text = text.replace(key, value)
    return text


def _lang_of(text: str, lang: str) -> str | None:
    """No language for texts without words (emoji only), like networks that report 'und'."""
    return lang if any(ch.isalpha() for ch in text) else None


def _message(*, kind: str, author: dict[str, Any], text: str, created_at: datetime, lang: str,
             direction: str) -> dict[str, Any]:
    """A message without its ids yet (filled in once the account's messages are in time order)."""
    return {
        "external_id": None,
        "kind": kind,
        "conversation": None,
        "author": dict(author),
        "text": text,
        "created_at": created_at,
        "in_reply_to": None,
        "url": None,
        "lang": _lang_of(text, lang),
        "direction": direction,
    }


def _kind(channel: str, x_kind: str, index: int) -> str:
    if channel == "x":
        if x_kind == "dm":
            return "dm"
        return "mention" if index == 0 else "reply"
    return channel  # "sms", "email"


def _threads_by_reply(channel: str, kind: str) -> bool:
    """Whether a message points at the one before it (public reply chains, email threads)."""
    return channel == "email" or (channel == "x" and kind != "dm")


def _permalink(channel: str, author: dict[str, Any], external_id: str, kind: str) -> str | None:
    if channel != "x" or kind == "dm":
        return None
    return f"https://example.invalid/x/{author['handle'].lstrip('@')}/status/{external_id}"


def _finish(message: dict[str, Any]) -> dict[str, Any]:
    """Field order as documented; optional fields left out when empty."""
    out: dict[str, Any] = {}
    for key in ("external_id", "kind", "conversation", "author", "text", "created_at", "in_reply_to", "url",
                "lang", "direction"):
        value = message[key]
        if value is None:
            continue
        out[key] = _iso(value) if key == "created_at" else value
    return out


# ---------------------------------------------------------------------------------------------
# Demo data
# ---------------------------------------------------------------------------------------------

@dataclass
class _Planned:
    script: _Script
    persona: _Persona
    after: tuple[int, int, tuple[float, float]] | None  # (index of planned conversation, turn, gap)
    offsets: list[float]  # minutes since the conversation's own start
    context: dict[str, str]


def _plan(rng: random.Random, conversations: int) -> list[_Planned]:
    pools = {
        lang: [p for key, p in _PERSONAS.items() if p.lang == lang and key not in _STORY_PERSONAS]
        for lang in ("en", "ja")
    }
    for pool in pools.values():
        rng.shuffle(pool)
    synthetic = {"en": 0, "ja": 0}
    planned: list[_Planned] = []
    first_round: dict[str, int] = {}
    for i in range(conversations):
        script = _SCRIPTS[i % len(_SCRIPTS)]
        story = i < len(_SCRIPTS)
        if story and script.persona:
            persona = _PERSONAS[script.persona]
        elif pools[script.lang]:
            persona = pools[script.lang].pop()
        else:
            persona = _synthetic_persona(script.lang, synthetic[script.lang])
            synthetic[script.lang] += 1
        after = None
        if story and script.after and script.after[0] in first_round:
            after = (first_round[script.after[0]], script.after[1], script.after[2])
        if story:
            first_round[script.key] = i
        offsets, previous = [], None
        for turn in script.turns:
            who = turn[0]
            if previous is None:
                offsets.append(0.0)
            else:
                low, high = turn[2] if len(turn) > 2 else _GAPS[(previous, who)]
                offsets.append(offsets[-1] + rng.uniform(low, high))
            previous = who
        context = _context(persona, script.channel, script.lang, rng)
        planned.append(_Planned(script, persona, after, offsets, context))
    return planned


def _schedule(planned: list[_Planned], now: datetime, rng: random.Random) -> list[list[datetime]]:
    """Absolute times for every turn: linked conversations stay together, the newest end minutes ago."""
    roots: list[int] = []
    start: dict[int, float] = {}  # minutes since the start of the conversation's cluster
    root_of: dict[int, int] = {}

    def place(i: int) -> None:
        if i in start:
            return
        link = planned[i].after
        if link is None:
            start[i], root_of[i] = 0.0, i
            roots.append(i)
            return
        parent, turn, (low, high) = link
        place(parent)
        start[i] = start[parent] + planned[parent].offsets[turn] + rng.uniform(low, high)
        root_of[i] = root_of[parent]

    for i in range(len(planned)):
        place(i)

    span: dict[int, float] = {root: 0.0 for root in roots}
    for i, item in enumerate(planned):
        span[root_of[i]] = max(span[root_of[i]], start[i] + item.offsets[-1])

    # end of each cluster: stratified over the window, the first slot within the last few minutes
    slot_width = (WINDOW_MINUTES - 30) / max(len(roots), 1)
    slots = [NEWEST_MINUTES + (k + rng.random()) * slot_width for k in range(len(roots))]
    rng.shuffle(slots)
    # a brand-new conversation arrives in the newest slot, so the inbox has something minutes old
    single = [n for n, root in enumerate(roots) if span[root] == 0.0]
    if single:
        newest, chosen = slots.index(min(slots)), rng.choice(single)
        slots[newest], slots[chosen] = slots[chosen], slots[newest]
    origin: dict[int, tuple[datetime, float]] = {}
    for root, slot in zip(roots, slots):
        length = span[root]
        scale = 1.0
        if length > WINDOW_MINUTES - NEWEST_MINUTES:
            scale = (WINDOW_MINUTES - NEWEST_MINUTES) / length
            length *= scale
        latest_end = WINDOW_MINUTES - length  # a long thread must still start inside the window
        end_before_now = slot if slot <= latest_end else rng.uniform(min(slot, latest_end) / 2, latest_end)
        origin[root] = (now - timedelta(minutes=end_before_now + length), scale)

    times: list[list[datetime]] = []
    for i, item in enumerate(planned):
        base, scale = origin[root_of[i]]
        times.append([
            (base + timedelta(minutes=(start[i] + offset) * scale)).replace(microsecond=0)
            for offset in item.offsets
        ])
    return times


def demo_messages(now: datetime, seed: int = 7, conversations: int = 40) -> dict[str, list[dict]]:
    """Account name -> its messages in our JSONL format, sorted by created_at. Pure and deterministic.

    Up to len(_SCRIPTS) (40) conversations are all different stories; beyond that the stories repeat
    with other customers.
    """
    if conversations < 0:
        raise ValueError("conversations must not be negative")
    now = _utc(now)
    rng = random.Random(seed)
    planned = _plan(rng, conversations)
    times = _schedule(planned, now, rng)

    per_channel: dict[str, list[tuple[datetime, int, int, dict[str, Any]]]] = {c: [] for _, c in DEMO_ACCOUNTS}
    for i, item in enumerate(planned):
        script = item.script
        for t, (turn, created_at) in enumerate(zip(script.turns, times[i])):
            inbound = turn[0] == "c"
            author = item.persona.author(script.channel) if inbound else BRAND_AUTHORS[script.channel]
            message = _message(
                kind=_kind(script.channel, script.x_kind, t),
                author=author,
                text=_render(turn[1], item.context),
                created_at=created_at,
                lang=script.lang,
                direction="inbound" if inbound else "outbound",
            )
            per_channel[script.channel].append((created_at, i, t, message))

    result: dict[str, list[dict]] = {}
    for account, channel in DEMO_ACCOUNTS:
        rows = sorted(per_channel[channel], key=lambda row: (row[0], row[1], row[2]))
        ids: dict[tuple[int, int], str] = {}
        conversation_keys: dict[int, str] = {}
        for seq, (_, i, t, message) in enumerate(rows, start=1):
            ids[(i, t)] = f"{_id_prefix(channel)}{seq:06d}"
            if i not in conversation_keys:
                conversation_keys[i] = f"{_id_prefix(channel)}conv-{len(conversation_keys) + 1}"
            message["external_id"] = ids[(i, t)]
            message["conversation"] = conversation_keys[i]
            if t > 0 and _threads_by_reply(channel, message["kind"]):
                message["in_reply_to"] = ids[(i, t - 1)]
            message["url"] = _permalink(channel, message["author"], message["external_id"], message["kind"])
        result[account] = [_finish(row[3]) for row in rows]
    return result


def _write_atomically(path: Path, lines: Iterable[str]) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
        for line in lines:
            fh.write(line + "\n")
    os.replace(tmp, path)


def _dump(message: dict[str, Any]) -> str:
    return json.dumps(message, ensure_ascii=False, separators=(", ", ": "))


def generate_demo(out_dir: Path, now: datetime | None = None, seed: int = 7,
                  conversations: int = 40) -> list[DemoAccount]:
    """Write one JSONL file per demo account (replacing any earlier demo files) and describe them."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    messages = demo_messages(_utc(now), seed=seed, conversations=conversations)
    accounts = []
    for name, channel in DEMO_ACCOUNTS:
        path = out_dir / _file_name(channel)
        _write_atomically(path, (_dump(m) for m in messages[name]))
        accounts.append(DemoAccount(name=name, channel=channel, path=path))
    return accounts


# ---------------------------------------------------------------------------------------------
# Live traffic
# ---------------------------------------------------------------------------------------------

_AREAS = (
    ("Setagaya", "世田谷区"),
    ("Kawasaki", "川崎市"),
    ("Nakano", "中野区"),
    ("Kohoku, Yokohama", "横浜市港北区"),
    ("Chofu", "調布市"),
    ("Shinagawa", "品川区"),
)

# (channel, lang, x kind, text) for new conversations
_LIVE_OPENERS: tuple[tuple[str, str, str, str], ...] = (
    ("x", "en", "mention", "{brand} no signal at all in {area_en} for the last 20 minutes. Phone just says SOS only."),
    ("x", "en", "mention", "{brand} is there any way to see how much data I've used this month without logging "
                           "into the app every single time?"),
    ("x", "en", "mention", "Fibre installed this morning, engineer was in and out in 40 minutes and left the place "
                           "spotless. Good start {brand} 👍"),
    ("x", "en", "mention", "{brand} third dropout today. I work from home. This is getting ridiculous."),
    ("x", "en", "dm", "Hi, I've been charged a ¥550 late payment fee but the payment went out on the due date. "
                      "Can you look into it?"),
    ("x", "en", "mention", "{brand} do you do eSIM for iPhone yet, or is it still physical SIM only?"),
    ("x", "en", "mention", "{brand} your app logged me out and now says my password is wrong. The reset email "
                           "never arrives. Yes, I checked spam."),
    ("x", "en", "mention", "{brand} upload speed in {area_en} has been awful all week, 2Mbps on a 1G plan. Every "
                           "video call freezes."),
    ("x", "en", "mention", "Moved the whole family over to {brand} last month and the first bill is actually lower "
                           "than the quote. A rare win."),
    ("x", "en", "dm", "Hello, I'm moving to Osaka in March. Can I keep my number and my current contract?"),
    ("x", "en", "mention", "{brand} how long does a SIM swap take? Mine is cracked and I'm travelling on Friday."),
    ("x", "ja", "mention", "{brand} {area_ja}でさっきから全然繋がらないんだけど、障害ですか？"),
    ("x", "ja", "mention", "{brand} 家族割って後から追加できますか？妻の回線を他社から乗り換えたいと思っています。"),
    ("x", "ja", "mention", "{brand} サポートの方のおかげで無事に開通しました！ありがとうございました😊"),
    ("x", "ja", "dm", "すみません、機種変更したらメールが受信できなくなりました。設定を教えてもらえますか？"),
    ("x", "ja", "mention", "{brand} アプリにログインできない。パスワード再設定のメールも届かないし、どうすればいいの"),
    ("x", "ja", "mention", "{brand} 昼間は速いのに夜になると動画が止まる。{area_ja}住みですが、同じ人いますか？"),
    ("x", "ja", "mention", "{brand} 解約を考えているのですが、解約金がいくらかかるか事前に確認できますか？"),
    ("sms", "en", "", "Still no internet after the 'fix'. Router light is red again."),
    ("sms", "en", "", "Can I change my payment date to the 25th? My payday moved."),
    ("sms", "en", "", "Engineer just left, all working now. Cheers!"),
    ("sms", "en", "", "Why have I been charged for international calls? I haven't called anyone abroad."),
    ("sms", "en", "", "Is there an outage in {area_en}? Nothing is loading."),
    ("sms", "ja", "", "明日の工事ですが、午前から午後に変更できますか？"),
    ("sms", "ja", "", "さっきから電話が発信できません。圏外ではないのに「発信できません」と出ます。"),
    ("sms", "ja", "", "SIMカードが届きました。開通の手続きはいつまでにすればいいですか？"),
    ("email", "en", "", "Hello,\n\nMy bill this month includes a ¥2,200 'router replacement' fee, but the router "
                        "was replaced because it was faulty, not because of anything I did. Please remove the "
                        "charge.\n\n{name}"),
    ("email", "en", "", "Hi,\n\nWhat's the cheapest plan that includes a landline number? My elderly neighbour "
                        "wants to switch and only needs the phone.\n\nThanks,\n{name}"),
    ("email", "en", "", "Hello,\n\nI'm writing to complain about the sales call I received yesterday. I told your "
                        "agent twice that I wasn't interested and he kept going for ten minutes. Please remove my "
                        "number from your marketing list.\n\n{name}"),
    ("email", "en", "", "Hi,\n\nCould you send me an itemised bill for last month? I need it for an expenses "
                        "claim.\n\nThanks,\n{name}"),
    ("email", "ja", "", "お世話になっております。\n\n領収書の発行をお願いしたいのですが、マイページから発行できますでしょうか。"
                        "会社に提出する必要があるため、宛名を会社名にしていただきたいです。\n\nよろしくお願いいたします。\n{name}"),
    ("email", "ja", "", "お世話になっております。\n\n先月から請求書が旧住所に届いているようです。住所変更はマイページで"
                        "済ませているのですが、反映されていないのでしょうか。ご確認をお願いいたします。\n\n{name}"),
    ("email", "ja", "", "ノヴァ光 ご担当者様\n\n先日、故障対応で来ていただいた作業員の方がとても丁寧で、説明も分かりやすかった"
                        "です。ぜひお礼をお伝えください。\n\n{name}"),
)

# follow-ups: before the brand answered, and after it did
_LIVE_CHASERS = {
    "en": ("Any update on this?", "Still waiting on a reply here.", "Hello? It's been a while now.",
           "Is anyone actually reading these?"),
    "ja": ("その後いかがでしょうか？", "まだ返信をいただけていないのですが…", "すみません、確認していただけましたか？",
           "どうなってますか？急ぎなんですが。"),
}
_LIVE_ANSWERS = {
    "en": ("Thanks, that's sorted it 👍", "Tried that, still not working.", "ok, thanks",
           "That doesn't really answer my question though."),
    "ja": ("ありがとうございます、直りました！", "試してみましたが、まだダメです。", "承知しました。",
           "それだと困るんですが…"),
}


_LIVE_EMAIL_CHASERS = {
    "en": ("Hello,\n\nI'm following up on my email below as I haven't heard back yet. Could you let me know "
           "where things stand?\n\n{name}",
           "Hi,\n\nAnother email about the same issue. A short reply to say someone is looking at it would be "
           "appreciated.\n\n{name}"),
    "ja": ("お世話になっております。\n\n先日お問い合わせした件について、その後いかがでしょうか。お手数ですがご確認のほど"
           "よろしくお願いいたします。\n\n{name}",
           "お世話になっております。\n\n先ほどのメールの件、まだご返信をいただけていないため再度ご連絡いたしました。"
           "急ぎの用件のため、早めにご対応いただけますと幸いです。\n\n{name}"),
}
_LIVE_EMAIL_ANSWERS = {
    "en": ("Hi,\n\nThanks for getting back to me, that's clear. I'll do that today.\n\n{name}",
           "Hello,\n\nThanks, but this doesn't answer my question. I'd like a clear yes or no, please.\n\n{name}"),
    "ja": ("ご回答ありがとうございます。承知いたしました。\n\n{name}",
           "ご回答ありがとうございます。ただ、お伺いしたかったのは別の点でして、改めてご確認いただけますでしょうか。"
           "\n\n{name}"),
}


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    records = []
    with open(path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict):
                records.append(record)
    return records


def _max_number(values: Iterable[Any], pattern: re.Pattern[str]) -> int:
    numbers = [int(m.group(1)) for v in values if isinstance(v, str) and (m := pattern.fullmatch(v))]
    return max(numbers, default=0)


def _parse_time(value: Any) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


def _fixed_part(template: str) -> str:
    """The longest stretch of a template without placeholders: how its messages are recognised."""
    return max(re.split(r"\{[a-z_]+\}", template), key=len)


_THANKS = re.compile(r"thank|shout out|brilliant|ありがと|助かりました|快適|[👍👏🙏🙌😊]", re.IGNORECASE)


def _awaits_follow_up(thread: list[dict[str, Any]], now: datetime) -> bool:
    """A thread a customer could plausibly chase or answer.

    Not one where they already said thanks or praised; a chaser only after a quiet spell, an answer
    to the brand any time.
    """
    inbound = [m for m in thread if m.get("direction", "inbound") == "inbound" and isinstance(m.get("author"), dict)]
    if not inbound or any(_THANKS.search(str(m.get("text", ""))) for m in inbound):
        return False
    if thread[-1].get("direction") == "outbound":
        return True
    last = _parse_time(thread[-1].get("created_at"))
    return last is not None and now - last >= timedelta(minutes=CHASE_AFTER_MINUTES)


def _live_batch(channel: str, records: list[dict[str, Any]], now: datetime,
                rng: random.Random, new: int, follow: int) -> list[dict[str, Any]]:
    prefix = re.escape(_id_prefix(channel))
    next_id = _max_number((r.get("external_id") for r in records), re.compile(prefix + r"(\d+)")) + 1
    next_conv = _max_number((r.get("conversation") for r in records), re.compile(prefix + r"conv-(\d+)")) + 1

    threads: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        if isinstance(record.get("conversation"), str):
            threads.setdefault(record["conversation"], []).append(record)
    open_threads = [key for key, msgs in threads.items() if _awaits_follow_up(msgs, now)]
    latest = max((t for t in (_parse_time(r.get("created_at")) for r in records) if t is not None), default=None)
    # appended lines stay in time order after what is already in the file
    earliest = now if latest is None or latest >= now else max(now - timedelta(seconds=50),
                                                               latest + timedelta(seconds=1))

    def arrival() -> datetime:
        return earliest + (now - earliest) * rng.random()

    known_customers = {}
    for record in records:
        author = record.get("author")
        if (record.get("direction", "inbound") == "inbound" and isinstance(author, dict) and "id" in author
                and record.get("lang") in ("en", "ja")):
            known_customers[author["id"]] = (author, record["lang"])

    batch: list[tuple[datetime, dict[str, Any], str | None]] = []  # (time, message, replies to)

    if follow > len(open_threads):  # nothing to follow up on yet: start conversations instead
        new, follow = new + follow - len(open_threads), len(open_threads)
    for key in rng.sample(sorted(open_threads), follow):
        thread = threads[key]
        last = thread[-1]
        customer = [m for m in thread if m.get("direction", "inbound") == "inbound" and isinstance(m.get("author"), dict)]
        author = customer[-1]["author"]
        lang = next((m["lang"] for m in reversed(customer) if m.get("lang") in ("en", "ja")), "en")
        answering = last.get("direction") == "outbound"
        if channel == "email":
            pool = _LIVE_EMAIL_ANSWERS if answering else _LIVE_EMAIL_CHASERS
        else:
            pool = _LIVE_ANSWERS if answering else _LIVE_CHASERS
        text = rng.choice(pool[lang]).replace("{name}", str(author.get("name", "")))
        kind = channel
        if channel == "x":
            kind = "dm" if any(m.get("kind") == "dm" for m in thread) else "reply"
            if kind == "reply":
                text = f"{BRAND_HANDLE} {text}"
        created_at = arrival()
        message = _message(kind=kind, author=author, text=text, created_at=created_at, lang=lang,
                           direction="inbound")
        message["conversation"] = key
        replies_to = last.get("external_id") if _threads_by_reply(channel, kind) else None
        batch.append((created_at, message, replies_to))

    # openers not yet in the file first, so a demo running for a while does not repeat itself
    texts = [str(r.get("text", "")) for r in records]
    openers = [o for o in _LIVE_OPENERS if o[0] == channel]
    unused = [o for o in openers if not any(_fixed_part(o[3]) in text for text in texts)]
    chosen = rng.sample(unused, min(new, len(unused)))
    chosen += rng.sample(openers, min(new - len(chosen), len(openers)))
    for _, lang, x_kind, template in chosen:
        returning = [a for a, a_lang in known_customers.values() if a_lang == lang]
        # someone who already complained comes back with a new problem, not with praise
        if returning and not _THANKS.search(template) and rng.random() < 0.4:
            author = dict(rng.choice(returning))
            persona = _Persona(str(author["id"]), str(author.get("name", "")), str(author.get("handle", "")),
                               int(author.get("followers") or 0), lang, "", "")
        else:
            persona = (rng.choice([p for p in _PERSONAS.values() if p.lang == lang]) if rng.random() < 0.5
                       else _synthetic_persona(lang, rng.randrange(100)))
            author = persona.author(channel)
        text = _render(template, _context(persona, channel, lang, rng))
        created_at = arrival()
        message = _message(kind=_kind(channel, x_kind, 0), author=author, text=text,
                           created_at=created_at, lang=lang, direction="inbound")
        message["conversation"] = f"{_id_prefix(channel)}conv-{next_conv}"
        next_conv += 1
        batch.append((created_at, message, None))

    batch.sort(key=lambda row: row[0])
    out = []
    for created_at, message, replies_to in batch:
        message["external_id"] = f"{_id_prefix(channel)}{next_id:06d}"
        next_id += 1
        message["in_reply_to"] = replies_to
        message["url"] = _permalink(channel, message["author"], message["external_id"], message["kind"])
        out.append(_finish(message))
    return out


def append_live(out_dir: Path, now: datetime | None = None, seed: int = 7) -> int:
    """Append a few new messages (new conversations and follow-ups) to the demo files; returns how many.

    Ids and conversation keys continue from the highest ones already in each file, so they never
    collide; existing lines are left untouched (the JSONL connector reads on from its byte offset).
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    now = _utc(now)
    existing = {channel: _read_jsonl(out_dir / _file_name(channel)) for _, channel in DEMO_ACCOUNTS}
    rng = random.Random(f"live:{seed}:{_iso(now)}:{sum(len(r) for r in existing.values())}")
    total = rng.randint(2, 4)
    appended = 0
    counts = {channel: [0, 0] for _, channel in DEMO_ACCOUNTS}  # [new, follow-ups]
    for _ in range(total):
        channel = rng.choices([c for _, c in DEMO_ACCOUNTS], weights=[5, 2, 2][: len(DEMO_ACCOUNTS)])[0]
        counts[channel][0 if rng.random() < 0.5 else 1] += 1
    for _, channel in DEMO_ACCOUNTS:
        new, follow = counts[channel]
        if not new and not follow:
            continue
        batch = _live_batch(channel, existing[channel], now, rng, new, follow)
        if not batch:
            continue
        path = out_dir / _file_name(channel)
        prefix = ""
        if path.exists() and path.stat().st_size:
            with open(path, "rb") as fh:
                fh.seek(-1, os.SEEK_END)
                if fh.read(1) != b"\n":
                    prefix = "\n"  # never glue a new line onto an unterminated one
        with open(path, "a", encoding="utf-8", newline="\n") as fh:
            fh.write(prefix + "".join(_dump(m) + "\n" for m in batch))
        appended += len(batch)
    return appended


# ---------------------------------------------------------------------------------------------
# Command line: python -m inbox.demo OUT_DIR [--live SECONDS]
# ---------------------------------------------------------------------------------------------

def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m inbox.demo", description=__doc__.split("\n")[0])
    parser.add_argument("out_dir", type=Path, help="folder for the demo JSONL files")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--conversations", type=int, default=40)
    parser.add_argument("--append", action="store_true", help="only append live traffic to existing files")
    parser.add_argument("--live", type=float, default=0, metavar="SECONDS",
                        help="keep appending new traffic every SECONDS (0: write once and stop)")
    args = parser.parse_args(argv)
    if args.append:
        print(f"appended {append_live(args.out_dir, seed=args.seed)} messages")
    else:
        for account in generate_demo(args.out_dir, seed=args.seed, conversations=args.conversations):
            print(f"{account.name}\t{account.channel}\t{account.path}")
    if args.live > 0:
        try:
            while True:
                time.sleep(args.live)
                append_live(args.out_dir, seed=args.seed)
        except KeyboardInterrupt:
            pass
    return 0

