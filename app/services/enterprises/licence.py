"""Licence expiry watch: a ``licence_watch.bpmn`` instance per enterprise (business key ``enterprise:<id>``).

A timer 30 days before the expiry raises the 证照到期预警 task for inspectors, on the same
timer sweep as everything else (no cron job); the lead time is in the diagram. An edited
expiry reaches the waiting instance as the message ``licence_changed``. What the inspector
records on the task updates the ledger (``app/tasks/enterprise.py``).
"""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import select

from app.engine import instances
from app.engine.clock import LOCAL_TZ
from app.engine.expressions import to_iso
from app.extensions import db
from app.models import Enterprise, ProcessInstance, ProcessVersion, User
from app.services.events import WorkItemCreated
from app.services.process import apply_snapshot

WATCH_PROCESS = "licence_watch"


def _expiry_iso(ent: Enterprise) -> str | None:
    if not ent.active or ent.licence_expiry is None:
        return None
    return to_iso(datetime.combine(ent.licence_expiry, time(9, 0), tzinfo=LOCAL_TZ))


def watch_instance(ent: Enterprise) -> ProcessInstance | None:
    return db.session.scalar(
        select(ProcessInstance).join(ProcessVersion, ProcessInstance.version_id == ProcessVersion.id)
        .where(ProcessInstance.business_key == f"enterprise:{ent.id}", ProcessInstance.status == "running",
               ProcessVersion.process_key == WATCH_PROCESS)
        .order_by(ProcessInstance.id.desc()).limit(1))


def ensure_watch(ent: Enterprise, actor: User | None = None) -> None:
    """Keep the enterprise's licence watch in step with the ledger (inside the caller's transaction)."""
    expiry = _expiry_iso(ent)
    instance = watch_instance(ent)
    if instance is None:
        if expiry is None or instances.current_version(WATCH_PROCESS) is None:
            return
        data = {"enterprise_id": ent.id, "subject": ent.name, "licence_no": ent.licence_no,
                "licence_expiry": expiry}
        instance, snap = instances.start(WATCH_PROCESS, data, business_key=f"enterprise:{ent.id}")
        apply_snapshot(instance, None, snap, actor)
        return
    if instances.snapshot(instance).data.get("licence_expiry") == expiry:
        return
    if "licence_changed" in instances.waiting_messages(instance):
        snap = instances.send_message(instance, "licence_changed", {"licence_expiry": expiry},
                                      result_var="licence_change")
        apply_snapshot(instance, None, snap, actor)
    # else the 证照到期预警 task is open: the inspector records the renewal there


def name_enterprise_in_title(event: WorkItemCreated) -> None:
    """A licence task's title names the enterprise, so inboxes say whose it is."""
    key = event.instance.business_key or ""
    if key.startswith("enterprise:"):
        ent = db.session.get(Enterprise, int(key.split(":", 1)[1]))
        if ent is not None:
            event.item.title = f"{event.item.title}：{ent.name}"[:120]
