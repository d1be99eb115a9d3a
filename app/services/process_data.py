"""流程数据 (process data): beside a task of a process its owner drew (not one the product itself starts, which
have their own panels), what earlier steps recorded, so an approver sees what they decide on: the start form's
fields and the earlier tasks' fields, labelled as their forms label them."""

from __future__ import annotations

from app.diagrams import catalog
from app.models import WorkItem
from app.services import _
from app.services.masking import HIDDEN_ADDRESS, Mask
from app.services.process_start import start_form_of


def applies(item: WorkItem) -> bool:
    return item.ticket_id is None and item.instance.version.process_key not in catalog.BY_KEY


def _fields(item: WorkItem) -> list[dict]:
    """Every field the process's forms ask, the start form's first, each once (by variable)."""
    version = item.instance.version
    seen, fields = set(), []
    own = {f["id"] for f in version.task_meta.get(item.spec_name, {}).get("fields", [])}
    for field in [*start_form_of(version).get("fields", []),
                  *(f for meta in version.task_meta.values() for f in meta.get("fields", []))]:
        if field["id"] not in seen and field["id"] not in own and field.get("type") != "file":
            seen.add(field["id"])
            fields.append(field)
    return fields


def _shown(field: dict, value) -> str | None:
    if value is None or value == "" or isinstance(value, dict):
        return None
    if isinstance(value, bool):
        return _("是") if value else _("否")
    options = dict(field.get("options") or [])
    if isinstance(value, list):
        return "、".join(str(options.get(v, v)) for v in value if not isinstance(v, dict | list)) or None
    return str(options.get(value, value))


def _is_address(field: dict) -> bool:
    return "地址" in (field.get("label") or "") or "address" in field["id"].lower()


def shown(item: WorkItem, variables: dict, mask: Mask) -> list[tuple[str, str]]:
    """(label, value) of what the process holds for the fields of its forms, masked for ``mask``'s reader."""
    rows = []
    for field in _fields(item):
        text = _shown(field, variables.get(field["id"]))
        if text is None:
            continue
        label = field.get("label") or field["id"]
        hidden = not mask.full and _is_address(field)
        rows.append((label, HIDDEN_ADDRESS if hidden else mask.entry(label, text)))  # (mask.entry: 联系人 as a name)
    return rows
