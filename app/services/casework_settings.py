"""Settings of the rates, the reply check, exclusions, extensions and supervision, as one page.

The values live in the settings table under the keys the services read them from
(``app.services.rates.DEFAULTS``, ``app.services.reply_check``) or under the keys below.
``validate`` checks every value and names each bad one in Chinese; ``save`` stores them
all in one transaction, or nothing.
"""

from __future__ import annotations

import re

from app.services import InvalidInput, PermissionDenied, ServiceError, _, _l, rates, reply_check
from app.services import settings as store
from app.services.rules_settings import parse_words
from app.services.uow import unit_of_work

DEFAULT_GROUNDS = ["不合理诉求", "非本单位职责", "诉讼或仲裁中", "重复恶意来电", "其他"]
# setting key -> default, for the keys this module owns
OWN_DEFAULTS = {
    "exclusion_grounds": DEFAULT_GROUNDS,
    "extension_max_workdays": 15,  # domain.md: complex cases up to 15 working days with an approved extension
    "exclusion_appeal_workdays": 3,
    "supervision_interval_workdays": 3,
}

# form field -> (label, minimum, maximum, integer?) for the numbers
NUMBERS = {
    "rate_weight_basic_resolved": (_l("“基本解决”权重"), 0, 1, False),
    "rate_weight_basic_satisfied": (_l("“基本满意”权重"), 0, 1, False),
    "rate_target_response": (_l("响应率目标（%）"), 0, 100, False),
    "rate_target_resolution": (_l("解决率目标（%）"), 0, 100, False),
    "rate_target_satisfaction": (_l("满意率目标（%）"), 0, 100, False),
    "assessment_start_day": (_l("考核期起始日"), 1, 28, True),
    "reply_length_min": (_l("答复最少字数"), 1, 2000, True),
    "reply_length_max": (_l("答复最多字数"), 1, 5000, True),
    "extension_max_workdays": (_l("延期上限（收件后工作日）"), 1, 60, True),
    "exclusion_appeal_workdays": (_l("剔除申诉期限（工作日）"), 1, 20, True),
    "supervision_interval_workdays": (_l("督办进展报告间隔（工作日）"), 1, 30, True),
}
TEXTS = ("reply_elements", "reply_typos", "reply_risky_words", "exclusion_grounds")
FIELDS = tuple(NUMBERS) + TEXTS
MAX_WORD = 20
MAX_PATTERN = 60




def get(key: str):
    return store.get(key, OWN_DEFAULTS[key])


def exclusion_grounds() -> list[str]:
    return list(get("exclusion_grounds"))


def extension_max_workdays() -> int:
    return int(get("extension_max_workdays"))


def exclusion_appeal_workdays() -> int:
    return int(get("exclusion_appeal_workdays"))


def supervision_interval_workdays() -> int:
    return int(get("supervision_interval_workdays"))


# -- the form's text <-> stored values ------------------------------------------------------------

def elements_text(elements: dict) -> str:
    return "\n".join(f"{name}：{'、'.join(patterns)}" for name, patterns in elements.items())


def typos_text(typos: dict) -> str:
    return "\n".join(f"{wrong}={right}" for wrong, right in typos.items())


def form_values() -> dict:
    """The current settings as the form shows them (strings)."""
    d = reply_check.dictionaries()
    values = {name: rates.setting(name) for name in rates.DEFAULTS}
    values.update({
        "reply_length_min": d["length"][0],
        "reply_length_max": d["length"][1],
        "reply_elements": elements_text(d["elements"]),
        "reply_typos": typos_text(d["typos"]),
        "reply_risky_words": "\n".join(d["risky"]),
        "exclusion_grounds": "\n".join(exclusion_grounds()),
        "extension_max_workdays": extension_max_workdays(),
        "exclusion_appeal_workdays": exclusion_appeal_workdays(),
        "supervision_interval_workdays": supervision_interval_workdays(),
    })
    return {k: (f"{v:g}" if isinstance(v, float) else str(v)) for k, v in values.items()}


def default_values() -> dict:
    return {
        "reply_elements": elements_text(reply_check.DEFAULT_ELEMENTS),
        "reply_typos": typos_text(reply_check.DEFAULT_TYPOS),
        "reply_risky_words": "、".join(reply_check.DEFAULT_RISKY),
        "exclusion_grounds": "、".join(DEFAULT_GROUNDS),
    }


def _lines(text: str) -> list[tuple[int, str]]:
    return [(n, line.strip()) for n, line in enumerate((text or "").splitlines(), 1) if line.strip()]


def _is_pattern(p: str) -> bool:
    return any(c in p for c in "\\[]{}()")  # as reply_check._matches decides


def parse_elements(text: str) -> dict[str, list[str]]:
    """'联系时间：当日、次日、\\d{1,2}月\\d{1,2}日' per line -> {name: [patterns]}; ServiceError names the line."""
    elements: dict[str, list[str]] = {}
    for n, line in _lines(text):
        match = re.match(r"^([^:：]*)[:：](.*)$", line)
        name, rest = (match.group(1).strip(), match.group(2)) if match else ("", "")
        if not name:
            raise ServiceError(_("第 %(n)s 行“%(line)s”应写成“要素名：词语1、词语2”。", n=n, line=line[:30]))
        if name in elements:
            raise ServiceError(_("要素“%(name)s”重复出现（第 %(n)s 行）。", name=name, n=n))
        patterns = [p.strip() for p in re.split(r"[、，]", rest) if p.strip()]
        if not patterns:
            raise ServiceError(_("要素“%(name)s”没有任何词语（第 %(n)s 行）。", name=name, n=n))
        for p in patterns:
            if len(p) > MAX_PATTERN:
                raise ServiceError(_("要素“%(name)s”的词语“%(p)s”超过 %(max)s 个字。", name=name, p=p[:30],
                                     max=MAX_PATTERN))
            if _is_pattern(p):
                try:
                    re.compile(p)
                except re.error as exc:
                    raise ServiceError(_("要素“%(name)s”的写法“%(p)s”不是有效的正则表达式（%(err)s）。",
                                         name=name, p=p, err=str(exc))) from exc
        elements[name] = patterns
    if not elements:
        raise ServiceError(_("至少要有一个要素。"))
    if len(elements) > 20:
        raise ServiceError(_("要素最多 20 个。"))
    return elements


def parse_typos(text: str) -> dict[str, str]:
    """'按排=安排' per line (also → or ->) -> {wrong: right}."""
    typos: dict[str, str] = {}
    for n, line in _lines(text):
        parts = re.split(r"\s*(?:=|＝|→|->)\s*", line, maxsplit=1)
        if len(parts) != 2 or not parts[0] or not parts[1]:
            raise ServiceError(_("第 %(n)s 行“%(line)s”应写成“错词=正确写法”。", n=n, line=line[:30]))
        wrong, right = parts[0].strip(), parts[1].strip()
        if wrong == right:
            raise ServiceError(_("第 %(n)s 行的错词与正确写法相同：“%(w)s”。", n=n, w=wrong))
        if len(wrong) > MAX_WORD or len(right) > MAX_WORD:
            raise ServiceError(_("第 %(n)s 行的词语超过 %(max)s 个字。", n=n, max=MAX_WORD))
        if wrong in typos:
            raise ServiceError(_("错词“%(w)s”重复出现（第 %(n)s 行）。", w=wrong, n=n))
        typos[wrong] = right
    if len(typos) > 500:
        raise ServiceError(_("错别字最多 500 条。"))
    return typos


def parse_list(text: str, what: str, at_least: int = 0, most: int = 500) -> list[str]:
    words = parse_words(text)
    too_long = [w for w in words if len(w) > MAX_WORD]
    if too_long:
        raise ServiceError(_("%(what)s“%(w)s”超过 %(max)s 个字。", what=what, w=too_long[0][:30], max=MAX_WORD))
    if len(words) < at_least:
        raise ServiceError(_("%(what)s至少要有 %(n)s 个。", what=what, n=at_least))
    if len(words) > most:
        raise ServiceError(_("%(what)s最多 %(n)s 个。", what=what, n=most))
    return words


def validate(values: dict) -> dict:
    """Checked and typed values, or InvalidInput naming each bad field."""
    errors: dict[str, str] = {}
    clean: dict = {}
    for name, (label, low, high, integer) in NUMBERS.items():
        raw = str(values.get(name) if values.get(name) is not None else "").strip()
        try:
            number = float(raw)
        except ValueError:
            errors[name] = _("%(label)s必须是数字。", label=str(label)) if raw else _("请填写%(label)s。",
                                                                                      label=str(label))
            continue
        if integer and number != int(number):
            errors[name] = _("%(label)s必须是整数。", label=str(label))
            continue
        if not low <= number <= high:
            errors[name] = _("%(label)s应在 %(low)s 到 %(high)s 之间。", label=str(label), low=f"{low:g}",
                             high=f"{high:g}")
            continue
        clean[name] = int(number) if integer else number
    if "reply_length_min" in clean and "reply_length_max" in clean and \
            clean["reply_length_min"] >= clean["reply_length_max"]:
        errors["reply_length_max"] = _("答复最多字数应大于最少字数。")
    parsers = {
        "reply_elements": parse_elements,
        "reply_typos": parse_typos,
        "reply_risky_words": lambda text: parse_list(text, _("舆情风险用语")),
        "exclusion_grounds": lambda text: parse_list(text, _("剔除理由"), at_least=1, most=30),
    }
    for name, parse in parsers.items():
        try:
            clean[name] = parse(values.get(name) or "")
        except ServiceError as exc:
            errors[name] = str(exc)
    if errors:
        raise InvalidInput(errors)
    return clean


def save(user, values: dict) -> None:
    if not user.has_role("admin", "supervisor"):
        raise PermissionDenied(_("只有主管或系统管理员可以修改这些设置。"))
    clean = validate(values)
    with unit_of_work():
        for name in rates.DEFAULTS:
            store.put(name, clean[name])
        store.put("reply_elements", clean["reply_elements"])
        store.put("reply_typos", clean["reply_typos"])
        store.put("reply_risky_words", clean["reply_risky_words"])
        store.put("reply_length", [clean["reply_length_min"], clean["reply_length_max"]])
        for key in OWN_DEFAULTS:
            store.put(key, clean[key])
