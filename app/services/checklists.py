"""On-site checklists by enterprise type: data, not code.

The defaults live in ``app/data/checklists.json`` (seeded from domain.md: licences valid
and displayed, minors' access and ID checks, banned content, internal inspection records,
fire exits and extinguishers, travel agencies' files ...). A supervisor edits them on the
检查清单 page; the edited version is kept in the ``inspection_checklists`` setting and
wins over the file. Each on-site record stores the items' text and basis as they were,
so later edits never change what was recorded.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

from app.extensions import db
from app.models import ENTERPRISE_KINDS, Setting
from app.services import PermissionDenied, ServiceError, _, settings
from app.services.uow import unit_of_work

DEFAULT_FILE = Path(__file__).resolve().parent.parent / "data" / "checklists.json"
SETTING_KEY = "inspection_checklists"
RESULTS = ("合格", "不合格", "不适用")


@cache
def default_checklists() -> dict:
    data = json.loads(DEFAULT_FILE.read_text(encoding="utf-8"))
    return {"common": data["common"], "kinds": data["kinds"]}


def checklists() -> dict:
    stored = settings.get(SETTING_KEY)
    return stored if stored else default_checklists()


def items_for(kind: str) -> list[dict]:
    """The checklist of an enterprise type: the common items, then the type's own."""
    data = checklists()
    return [dict(item) for item in data["common"] + data["kinds"].get(kind, [])]


def to_text(items: list[dict]) -> str:
    return "\n".join(f"{i['text']} | {i['basis']}" if i.get("basis") else i["text"] for i in items)


def from_text(text: str, prefix: str, label: str) -> list[dict]:
    """One item per line, ``检查内容 | 法律依据`` (the basis is optional)."""
    items = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        content, _sep, basis = line.partition("|")
        content, basis = content.strip(), basis.strip()
        if not content:
            raise ServiceError(_("%(label)s第 %(n)s 行没有检查内容。", label=label, n=number))
        if len(content) > 200 or len(basis) > 200:
            raise ServiceError(_("%(label)s第 %(n)s 行太长（检查内容和依据各不超过 200 字）。", label=label, n=number))
        items.append({"id": f"{prefix}{len(items) + 1}", "text": content, "basis": basis})
    return items


def save(user, common_text: str, kind_texts: dict[str, str]) -> None:
    if not user.has_role("supervisor"):
        raise PermissionDenied(_("只有主管可以修改检查清单。"))
    common = from_text(common_text, "c", _("通用检查项"))
    if not common:
        raise ServiceError(_("通用检查项至少要有一项。"))
    kinds = {}
    for code, (label, _section) in ENTERPRISE_KINDS.items():
        kinds[code] = from_text(kind_texts.get(code, ""), f"{_slug(code)}", label)
    with unit_of_work():
        settings.put(SETTING_KEY, {"common": common, "kinds": kinds})


def reset(user) -> None:
    if not user.has_role("supervisor"):
        raise PermissionDenied(_("只有主管可以修改检查清单。"))
    with unit_of_work():
        row = db.session.get(Setting, SETTING_KEY)
        if row is not None:
            db.session.delete(row)


def _slug(code: str) -> str:
    return re.sub(r"[^a-z]", "", code)[:6] + "_"
