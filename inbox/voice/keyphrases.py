"""Candidate theme phrases of one message: noun phrases and keyphrases, English and Japanese.

Japanese is segmented by MeCab (fugashi) with the UniDic dictionary that the ``unidic-lite``
package ships; a phrase is a run of nouns (請求, ルーター, 初期不良, 解約手続き) that is neither a
number, a pronoun, nor a formal or adverbial noun (こと, ため, 今日). English has no tagger installed
offline, so phrases are word 1–3-grams that neither start nor end with a stop word or a filler word
(verbs of saying, time words, numbers, intensifiers: "looking", "nothing", "called", "morning",
"since", "told", "twice", "two"), and single words must look like nouns (no -ly, -ing, -ed forms).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

import fugashi

_URL = re.compile(r"https?://\S+|www\.\S+")
_MENTION = re.compile(r"(?<![\w@])@\w+(?:@[\w.-]+\w)?")
_JAPANESE = re.compile(r"[\u3041-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KANJI = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_CLAUSE_BREAK = re.compile(r"[.!?,;:()\[\]{}\"“”…。、！？\n]+")
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")

STOP_WORDS = frozenset("""
a an the and or but if then so of to in on at by for with from as into about over after before
is are was were be been being am do does did have has had i me my mine we us our you your he him
his she her it its they them their this that these those there here what which who whom when
where why how all any both each more most some such than too very just also only own same can
will would shall should could may might must let get got up out off again once im ive youre
it's i'm i've you're we're that's there's rt amp via hi hello please thanks thank dont don't
doesn't didn't can't cant won't isn't wasn't aren't haven't hasn't ur u pls plz not no because
why would've could've there's here's let's
""".split())

# Words that recur in complaints of every kind and so name none of them.
FILLER_WORDS = frozenset("""
looking look looked nothing something anything everything called call calling calls morning
afternoon evening night tonight today yesterday tomorrow since told tell telling said say says
saying twice once two three four five six seven eight nine ten first second third fourth last
next still even really now back way time times day days week weeks month months year years hour
hours minute minutes ago already always never ever yet soon later anyone someone everyone
people thing things lot lots guys hey yes yeah ok okay sure well much many new old good bad
great best worst better worse know knew need needed want wanted trying tried try going went
come came make made take took give gave keep kept put see seen saw think thought feel felt
getting got said asked ask asking help helping please sorry thanks thank hope hoping able
anymore another other others every whole sent send sending one monday tuesday wednesday
thursday friday saturday sunday january february march april may june july august september
october november december weekend literally actually seriously basically just like right wrong
work works working worked problem problems issue issues fix fixed stuff thing trouble link
""".split())

JA_STOP_NOUNS = frozenset("""
こと もの ため よう ところ 方 今日 明日 昨日 今 何 これ それ あれ どれ 私 僕 俺 皆 さん 様 時 日 回 度 件 円
週間 月 年 分 時間 以上 以下 前 後 中 上 下 人 方々 みたい 感じ 全部 自分 気 今回 今週 先週 毎回 何度 何回
本当 本当に ありがとう お願い よろしく 問題 対応 連絡 場合 状態 確認
""".split())


def normalise(text: str) -> str:
    """NFKC folds full-width Latin and half-width katakana, so both spellings count as one phrase."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = _MENTION.sub(" ", text)
    return _URL.sub(" ", text)


@lru_cache(maxsize=1)
def _tagger() -> Any:
    return fugashi.Tagger()


def _ja_is_noun(word: Any) -> bool:
    feature = word.feature
    if feature.pos1 != "名詞" or feature.pos2 == "数詞":
        return False
    return feature.pos3 != "副詞可能"


def japanese_phrases(text: str, out: set[str]) -> None:
    """Runs of nouns, and the content nouns inside a run."""
    run: list[str] = []

    def flush() -> None:
        # Inside a compound, a part stands alone only if it can carry a meaning by itself: a kanji
        # word (初期不良 → 不良) or a katakana word of three or more (ルーター); not ログイン → イン.
        parts = [p for p in run if p not in JA_STOP_NOUNS and not p.isascii()
                 and (len(run) == 1 and len(p) >= 2 or _KANJI.search(p) and len(p) >= 2 or len(p) >= 3)]
        whole = "".join(run)
        if len(run) > 1 and len(whole) >= 3 and whole not in JA_STOP_NOUNS:
            out.add(whole)
        out.update(parts)
        run.clear()

    for word in _tagger()(text):
        if _ja_is_noun(word) and word.surface not in JA_STOP_NOUNS:
            run.append(word.surface)
        else:
            flush()
    flush()


def _content(word: str) -> bool:
    return word not in STOP_WORDS and word not in FILLER_WORDS and len(word) > 2


def _noun_like(word: str) -> bool:
    return _content(word) and not word.endswith(("ly", "ing", "ed"))


def english_phrases(clause: str, out: set[str]) -> None:
    words = [w.replace("’", "'") for w in _WORD.findall(clause)]
    content = [_content(w) for w in words]
    out.update(w for w in words if _noun_like(w))
    for i in range(len(words) - 1):
        if not content[i]:
            continue
        if content[i + 1]:
            out.add(f"{words[i]} {words[i + 1]}")
        if i + 2 < len(words) and content[i + 2] and words[i + 1] not in FILLER_WORDS:
            out.add(f"{words[i]} {words[i + 1]} {words[i + 2]}")


def phrases(text: str) -> set[str]:
    """The candidate theme phrases of one message."""
    out: set[str] = set()
    text = normalise(text or "")
    if _JAPANESE.search(text):
        japanese_phrases(text, out)
        text = _JAPANESE.sub(" . ", text)
    for clause in _CLAUSE_BREAK.split(text):
        english_phrases(clause, out)
    return out


def is_filler(phrase: str) -> bool:
    """A phrase that can never be a theme on its own."""
    return phrase in STOP_WORDS or phrase in FILLER_WORDS or phrase in JA_STOP_NOUNS
