"""Process versions as the process owner sees them: who deployed what, when and why, how many
instances run on each, the file of each, roll back; and where instances stand on the diagram."""

from __future__ import annotations

from sqlalchemy import func, select

from app.engine import progress
from app.engine.expressions import to_datetime
from app.extensions import db
from app.models import ROLES, ProcessInstance, ProcessVersion, Section, User, WorkItem
from app.services import NotFound, PermissionDenied, _, casework, deploy_check, deployment, incidents


def original_xml(version: ProcessVersion) -> str:
    """The file of a version as it was uploaded."""
    return deployment.source_of(version).decode("utf-8", errors="replace")


def get(version_id: int) -> ProcessVersion:
    version = db.session.get(ProcessVersion, version_id)
    if version is None:
        raise NotFound(_("流程版本不存在。"))
    return version


def running_counts(process_key: str | None = None) -> dict[int, int]:
    query = select(ProcessInstance.version_id, func.count(ProcessInstance.id)).where(
        ProcessInstance.status == "running").group_by(ProcessInstance.version_id)
    if process_key:
        query = query.join(ProcessVersion).where(ProcessVersion.process_key == process_key)
    return dict(db.session.execute(query).all())


def processes() -> list[dict]:
    """Each process with its current version, how many versions it has and how many instances run."""
    counts = running_counts()
    rows = {}
    for v in db.session.scalars(select(ProcessVersion).order_by(ProcessVersion.process_key, ProcessVersion.version)):
        row = rows.setdefault(v.process_key, {"key": v.process_key, "current": None, "versions": 0, "running": 0})
        row["versions"] += 1
        row["running"] += counts.get(v.id, 0)
        if v.is_current:
            row["current"] = v
    return [r for r in rows.values() if r["current"] is not None]


def versions(process_key: str) -> list[tuple[ProcessVersion, int]]:
    counts = running_counts(process_key)
    rows = db.session.scalars(select(ProcessVersion).where(ProcessVersion.process_key == process_key)
                              .order_by(ProcessVersion.version.desc())).all()
    if not rows:
        raise NotFound(_("流程 %(key)s 不存在。", key=process_key))
    return [(v, counts.get(v.id, 0)) for v in rows]


def rollback(version_id: int, actor, comment: str = "") -> ProcessVersion:
    """Redeploy an old version's file as the newest version (the old one stays in the history)."""
    old = get(version_id)
    note = _("回滚到第 %(n)s 版", n=old.version) + (f"：{comment.strip()}" if comment and comment.strip() else "")
    return deploy_check.deploy(original_xml(old), actor, note)


def _group_label(code: str, sections: dict[str, str]) -> str:
    if code in ROLES:
        return _(ROLES[code])
    return sections.get(code, code.removeprefix("user:"))


def _holder(item: WorkItem, sections: dict[str, str]) -> str:
    if item.assignee is not None:
        return item.assignee.name
    groups = sorted(item.groups)
    return _("待认领：%(groups)s", groups="、".join(_group_label(g, sections) for g in groups)) if groups else _("待认领")


def instance_state(instance: ProcessInstance, viewer: User | None = None) -> dict:
    """The instance on its diagram: path, open tasks with their holders, timers, an incident."""
    state = progress.instance_progress(instance)
    items = {w.task_guid: w for w in db.session.scalars(
        select(WorkItem).where(WorkItem.instance_id == instance.id, WorkItem.state == "ready"))}
    sections = dict(db.session.execute(select(Section.code, Section.name)).all())
    for task in state["open_tasks"]:
        item = items.get(task["guid"])
        task["holder"] = _holder(item, sections) if item else ""
        task.pop("guid", None)
    for timer in state["timers"]:
        timer["due_text"] = casework.local_text(to_datetime(timer["due"]))
        timer.pop("guid", None)
    incident = incidents.open_for_instance(instance.id)
    state["incident"] = {"element_id": incident.element_id, "message": incident.message} if incident else (
        {"element_id": "", "message": instance.error} if instance.status == "error" else None)
    state["version"] = {"id": instance.version.id, "number": instance.version.version, "name": instance.version.name}
    return state


def element_counts(version: ProcessVersion) -> dict:
    """Running instances of a version per element they wait at (open tasks, waiting events)."""
    running = db.session.scalars(select(ProcessInstance).where(ProcessInstance.version_id == version.id,
                                                               ProcessInstance.status == "running")).all()
    errored = db.session.scalars(select(ProcessInstance).where(ProcessInstance.version_id == version.id,
                                                               ProcessInstance.status == "error")).all()
    return {"counts": progress.element_counts(list(running)), "incident_counts": progress.element_counts(list(errored)),
            "running": len(running), "incidents": len(errored)}


def can_view(user) -> bool:
    return user.has_role("process_owner", "admin", "supervisor")


def require_owner(user) -> None:
    if not user.has_role("process_owner", "admin"):
        raise PermissionDenied(_("只有流程管理员可以管理流程版本。"))
