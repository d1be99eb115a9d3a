"""Starting a process by hand: any process its owner marked startable (a ``camunda:properties``
entry ``startable = true``), from a menu or from a ticket's page (then it is about that ticket),
with its start event's form; the variable its start event's ``camunda:initiator`` names holds the
starter's username. A new side process such as 考核申诉 needs a diagram, not code."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import load_only

from app.engine import instances, start_forms
from app.engine.clock import clock
from app.engine.expressions import to_iso
from app.extensions import db
from app.models import ProcessVersion, Ticket, User
from app.services import N_, NotFound, PermissionDenied, ServiceError, _, access, page_cache, timeline
from app.services.process import apply_snapshot
from app.services.uow import unit_of_work

_may_start_any = page_cache.LayoutCache((ProcessVersion, User))  # the navbar's 发起流程 entry, per user
_read: dict[tuple, dict] = {}  # (version id, checksum) -> what its diagram says about starting it

STARTED = N_("发起流程：%(name)s")


def _diagram(version: ProcessVersion) -> dict:
    key = (version.id, version.checksum)
    if key not in _read:
        xml, process_key = version.bpmn_xml, version.process_key
        _read[key] = {"startable": start_forms.is_startable(xml, process_key),
                      "groups": start_forms.starter_groups(xml, process_key),
                      "form": start_forms.start_form(xml, process_key),
                      "initiator": start_forms.initiator(xml, process_key)}
    return _read[key]


def start_form_of(version: ProcessVersion) -> dict:
    """The version's start form ({} without one), read once per version."""
    return _diagram(version)["form"]


def _may_start(user: User, version: ProcessVersion) -> bool:
    groups = _diagram(version)["groups"]
    if not groups:
        return bool(user.roles)
    mine = set(user.roles.split(",")) | {f"user:{user.username}"}
    if user.section is not None:
        mine.add(user.section.code)
    return bool(mine & set(groups))


def startable(user: User) -> list[dict]:
    """Current versions marked startable that this user may start, each with its start form."""
    out = []
    light = load_only(ProcessVersion.id, ProcessVersion.process_key, ProcessVersion.name, ProcessVersion.version,
                      ProcessVersion.checksum, ProcessVersion.is_current)  # the diagram is read once per version
    for version in db.session.scalars(select(ProcessVersion).where(ProcessVersion.is_current)
                                      .order_by(ProcessVersion.name).options(light)):
        if _diagram(version)["startable"] and _may_start(user, version):
            out.append({"key": version.process_key, "name": version.name, "version": version,
                        "form": _diagram(version)["form"]})
    return out


def may_start_any(user: User) -> bool:
    """Whether the navbar offers 发起流程 (cached a few seconds per user; dropped when this process deploys)."""
    return _may_start_any.get((user.id, user.roles), lambda: bool(startable(user)))


def get(user: User, process_key: str) -> dict:
    for entry in startable(user):
        if entry["key"] == process_key:
            return entry
    raise NotFound(_("没有可发起的流程“%(key)s”。", key=process_key))


def start(user: User, process_key: str, data: dict, display: list, ticket: Ticket | None = None):
    """Start the current version with the start form's values; about ``ticket`` when given."""
    entry = get(user, process_key)
    if ticket is not None and not access.can_view_ticket(user, ticket):
        raise PermissionDenied(_("你无权查看该工单，不能就它发起流程。"))
    variables = dict(data)
    variables.update({"started_by": user.username, "started_at": to_iso(clock.now())})
    initiator = _diagram(entry["version"])["initiator"]
    if initiator:  # the start event's camunda:initiator: ${employeeName} as a later task's assignee
        variables[initiator] = user.username
    if ticket is not None:
        variables.update({"ticket_id": ticket.id, "ticket_no": ticket.ticket_no})
    try:
        with unit_of_work():
            instance, snap = instances.start(process_key, variables, ticket.id if ticket else None,
                                             business_key=None if ticket else f"{process_key}:{secrets.token_hex(4)}")
            apply_snapshot(instance, ticket, snap, user)
            if ticket is not None:
                timeline.add(ticket, "process", STARTED, user, display, name=entry["name"])
    except LookupError as exc:
        raise ServiceError(str(exc)) from exc
    return instance
