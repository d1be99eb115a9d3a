"""Settings of repeat detection and early warning (重复反映与预警设置), kept in the settings table.

Read once per ticket in one query (``load``); changed by admins and supervisors (``save``),
which checks every value and names each bad one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select

from app.extensions import db
from app.models import Setting
from app.services import InvalidInput, PermissionDenied, _, _l
from app.services import settings as store
from app.services.uow import unit_of_work

DEFAULT_SENSITIVE_WORDS = [
    "群体", "聚集", "上访", "信访", "媒体", "曝光", "记者", "自杀", "跳楼", "轻生", "拉横幅", "维权群",
    "集体维权", "静坐", "堵门", "围堵", "闹事", "冲突", "伤亡", "极端",
]

KEYS = {
    "window_days": "repeat.window_days",
    "event_threshold": "repeat.event_threshold",
    "sensitive_words": "warning.sensitive_words",
    "cluster_count": "warning.cluster_count",
    "cluster_hours": "warning.cluster_hours",
    "escalate_hours": "warning.escalate_hours",
    "max_age_hours": "warning.max_age_hours",
}

# name: (label, minimum, maximum) for the numbers
LIMITS = {
    "window_days": (_l("重复反映时间窗口（天）"), 1, 365),
    "event_threshold": (_l("内容相似度阈值（%）"), 30, 100),
    "cluster_count": (_l("集中反映件数 N"), 2, 100),
    "cluster_hours": (_l("集中反映时段 H（小时）"), 1, 720),
    "escalate_hours": (_l("预警升级时限（小时）"), 0.1, 168),
    "max_age_hours": (_l("只对多少小时内的来电预警"), 1, 24 * 366),
}
MAX_WORD_LENGTH = 20
MAX_WORDS = 500


@dataclass(frozen=True)
class Rules:
    window_days: int = 30
    event_threshold: int = 60  # percent
    sensitive_words: tuple[str, ...] = tuple(DEFAULT_SENSITIVE_WORDS)
    cluster_count: int = 3
    cluster_hours: int = 24
    escalate_hours: float = 2.0
    max_age_hours: int = 72  # older calls (an import of history) raise no warning

    def as_form(self) -> dict:
        data = {name: getattr(self, name) for name in KEYS}
        data["sensitive_words"] = "\n".join(self.sensitive_words)
        return data


DEFAULTS = Rules()


def load() -> Rules:
    rows = dict(db.session.execute(select(Setting.key, Setting.value).where(Setting.key.in_(KEYS.values()))).all())
    values = {}
    for name, key in KEYS.items():
        if rows.get(key) is not None:
            value = rows[key]
            values[name] = tuple(value) if name == "sensitive_words" else value
    return Rules(**values)




def parse_words(text: str) -> list[str]:
    """One word per line, or separated by commas / 、 / spaces; duplicates dropped, order kept."""
    words: dict[str, None] = {}
    for part in re.split(r"[\n\r,，、;；\s]+", text or ""):
        part = part.strip()
        if part:
            words.setdefault(part, None)
    return list(words)


def validate(values: dict) -> dict:
    """Checked and typed values, or InvalidInput naming each bad field."""
    errors: dict[str, str] = {}
    clean: dict = {}
    for name, (label, low, high) in LIMITS.items():
        raw = values.get(name)
        try:
            number = float(str(raw).strip())
        except (TypeError, ValueError):
            errors[name] = _("%(label)s必须是数字。", label=str(label))
            continue
        if not low <= number <= high:
            errors[name] = _("%(label)s应在 %(low)s 到 %(high)s 之间。", label=str(label), low=f"{low:g}",
                             high=f"{high:g}")
            continue
        if name != "escalate_hours" and number != int(number):
            errors[name] = _("%(label)s必须是整数。", label=str(label))
            continue
        clean[name] = number if name == "escalate_hours" else int(number)
    raw_words = values.get("sensitive_words")
    words = parse_words(raw_words) if isinstance(raw_words, str) else list(raw_words or [])
    too_long = [w for w in words if len(w) > MAX_WORD_LENGTH]
    if too_long:
        errors["sensitive_words"] = _("敏感词“%(word)s”超过 %(n)s 个字，请拆分或缩短。", word=too_long[0][:30],
                                      n=MAX_WORD_LENGTH)
    elif len(words) > MAX_WORDS:
        errors["sensitive_words"] = _("敏感词最多 %(n)s 个。", n=MAX_WORDS)
    clean["sensitive_words"] = words
    if errors:
        raise InvalidInput(errors)
    return clean


def save(user, values: dict) -> Rules:
    if not user.has_role("admin", "supervisor"):
        raise PermissionDenied(_("只有主管或系统管理员可以修改重复反映与预警设置。"))
    clean = validate(values)
    with unit_of_work():
        for name, key in KEYS.items():
            store.put(key, clean[name])
    return load()
