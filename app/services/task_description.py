"""A task's description (its BPMN ``documentation``) with the ``${…}`` it names filled in.

Activiti and Flowable evaluate a user task's documentation: the vacation request example says
"${employeeName} would like to take ${numberOfDays} day(s) of vacation". The task page shows it with
each variable's value as text, through the reader's mask (a caller's number or name is masked for
a reader who may not see it, as on the rest of the page). Only a variable or a path into one
(``${caller.name}``) is filled in; any other expression is shown as written, and a variable the task
does not have reads 未填写.
"""

from __future__ import annotations

import re

from app.services import _, masking

_PLACEHOLDER = re.compile(r"[$#]\{\s*([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\s*\}", re.ASCII)
_MISSING = object()


def _lookup(variables: dict, path: str):
    value = variables
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return _MISSING
        value = value[part]
    return value


def _as_text(value) -> str:
    if value is True:
        return _("是")
    if value is False:
        return _("否")
    if value is None:
        return ""
    if isinstance(value, (list, tuple, set)):
        return _("、").join(_as_text(v) for v in value)
    if isinstance(value, dict):
        return _("、").join(f"{k}：{_as_text(v)}" for k, v in value.items())
    return str(value)


def describe(documentation: str | None, variables: dict | None, mask: masking.Mask) -> str:
    """``documentation`` with each ``${name}`` (or ``#{name}``) replaced by the variable's value as
    ``mask`` lets its reader see it."""
    if not documentation:
        return ""
    variables = variables or {}

    def fill(match: re.Match) -> str:
        path = match.group(1)
        value = _lookup(variables, path)
        if value is _MISSING:
            return _("（未填写）")
        text = _as_text(value)
        name = path.rsplit(".", 1)[-1]
        if name in masking.FIELD_KINDS:
            return mask.field(name, text)
        return mask.entry(name, text)  # (a name recorded under 联系人, contact_person: masked as in the 办理记录)

    # the written text is masked too (a number typed into the diagram), then the values put in
    parts = []
    last = 0
    for match in _PLACEHOLDER.finditer(documentation):
        parts.append(mask.text(documentation[last:match.start()]))
        parts.append(fill(match))
        last = match.end()
    parts.append(mask.text(documentation[last:]))
    return "".join(parts)
