"""时限规则: the desk's time limits as named parameters, versioned, audited, read by the diagrams.

ticket.bpmn reads them by name (``rule('reply_workdays')`` in 计算时限); the inbox colour,
the supervisor page, the rate projection and every label read the same values through
``current()``, so nothing says "3" where the rule says 2. A change is a new
``TimeRuleVersion`` (who, when, why, the whole set); it applies to tickets started after it,
and to open tickets when someone asks for it (``app.services.migration.recompute_open``).
Office hours are kept in the calendar's own settings (``work_start`` / ``work_end``), so the
working-day arithmetic and the rules page can never disagree.
"""

from __future__ import annotations

import re
import threading
import time as _time
from dataclasses import dataclass
from datetime import time

from sqlalchemy import select

from app.engine import calendar_store
from app.engine.clock import clock
from app.extensions import db
from app.models import TimeRuleVersion
from app.services import PermissionDenied, ServiceError, _, _l
from app.services import settings as store
from app.services.uow import unit_of_work


@dataclass(frozen=True)
class RuleSpec:
    label: object
    help: object
    default: float | int | str
    low: float = 0
    high: float = 0
    unit: object = ""


# name -> what the page shows and what it accepts; numbers are whole numbers
RULES: dict[str, RuleSpec] = {
    "first_contact_hours": RuleSpec(_l("首次联系时限"), _l("收件后多少小时内联系来电人（响应）"), 24, 1, 168, _l("小时")),
    "first_contact_urgent_hours": RuleSpec(_l("紧急件首次联系时限"), _l("紧急、特急件收件后多少小时内联系来电人"), 2, 1, 72,
                                           _l("小时")),
    "reply_workdays": RuleSpec(_l("办理时限"), _l("平台未给出办理时限时，收件后多少个工作日内回复"), 7, 1, 60, _l("个工作日")),
    "urge_workdays": RuleSpec(_l("催办提前量"), _l("办理时限前多少个工作日催办；待办和看板的“即将到期”也按此计算"), 3, 1, 15,
                              _l("个工作日")),
    "callback_workdays": RuleSpec(_l("回访时限"), _l("回复上报后第几个工作日内回访"), 1, 1, 10, _l("个工作日")),
    "callback_retry_workdays": RuleSpec(_l("回访重试间隔"), _l("未联系上时隔多少个工作日再次回访"), 1, 1, 5, _l("个工作日")),
    "callback_attempts": RuleSpec(_l("回访次数"), _l("未联系上时最多回访几次（含第一次）"), 3, 1, 10, _l("次")),
    "work_start": RuleSpec(_l("上班时间"), _l("工作时间开始（工作日计算与值班分配都以此为准）"), "09:00"),
    "work_end": RuleSpec(_l("下班时间"), _l("工作时间结束"), "17:30"),
}
OFFICE_HOURS = ("work_start", "work_end")
DEFAULTS = {name: spec.default for name, spec in RULES.items()}

TTL = 5.0
_lock = threading.Lock()
_cache: dict = {"values": None, "checked": 0.0, "bind": None}


COMMENT_LIMIT = 300  # 修改说明 (characters; TimeRuleVersion.comment is String(300))


class InvalidRules(ServiceError):
    """Some values were refused; ``errors`` maps each rule to its message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("；".join(errors.values()))
        self.errors = errors


class UnknownRule(ServiceError):
    pass


def latest() -> TimeRuleVersion | None:
    return db.session.scalar(select(TimeRuleVersion).order_by(TimeRuleVersion.version.desc()).limit(1))


def _load() -> dict:
    row = latest()
    values = dict(DEFAULTS)
    if row is not None:
        values.update({k: v for k, v in row.values.items() if k in RULES})
    for name in OFFICE_HOURS:  # the calendar's own settings win: one source for office hours
        values[name] = store.get(name, values[name])
    return values


def current() -> dict:
    """The rules in force (cached per process for a few seconds; a save here refreshes at once)."""
    now = _time.monotonic()
    bind = str(db.engine.url)
    with _lock:
        if _cache["values"] is not None and _cache["bind"] == bind and now - _cache["checked"] < TTL:
            return dict(_cache["values"])
    values = _load()
    with _lock:
        _cache.update(values=values, checked=now, bind=bind)
    return dict(values)


def invalidate() -> None:
    with _lock:
        _cache["values"] = None


def get(name: str):
    values = current()
    if name not in values:
        raise UnknownRule(_("没有名为“%(name)s”的时限规则。", name=name))
    return values[name]


def rule(name):
    """The BPMN function ``rule('reply_workdays')``: the value of a named time rule now."""
    return get(str(name))


def urge_workdays() -> int:
    """“即将到期” everywhere: due within this many working days (the 催办 rule)."""
    return int(get("urge_workdays"))


_RULE_CALL = re.compile(r"""\brule\(\s*['"]([^'"]*)['"]\s*\)""")


def unknown_rule_names(text: str) -> list[str]:
    """Names used as rule('...') in a diagram that are no rule (for the deploy check)."""
    return sorted({name for name in _RULE_CALL.findall(text or "") if name not in RULES})


def validate(values: dict) -> dict:
    errors: dict[str, str] = {}
    clean: dict = {}
    for name, spec in RULES.items():
        raw = str(values.get(name) if values.get(name) is not None else "").strip()
        label = str(spec.label)
        if name in OFFICE_HOURS:
            try:
                clean[name] = time.fromisoformat(raw).strftime("%H:%M")
            except ValueError:
                errors[name] = _("%(label)s应写成 时:分，如 09:00。", label=label)
            continue
        try:
            number = float(raw)
        except ValueError:
            errors[name] = _("%(label)s必须是数字。", label=label) if raw else _("请填写%(label)s。", label=label)
            continue
        if number != int(number):
            errors[name] = _("%(label)s必须是整数。", label=label)
        elif not spec.low <= number <= spec.high:
            errors[name] = _("%(label)s应在 %(low)s 到 %(high)s 之间。", label=label, low=f"{spec.low:g}",
                             high=f"{spec.high:g}")
        else:
            clean[name] = int(number)
    if not errors and clean["work_start"] >= clean["work_end"]:
        errors["work_end"] = _("下班时间应晚于上班时间。")
    if not errors and clean["first_contact_urgent_hours"] > clean["first_contact_hours"]:
        errors["first_contact_urgent_hours"] = _("紧急件的首次联系时限不应长于一般件。")
    if errors:
        raise InvalidRules(errors)
    return clean


def can_edit(user) -> bool:
    return user.has_role("supervisor", "process_owner", "admin")


def save(user, values: dict, comment: str = "") -> TimeRuleVersion:
    """Store a new version of the rules (all of them, or nothing); it applies to new tickets."""
    if not can_edit(user):
        raise PermissionDenied(_("只有主管或流程管理员可以修改时限规则。"))
    comment = (comment or "").strip()
    if len(comment) > COMMENT_LIMIT:  # (checked, never cut: the page keeps all of it)
        raise InvalidRules({"comment": _("修改说明不能超过 %(max)s 个字（现 %(n)s 个字）。", max=COMMENT_LIMIT,
                                         n=len(comment))})
    clean = validate(values)
    before = current()
    if all(before.get(k) == v for k, v in clean.items()):
        raise ServiceError(_("时限规则没有变化。"))
    with unit_of_work():
        previous = latest()
        row = TimeRuleVersion(version=(previous.version + 1) if previous else 1, values=clean,
                              changed_by_id=user.id, changed_at=clock.now(), comment=comment)
        db.session.add(row)
        for name in OFFICE_HOURS:
            store.put(name, clean[name])
        calendar_store.invalidate()
    invalidate()
    return row


def history(limit: int = 50) -> list[dict]:
    """Each saved version with what changed against the one before it."""
    rows = list(db.session.scalars(select(TimeRuleVersion).order_by(TimeRuleVersion.version.desc()).limit(limit + 1)))
    out = []
    for row, older in zip(rows, [*rows[1:], None][: len(rows)], strict=True):
        base = dict(DEFAULTS, **(older.values if older else {}))
        changes = [(str(RULES[k].label), base.get(k), v) for k, v in row.values.items()
                   if k in RULES and base.get(k) != v]
        out.append({"row": row, "changes": changes})
    return out[:limit]
