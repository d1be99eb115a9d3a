"""Helpers for the inspection and enterprise-ledger tests: a second inspector, enterprises, files."""

from __future__ import annotations

import base64
import io
import re
from datetime import date

from sqlalchemy import select

from app.engine.clock import clock
from app.extensions import db
from app.models import Enterprise, User, WorkItem
from app.services import completion, enterprises, inspections
from app.services.credit_code import complete
from tests.helpers import user

# a real 1x1 JPEG, and a PNG header: what a phone camera and a screenshot send
JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////////////"
    "////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxA=")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def add_second_inspector() -> User:
    existing = user("jiancha2")
    if existing is not None:
        return existing
    second = User(username="jiancha2", name="韩冰", roles="inspector")
    second.set_password("jiesu2026")
    db.session.add(second)
    db.session.commit()
    return second


def code(n: int) -> str:
    """A valid 统一社会信用代码 (check digit computed), different for each n."""
    return complete(f"91110105MA0{n:02d}QK{n:02d}")


def make_enterprise(n: int = 1, name: str = "极速网咖", kind: str = "internet_cafe", risk: str = "high",
                    expiry: date | None = None, **extra) -> Enterprise:
    fields = {"name": name, "credit_code": code(n), "kind": kind, "risk_level": risk, "licence_no": f"L-{n}",
              "licence_expiry": expiry, "address": "东华路18号", "street": "东华街道", "contact_name": "赵明",
              "contact_phone": "13910010001", "note": ""}
    fields.update(extra)
    return enterprises.create(fields, user("jiancha"))


def ready(insp, spec_name: str) -> WorkItem | None:
    return db.session.scalar(select(WorkItem).where(WorkItem.business_key == insp.business_key,
                                                    WorkItem.spec_name == spec_name, WorkItem.state == "ready"))


def assign(insp, first="jiancha", second="jiancha2"):
    item = ready(insp, "assign_inspectors")
    completion.complete_task(item.id, user("zhuguan"), completion.Submission(
        {"inspector_1": first, "inspector_2": second, "assign_note": ""}))
    db.session.refresh(insp)


class Upload:
    """What Flask hands the service for an uploaded file."""

    def __init__(self, content: bytes, filename: str):
        self.stream = io.BytesIO(content)
        self.filename = filename


def check_input(insp, failing: dict[str, str] | None = None, evidence_ids=(), days: int | None = 10,
                **extra) -> inspections.CheckInput:
    failing = failing or {}
    answers = {i["id"]: ("不合格", failing[i["id"]]) if i["id"] in failing else ("合格", "")
               for i in inspections.checklist(insp)}
    fields = dict(answers=answers, checked_at=clock.now(), latitude=39.9087, longitude=116.3975, accuracy=12.0,
                  location_note="", findings="现场发现问题。" if failing else "", rectify_days=days if failing else None,
                  legal_basis="", requirements="立即整改。" if failing else "", evidence_ids=list(evidence_ids))
    fields.update(extra)
    return inspections.CheckInput(**fields)


def form_of(page: str) -> dict:
    """The hidden inputs of a page's form (CSRF and submit tokens)."""
    return dict(re.findall(r'<input[^>]*name="(csrf_token|submit_token)"[^>]*value="([^"]*)"', page))
