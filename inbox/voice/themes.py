"""Recurring themes: the phrases that set negative messages apart from the rest of the week.

Ranking is the log-odds ratio with an informative Dirichlet prior (Monroe, Colaresi & Quinn 2008,
"Fightin' Words"): for each phrase, the z-score of the difference between its log-odds in negative
messages and in all other messages, with the week's pooled counts as the prior. Unlike a plain
frequency list, common words ("order", "注文") score near zero because they occur everywhere; unlike a
plain ratio, a phrase seen once does not top the list.

Phrases are counted once per message (document frequency), so one long rant does not make a theme.
English and other space-separated text: word 1–3-grams that neither start nor end with a stop
word. Japanese / Chinese: no word segmenter is installed offline (MeCab/fugashi need a dictionary
package), so runs of CJK characters give character 2–3-grams — a standard dictionary-free approach
for CJK retrieval — kept only if they hold a kanji or katakana and do not start or end on a
particle, then near-duplicate overlapping grams are merged when the longer one covers as many messages.
"""
from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

_URL = re.compile(r"https?://\S+|www\.\S+")
_MENTION = re.compile(r"(?<!\w)@\w+")
_CJK_RUN = re.compile(r"[\u3041-\u309f\u30a0-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_KANJI_OR_KATAKANA = re.compile(r"[\u30a1-\u30fa\u30fc\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KATAKANA_RUN = re.compile(r"[\u30a1-\u30fa\u30fc]+")
_CLAUSE_BREAK = re.compile(r"[.!?,;:()\[\]{}\"“”…。、！？\n]+")
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
# A gram that starts on kana inflection (した商, ても丁; honorific お/ご excepted), ends on a particle
# or a verb/auxiliary inflection (返金し, 金して), or holds を/が/は/の (達が遅) straddles a word boundary.
_EDGE = set("をにがでとはもへのやかねよ")
_BAD_END = set("してたすまっ")
_INSIDE = set("をがはの")

# Short on purpose: negations ("not", "never", "no") carry complaints and are not stop words here.
STOP_WORDS = frozenset("""
a an the and or but if then so of to in on at by for with from as into about over after before
is are was were be been being am do does did have has had i me my mine we us our you your he him
his she her it its they them their this that these those there here what which who whom when
where why how all any both each more most some such than too very just also only own same can
will would shall should could may might must let get got up out off again once im ive youre
it's i'm i've you're we're that's there's rt amp via hi hello please thanks thank
""".split())

MIN_NEGATIVE_MESSAGES = 2
MAX_EXAMPLES = 3


def normalise(text: str) -> str:
    """NFKC folds full-width Latin and half-width katakana, so both spellings count as one phrase."""
    text = text.lower() if text.isascii() else unicodedata.normalize("NFKC", text).lower()
    if "@" in text:
        text = _MENTION.sub(" ", text)
    return _URL.sub(" ", text) if "http" in text or "www." in text else text


def _word_phrases(clause: str, out: set[str]) -> None:
    words = _WORD.findall(clause)
    if not words:
        return
    keep = [w not in STOP_WORDS for w in words]
    out.update(w for w, k in zip(words, keep) if k and len(w) > 2)
    for i in range(len(words) - 1):
        if keep[i]:
            if keep[i + 1]:
                out.add(words[i] + " " + words[i + 1])
            if i + 2 < len(words) and keep[i + 2]:
                out.add(words[i] + " " + words[i + 1] + " " + words[i + 2])


def _is_hiragana(char: str) -> bool:
    return "\u3041" <= char <= "\u309f"


def _is_katakana(char: str) -> bool:
    return "\u30a1" <= char <= "\u30fc"


def _cjk_phrases(run: str, out: set[str]) -> None:
    # A katakana run is one loanword (ログイン, アプリ): kept whole, never cut into fragments.
    out.update(k for k in _KATAKANA_RUN.findall(run) if len(k) >= 2)
    size = len(run)
    kata = [_is_katakana(c) for c in run]
    strong = [k or c >= "\u3400" for c, k in zip(run, kata)]
    bad = [c in _INSIDE for c in run]
    start_ok = [not (_is_hiragana(c) and c not in "おご") and not (i and kata[i - 1] and kata[i]) for i, c in enumerate(run)]
    end_ok = [c not in _EDGE and c not in _BAD_END and not (i + 1 < size and kata[i + 1] and kata[i])
              for i, c in enumerate(run)]
    for n in (2, 3):
        for i in range(size - n + 1):
            j = i + n - 1
            if (start_ok[i] and end_ok[j] and not (bad[i] or bad[j] or (n == 3 and bad[i + 1]))
                    and (strong[i] or strong[j] or (n == 3 and strong[i + 1]))):
                out.add(run[i:j + 1])


def phrases(text: str) -> set[str]:
    """The candidate theme phrases of one message."""
    out: set[str] = set()
    text = normalise(text)
    if not text.isascii():
        for run in _CJK_RUN.findall(text):
            _cjk_phrases(run, out)
        text = _CJK_RUN.sub(" . ", text)
    for clause in _CLAUSE_BREAK.split(text):
        _word_phrases(clause, out)
    return out


@dataclass(frozen=True)
class Theme:
    phrase: str
    z: float
    negative_messages: int
    other_messages: int
    example_ids: tuple[int, ...]


@dataclass
class ThemeCounter:
    """Counts phrases over a stream of messages; memory grows with the vocabulary, not the messages."""

    negative: Counter[str] = field(default_factory=Counter)
    other: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[int]] = field(default_factory=dict)
    negative_docs: int = 0
    other_docs: int = 0

    def add(self, text: str, is_negative: bool, message_id: int) -> None:
        found = phrases(text)
        if is_negative:
            self.negative_docs += 1
            self.negative.update(found)
            for phrase in found:
                ids = self.examples.setdefault(phrase, [])
                if len(ids) < MAX_EXAMPLES:
                    ids.append(message_id)
        else:
            self.other_docs += 1
            self.other.update(found)

    def top(self, limit: int = 10, min_negative: int = MIN_NEGATIVE_MESSAGES) -> list[Theme]:
        ranked = rank_log_odds(self.negative, self.other, min_negative)
        themes = [
            Theme(phrase, z, self.negative[phrase], self.other[phrase], tuple(self.examples.get(phrase, ())))
            for phrase, z in ranked
        ]
        return merge_overlapping(themes, limit)


def rank_log_odds(negative: Counter[str], other: Counter[str], min_negative: int = MIN_NEGATIVE_MESSAGES) -> list[tuple[str, float]]:
    """Phrases more typical of `negative` than of `other`, by z-score, best first (ties by phrase)."""
    n_neg = sum(negative.values())
    n_other = sum(other.values())
    if not n_neg:
        return []
    # prior: the pooled counts of both groups, as strong as the data itself
    a0 = n_neg + n_other
    scored = []
    for phrase, y_neg in negative.items():
        if y_neg < min_negative:
            continue
        y_other = other.get(phrase, 0)
        alpha = y_neg + y_other
        delta = (math.log((y_neg + alpha) / (n_neg + a0 - y_neg - alpha))
                 - math.log((y_other + alpha) / (n_other + a0 - y_other - alpha)))
        z = delta / math.sqrt(1.0 / (y_neg + alpha) + 1.0 / (y_other + alpha))
        if z > 0:
            scored.append((phrase, z))
    scored.sort(key=lambda item: (-item[1], item[0]))
    return scored


def _overlaps(a: str, b: str) -> bool:
    return a in b or b in a


def merge_overlapping(themes: list[Theme], limit: int) -> list[Theme]:
    """Keep one phrase per overlapping family ("late" / "late delivery", "配達" / "配達が遅"):
    the longer one when it covers at least 80 % of the shorter one's negative messages."""
    chosen: list[Theme] = []
    for theme in themes:
        clash = next((i for i, kept in enumerate(chosen) if _overlaps(kept.phrase, theme.phrase)), None)
        if clash is None:
            if len(chosen) < limit:
                chosen.append(theme)
            continue
        kept = chosen[clash]
        if len(theme.phrase) > len(kept.phrase) and theme.negative_messages >= 0.8 * kept.negative_messages:
            chosen[clash] = Theme(theme.phrase, kept.z, theme.negative_messages, theme.other_messages, theme.example_ids)
    return chosen
