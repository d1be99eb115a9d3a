"""What process data may hold: what the instance's state, a work item's variables and the ledger can store.

Text, numbers, true/false, None, dates and times (``datetime``, ``timedelta``), lists and dictionaries
with text (or number) keys, nested a bounded depth. A script that leaves anything else in a variable (a set, a
range, an exception, a function's result that is an object) is stopped at that script, naming the
variable, instead of failing later where the data is saved.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from uuid import UUID

from app.engine import sizes

MAX_DEPTH = 100  # lists in dicts in lists…: what a form or a report needs is a few levels

_SCALARS = (str, bool, int, float, type(None), datetime, timedelta, UUID)
_KEYS = (str, int, float, bool, type(None))  # (what JSON writes as text keys)
_KINDS = {set: "集合（set）", frozenset: "集合（frozenset）", range: "范围（range）", bytes: "字节串（bytes）",
          complex: "复数"}


def _kind(value) -> str:
    kind = type(value)
    if kind in _KINDS:
        return _KINDS[kind]
    if isinstance(value, BaseException):
        return f"异常对象（{kind.__name__}）"
    if isinstance(value, type):
        return f"类型（{value.__name__}）"
    return f"{kind.__name__} 对象"


def problem(name: str, value) -> str | None:
    """Why ``value`` (the variable ``name``) cannot be stored, in a process owner's words; None if it can."""
    if isinstance(value, list | tuple | dict) and sizes.items_in(value) > sizes.MAX_ITEMS:
        return (f"变量 {name} 的数据超过 {sizes.MAX_ITEMS} 项（可能是自己套自己的列表，写出来会无穷大），"
                "无法保存")
    return _problem(name, name, value, 0)


def _problem(root: str, name: str, value, depth: int) -> str | None:
    if isinstance(value, _SCALARS):
        return None
    if depth >= MAX_DEPTH:
        return f"变量 {root} 嵌套超过 {MAX_DEPTH} 层（列表或字典套列表或字典），无法保存"
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            found = _problem(root, f"{name}[{i}]", item, depth + 1)
            if found:
                return found
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, _KEYS):
                return f"变量 {name} 的键 {key!r} 不是文字或数字：流程数据中字典的键只能是文字或数字"
            found = _problem(root, f"{name}[{key!r}]", item, depth + 1)
            if found:
                return found
        return None
    # (a set, a range, map(…), zip(…), d.keys(): anything one can iterate over becomes a list)
    hint = "，请改用列表（如 list(…)）" if isinstance(value, Iterable) and not isinstance(value, bytes) else "，请改存文字或数字"
    return (f"变量 {name} 的值是{_kind(value)}，流程数据只能保存文字、数字、真假、日期时间、列表和字典"
            f"{hint}")
