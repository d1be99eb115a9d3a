"""预警: raised at intake, acknowledged through its BPMN user task, escalated by its BPMN timer.

At intake (``TicketCreated``, in the ticket's transaction) three rules are checked:

- sensitive wording in the title or content (an admin-edited list);
- N tickets about the same enterprise or address within H hours (this one included);
- every 特急 ticket.

A ticket that trips any rule gets one ``EarlyWarning`` listing every reason, an ``Alert``
(kind 预警, shown on the supervisor page until acknowledged) and an instance of
``processes/early_warning.bpmn`` (business key ``warning:<id>``). Its user task 确认预警
goes to the responsible section (the dispatchers before dispatch), the leader in charge
(role ``leader``) and the supervisors; completing it is the acknowledgement. The quick
确认 buttons (alert inbox, supervisor page) complete the same task through
the completion pipeline. If nobody does within the configured hours, the diagram's boundary
timer (fired by the normal timer sweep) interrupts it, raises 预警升级 and gives the
supervisors and the leader 预警升级处置.

The warning row follows its process (``follow_process``) and its two tasks' handlers
(app/tasks/warning.py); all is wired in app/bootstrap.py.
"""

from __future__ import annotations

import functools
import logging
from datetime import timedelta

from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.orm import joinedload

from app.diagrams import early_warning as diagram
from app.engine import instances
from app.engine.clock import clock
from app.engine.expressions import to_datetime, to_iso
from app.extensions import db
from app.models import Alert, Ticket, User, WorkItem
from app.models.early_warning import OPEN_STATUSES, WARNING_RULES, WARNING_STATUSES, EarlyWarning
from app.models.repeats import TicketFingerprint
from app.services import (
    N_,
    Conflict,
    InvalidInput,
    NotFound,
    _,
    completion,
    repeats,
    rules_settings,
    timeline,
)
from app.services.events import InstanceChanged, TicketCreated, WorkItemCreated
from app.services.process import apply_snapshot

log = logging.getLogger("jiesu.early_warning")

PROCESS_KEY = diagram.PROCESS
ALERT_KIND = "预警"
ESCALATION_KIND = "预警升级"
LEADER_ROLE = "leader"  # 分管领导
SEE_ALL_ROLES = ("supervisor", "leader")
ACK_NOTE_LIMIT = 500  # 确认意见 of the quick 确认 (characters; EarlyWarning.ack_note is String(500))

RAISED = N_("预警：%(summary)s")
CLUSTER_KNOWN = N_("集中反映：%(hours)s小时内第%(count)s件，已有未确认的预警 #%(warning)s")
ACKNOWLEDGED = N_("预警已确认：%(summary)s")
HANDLED = N_("预警升级已处置")
ESCALATED = N_("预警升级：超过时限无人确认，已升级主管和分管领导处置")
BUSINESS_PREFIX = "warning:"


# ------------------------------------------------------------------ rules

def sensitive_words_in(text: str, words) -> list[str]:
    lowered = (text or "").lower()
    return [w for w in words if w and w.lower() in lowered]


def _cluster_reason(ticket: Ticket, rules: rules_settings.Rules) -> dict | None:
    """The first of enterprise / address with at least N tickets in the H hours up to this one."""
    fp = repeats.fingerprint(ticket)
    since = fp.at - timedelta(hours=rules.cluster_hours)
    for kind, column, shown in (("enterprise", TicketFingerprint.enterprise, ticket.enterprise),
                                ("address", TicketFingerprint.address, ticket.address)):
        value = getattr(fp, kind)
        if not value:
            continue
        count = db.session.scalar(select(func.count()).select_from(TicketFingerprint).where(
            column == value, TicketFingerprint.at >= since, TicketFingerprint.at <= fp.at))
        if count < rules.cluster_count:
            continue
        key = f"{kind}:{value}"
        recent_open = db.session.scalar(select(EarlyWarning.id).where(
            EarlyWarning.cluster_key == key, EarlyWarning.status.in_(OPEN_STATUSES),
            EarlyWarning.raised_at >= clock.now() - timedelta(hours=rules.cluster_hours)).limit(1))
        if recent_open is not None:  # one open warning per cluster: the supervisor already knows
            timeline.add(ticket, "alert", CLUSTER_KNOWN, hours=rules.cluster_hours, count=count,
                         warning=recent_open)
            return None
        return {"rule": "cluster", "key_kind": kind, "key": key, "shown": shown.strip() if kind == "enterprise" else "",
                "count": count, "hours": rules.cluster_hours}
    return None


def reasons_for(ticket: Ticket, rules: rules_settings.Rules) -> list[dict]:
    reasons = []
    words = sensitive_words_in(f"{ticket.title}\n{ticket.content}", rules.sensitive_words)
    if words:
        reasons.append({"rule": "sensitive", "words": words})
    cluster = _cluster_reason(ticket, rules)
    if cluster:
        reasons.append(cluster)
    if ticket.urgency == "特急":
        reasons.append({"rule": "urgent"})
    return reasons


def describe(reasons: list[dict]) -> str:
    parts = []
    for r in reasons:
        if r["rule"] == "sensitive":
            parts.append("含敏感词：" + "、".join(r["words"]))
        elif r["rule"] == "cluster":
            where = f"企业“{r['shown']}”" if r["key_kind"] == "enterprise" else "地址"
            parts.append(f"同一{where}{r['hours']}小时内第{r['count']}件")
        elif r["rule"] == "urgent":
            parts.append("特急工单")
    return "；".join(parts)


def responsible_group(ticket: Ticket) -> str:
    """The ticket's section once dispatched, else the dispatchers."""
    return ticket.section.code if ticket.section is not None else "dispatcher"


def evaluate(ticket: Ticket, actor: User | None = None, rules: rules_settings.Rules | None = None) \
        -> EarlyWarning | None:
    rules = rules or repeats.rules_for(ticket)
    if repeats.ticket_instant(ticket) < clock.now() - timedelta(hours=rules.max_age_hours):
        return None  # history (an import of old tickets) is no sudden event
    reasons = reasons_for(ticket, rules)
    if not reasons:
        return None
    return raise_warning(ticket, reasons, rules, actor)


def raise_warning(ticket: Ticket, reasons: list[dict], rules: rules_settings.Rules,
                  actor: User | None = None) -> EarlyWarning:
    """Record the warning and its alert, and start its process: all in the caller's transaction."""
    now = clock.now()
    summary = describe(reasons)[:300]
    cluster = next((r["key"] for r in reasons if r["rule"] == "cluster"), "")
    warning = EarlyWarning(ticket_id=ticket.id, reasons=reasons, summary=summary, cluster_key=cluster,
                           responsible_group=responsible_group(ticket), leader_group=LEADER_ROLE,
                           status="open", raised_at=now)
    db.session.add(warning)
    db.session.flush()
    alert = Alert(ticket_id=ticket.id, business_key=warning.business_key, kind=ALERT_KIND,
                  message=f"{ticket.ticket_no} {ticket.title}：{summary}"[:300], raised_at=now)
    db.session.add(alert)
    db.session.flush()
    warning.alert_id = alert.id
    data = {
        "warning_id": warning.id,
        "ticket_id": ticket.id,
        "ticket_no": ticket.ticket_no,
        "ticket_title": ticket.title,
        "summary": summary,
        "responsible_group": warning.responsible_group,
        "leader_group": warning.leader_group,
        "escalate_hours": rules.escalate_hours,
        "raised_at": to_iso(now),
    }
    instance, snap = instances.start(PROCESS_KEY, data, business_key=warning.business_key)
    warning.instance_id = instance.id
    if snap.data.get("escalate_at"):
        warning.escalate_at = to_datetime(snap.data["escalate_at"])
    apply_snapshot(instance, None, snap, actor)
    timeline.add(ticket, "alert", RAISED, at=now, summary=summary)
    return warning


def on_ticket_created(event: TicketCreated) -> None:
    """At intake (wired with a guard: a fault raises an alert, the ticket is kept)."""
    evaluate(event.ticket, event.actor)


# ------------------------------------------------------------------ following the process

def warning_for_key(business_key: str | None) -> EarlyWarning | None:
    if not business_key or not business_key.startswith(BUSINESS_PREFIX):
        return None
    try:
        return db.session.get(EarlyWarning, int(business_key.removeprefix(BUSINESS_PREFIX)))
    except ValueError:
        return None


def _ack_alerts(warning: EarlyWarning, user: User | None, now) -> None:
    for alert in db.session.scalars(select(Alert).where(
            Alert.business_key == warning.business_key, Alert.acknowledged_at.is_(None))):
        alert.acknowledged_at = now
        alert.acknowledged_by_id = user.id if user else None


def follow_process(event: InstanceChanged) -> None:
    """The warning's status follows its process: acknowledged and handled by their tasks
    (app/tasks/warning.py), escalated when the boundary timer gives the escalation task."""
    warning = warning_for_key(event.instance.business_key)
    if warning is None:
        return
    snap = event.snapshot
    if snap.notifications:  # alerts notify() just raised (business key only) belong to the ticket too
        for alert in db.session.scalars(select(Alert).where(
                Alert.business_key == warning.business_key, Alert.ticket_id.is_(None))):
            alert.ticket_id = warning.ticket_id
    if warning.status == "open" and any(rt.spec_name == diagram.ESCALATION for rt in snap.ready_tasks):
        warning.status, warning.escalated_at = "escalated", clock.now()
        timeline.add(warning.ticket_id, "alert", ESCALATED)


def record_acknowledgement(warning: EarlyWarning, user: User, note: str) -> None:
    warning.status, warning.acknowledged_at = "acknowledged", clock.now()
    warning.acknowledged_by_id = user.id
    warning.ack_note = str(note or "")[:500]
    _ack_alerts(warning, user, warning.acknowledged_at)
    timeline.add(warning.ticket_id, "alert", ACKNOWLEDGED, user,
                 [[N_("确认意见"), warning.ack_note]] if warning.ack_note else None, summary=warning.summary)


def record_handling(warning: EarlyWarning, user: User, action: str) -> None:
    warning.status, warning.handled_at = "handled", clock.now()
    warning.handled_by_id = user.id
    warning.handling_note = str(action or "")[:1000]
    _ack_alerts(warning, user, warning.handled_at)
    timeline.add(warning.ticket_id, "alert", HANDLED, user, [[N_("处置措施"), warning.handling_note]])


def name_ticket_in_title(event: WorkItemCreated) -> None:
    """A warning's tasks carry no ticket id: their titles name the ticket."""
    warning = warning_for_key(event.item.business_key)
    if warning is not None and warning.ticket is not None:
        event.item.title = f"{event.item.title} · {warning.ticket.ticket_no}"[:120]


# ------------------------------------------------------------------ reading

def warnings_of_tasks(items) -> dict[int, EarlyWarning]:
    """The warning each warning task of an inbox page is about, by work item id, with its ticket and the
    ticket's section (the items carry no ticket id, see ``name_ticket_in_title``): one query for the page."""
    wanted: dict[int, int] = {}
    for item in items:
        key = item.business_key or ""
        if item.ticket_id is None and key.startswith(BUSINESS_PREFIX) and key[len(BUSINESS_PREFIX):].isdigit():
            wanted[item.id] = int(key[len(BUSINESS_PREFIX):])
    if not wanted:
        return {}
    found = {w.id: w for w in db.session.scalars(
        select(EarlyWarning).where(EarlyWarning.id.in_(set(wanted.values())))
        .options(joinedload(EarlyWarning.ticket).joinedload(Ticket.section)))}
    return {item_id: found[wid] for item_id, wid in wanted.items() if wid in found}


def get_warning(warning_id: int) -> EarlyWarning:
    warning = db.session.get(EarlyWarning, warning_id)
    if warning is None:
        raise NotFound(_("预警不存在。"))
    return warning


def sees_all(user: User) -> bool:
    return user.has_role(*SEE_ALL_ROLES)


def visible_clause(user: User):
    if sees_all(user):
        return None
    return EarlyWarning.responsible_group.in_(sorted(user.groups) or [""])


def can_view(user: User, warning: EarlyWarning) -> bool:
    return sees_all(user) or warning.responsible_group in user.groups


def warnings_for_user(user: User, status: str = "open", rule: str = "", limit: int = 200) -> list[EarlyWarning]:
    """The alert inbox: warnings the user is responsible for (all of them for supervisors and leaders)."""
    query = select(EarlyWarning)
    visible = visible_clause(user)
    if visible is not None:
        query = query.where(visible)
    if status == "open":
        query = query.where(EarlyWarning.status.in_(OPEN_STATUSES))
    elif status in WARNING_STATUSES:
        query = query.where(EarlyWarning.status == status)
    rows = db.session.scalars(query.order_by(EarlyWarning.raised_at.desc(), EarlyWarning.id.desc()).limit(limit))
    if rule in WARNING_RULES:
        return [w for w in rows if rule in {r.get("rule") for r in w.reasons or []}]
    return list(rows)


def open_count(user: User) -> int:
    query = select(func.count(EarlyWarning.id)).where(EarlyWarning.status.in_(OPEN_STATUSES))
    visible = visible_clause(user)
    if visible is not None:
        query = query.where(visible)
    return db.session.scalar(query) or 0


@functools.cache
def _warnings_of_ticket():
    return select(EarlyWarning).where(EarlyWarning.ticket_id == bindparam("ticket_id")).order_by(EarlyWarning.id)


def warnings_for_ticket(ticket: Ticket) -> list[EarlyWarning]:
    """The ticket's warnings (each task page's panel: a statement built once)."""
    return list(db.session.scalars(_warnings_of_ticket(), {"ticket_id": ticket.id}))


def open_task(warning: EarlyWarning) -> WorkItem | None:
    """The ready 确认预警 or 预警升级处置 item of the warning, if any."""
    return db.session.scalar(select(WorkItem).where(
        WorkItem.business_key == warning.business_key, WorkItem.state == "ready",
        or_(WorkItem.spec_name == diagram.ACKNOWLEDGE, WorkItem.spec_name == diagram.ESCALATION)).order_by(WorkItem.id.desc()))


# ------------------------------------------------------------------ acknowledging

def acknowledge(warning_id: int, user: User, note: str = "") -> EarlyWarning:
    """Quick 确认: completes the warning's 确认预警 task, exactly as its task form does."""
    note = (note or "").strip()
    if len(note) > ACK_NOTE_LIMIT:
        raise InvalidInput({"note": _("确认意见不能超过 500 个字（现 %(n)s 个字）。", n=len(note))})
    warning = get_warning(warning_id)
    item = db.session.scalar(select(WorkItem).where(
        WorkItem.business_key == warning.business_key, WorkItem.spec_name == diagram.ACKNOWLEDGE, WorkItem.state == "ready"))
    if item is None:
        if warning.status == "escalated":
            raise Conflict(_("该预警已超时升级，请在“预警升级处置”任务中填写处置措施。"))
        if warning.status in ("acknowledged", "handled"):
            who = (warning.acknowledged_by or warning.handled_by)
            raise Conflict(_("该预警已由 %(who)s 确认。", who=who.name if who else _("他人")))
        raise Conflict(_("该预警当前没有待确认的任务。"))
    completion.complete_task(item.id, user, completion.Submission(
        {diagram.ACK_NOTE: note}, [[N_("确认意见"), note]] if note else []))
    db.session.refresh(warning)
    return warning


def acknowledge_alert(alert: Alert, user: User) -> EarlyWarning | None:
    """The supervisor page's 确认 on an alert of a warning: the same acknowledgement (None: not a warning)."""
    warning = warning_for_key(alert.business_key)
    if warning is None:
        return None
    return acknowledge(warning.id, user)
