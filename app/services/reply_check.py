"""Automatic check of a reply before review (答复口径检查).

Looks for the six elements (六要素), the length range, suspected typos and dismissive or
inflammatory wording. Every dictionary is a setting an administrator can edit; the
defaults come from the desk's handbook as far as it is public (domain.md).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from app.models import Setting
from app.services import N_, _, page_cache, settings

# the dictionaries, kept a few seconds per process (a save in 办件设置 drops them at once in its process)
_dictionaries = page_cache.LayoutCache((Setting,), ttl=5.0)

# element -> words or patterns that show it is present
DEFAULT_ELEMENTS = {
    "联系时间": [r"\d{1,2}月\d{1,2}日", r"\d{4}年", r"\d{1,2}日", r"\d{1,2}[:：]\d{2}", r"\d{1,2}时",
             "当日", "当天", "次日", "接件后", "上午", "下午"],
    "联系方式": ["电话", "致电", r"来电(?!人)", "电联", "回电", "上门", "走访", "现场", "短信", "微信", "面谈", "当面",
             "约谈"],
    "承办人": ["科", "承办人", "工作人员", "执法人员", "执法队", "大队", "中心", "我局"],
    "核查情况": ["核查", "核实", "经查", "查明", "查实", "经了解", "了解到", "调查", "检查发现", "现场查看", "发现"],
    "处理措施": ["责令", "要求", "协调", "督促", "约谈", "整改", "处罚", "立案", "告知", "调解", "指导", "责成",
             "劝导", "退款", "退费", "下达"],
    "办理结果和来电人意见": ["来电人表示", "来电人认可", "来电人同意", "来电人满意", "来电人不认可", "来电人称",
                   "市民表示", "认可", "表示满意", "表示理解", "表示同意", "无异议", "接受"],
}
# how a pattern is shown to the person writing the reply (an example instead of the expression)
PATTERN_EXAMPLES = {r"\d{1,2}月\d{1,2}日": "11月25日", r"\d{4}年": "2026年", r"\d{1,2}日": "25日",
                    r"\d{1,2}[:：]\d{2}": "10:30", r"\d{1,2}时": "10时",
                    r"来电(?!人)": "来电"}  # (来电人 is the caller, not a way of contacting them)
DEFAULT_TYPOS = {"按排": "安排", "既使": "即使", "反映的问提": "反映的问题", "联糸": "联系", "以经": "已经",
                 "在次": "再次", "付责": "负责", "部份": "部分", "帐号": "账号", "做为": "作为", "截止到目前": "截至目前"}
DEFAULT_RISKY = ["瞎投诉", "没事找事", "无理取闹", "爱投诉", "刁民", "不归我们管", "自己看着办", "随便你",
                 "有本事", "别再打了", "你去告", "懒得", "早就说过"]
DEFAULT_LENGTH = (40, 260)


@dataclass
class ReplyCheckResult:
    length: int
    length_range: tuple[int, int]
    missing_elements: list[str] = field(default_factory=list)
    typos: list[tuple[str, str]] = field(default_factory=list)
    risky_words: list[str] = field(default_factory=list)

    @property
    def length_ok(self) -> bool:
        return self.length_range[0] <= self.length <= self.length_range[1]

    @property
    def ok(self) -> bool:
        return self.length_ok and not (self.missing_elements or self.typos or self.risky_words)

    @property
    def hints(self) -> dict[str, list[str]]:
        """What the check looks for, per element (shown beside the result; not stored)."""
        return looked_for()

    def as_dict(self) -> dict:
        data = asdict(self)
        data["ok"] = self.ok
        data["length_ok"] = self.length_ok
        return data

    def summary(self) -> list[list[str]]:
        """[label, text] pairs for the timeline: each label a msgid, shown in the reader's language; the
        texts are figures and the desk's own words (elements, typos). No problem found is the entry's
        message (``app/tasks/handle.py``), not a pair."""
        lo, hi = self.length_range
        rows = [[N_("字数"), str(self.length)], [N_("应有字数"), f"{lo}–{hi}"]]
        if self.missing_elements:
            rows.append([N_("缺少要素"), "、".join(self.missing_elements)])
        if self.typos:
            rows.append([N_("疑似错别字"), "、".join(f"{w}→{r}" for w, r in self.typos)])
        if self.risky_words:
            rows.append([N_("舆情风险用语"), "、".join(self.risky_words)])
        return rows

    def problems(self) -> list[str]:
        """What the check found, one sentence each in the reader's language (empty when nothing)."""
        found = []
        if not self.length_ok:
            found.append(_("字数 %(n)s（应为 %(lo)s–%(hi)s）", n=self.length, lo=self.length_range[0],
                           hi=self.length_range[1]))
        if self.missing_elements:
            found.append(_("缺少要素：%(items)s", items="、".join(self.missing_elements)))
        if self.typos:
            found.append(_("疑似错别字：%(items)s", items="、".join(f"{w}→{r}" for w, r in self.typos)))
        if self.risky_words:
            found.append(_("舆情风险用语：%(items)s", items="、".join(self.risky_words)))
        return found


# the pair an entry written before the conclusion became its message still shows
EARLIER_LABELS = (N_("结论"),)


def dictionaries() -> dict:
    """The check's dictionaries (read-only: shared by the requests of a few seconds)."""
    return _dictionaries.get("all", _read_dictionaries)


def _read_dictionaries() -> dict:
    return {
        "elements": settings.get("reply_elements", DEFAULT_ELEMENTS),
        "typos": settings.get("reply_typos", DEFAULT_TYPOS),
        "risky": settings.get("reply_risky_words", DEFAULT_RISKY),
        "length": tuple(settings.get("reply_length", list(DEFAULT_LENGTH))),
    }


def _shown(pattern: str) -> str:
    if pattern in PATTERN_EXAMPLES:
        return PATTERN_EXAMPLES[pattern]
    return re.sub(r"\\[dws]|[\\\[\]{}()^$*+?|.]|\d+,\d+", "", pattern) or pattern


def looked_for() -> dict[str, list[str]]:
    """Each element and the words (or examples of the patterns) that show it: what the check looks for."""
    return {name: list(dict.fromkeys(_shown(p) for p in patterns))
            for name, patterns in dictionaries()["elements"].items()}


def _matches(text: str, patterns: list[str]) -> bool:
    return any(re.search(p, text) if any(c in p for c in "\\[]{}()") else p in text for p in patterns)


def check_reply(text: str) -> ReplyCheckResult:
    text = (text or "").strip()
    d = dictionaries()
    compact = re.sub(r"\s+", "", text)
    result = ReplyCheckResult(length=len(compact), length_range=(int(d["length"][0]), int(d["length"][1])))
    result.missing_elements = [name for name, patterns in d["elements"].items() if not _matches(text, patterns)]
    result.typos = [(wrong, right) for wrong, right in d["typos"].items() if wrong in text]
    result.risky_words = [word for word in d["risky"] if word in text]
    return result
