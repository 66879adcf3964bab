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


def _turn(raw: list[Any]) -> tuple:
    return (raw[0], raw[1], tuple(raw[2])) if len(raw) > 2 else (raw[0], raw[1])


def _script(raw: dict[str, Any]) -> _Script:
    after = raw.get("after")
    return _Script(raw["key"], raw["channel"], raw["lang"], raw["mood"], tuple(_turn(t) for t in raw["turns"]),
                   x_kind=raw.get("x_kind", "mention"), persona=raw.get("persona"),
                   after=(after[0], after[1], tuple(after[2])) if after else None)


# the conversations and live traffic are data, written by hand in scripts.json
_DATA = json.loads((Path(__file__).parent / "scripts.json").read_text(encoding="utf-8"))
_SCRIPTS: tuple[_Script, ...] = tuple(_script(raw) for raw in _DATA["scripts"])

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

_AREAS: tuple[tuple[str, str], ...] = tuple(tuple(a) for a in _DATA["areas"])
# (channel, lang, x kind, text) for new conversations
_LIVE_OPENERS: tuple[tuple[str, str, str, str], ...] = tuple(tuple(o) for o in _DATA["live_openers"])
# follow-ups: before the brand answered, and after it did
_LIVE_CHASERS = {lang: tuple(texts) for lang, texts in _DATA["live_chasers"].items()}
_LIVE_ANSWERS = {lang: tuple(texts) for lang, texts in _DATA["live_answers"].items()}
_LIVE_EMAIL_CHASERS = {lang: tuple(texts) for lang, texts in _DATA["live_email_chasers"].items()}
_LIVE_EMAIL_ANSWERS = {lang: tuple(texts) for lang, texts in _DATA["live_email_answers"].items()}


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

