"""现场检查 tasks: who inspects (指派检查员), the check itself (现场检查 / 整改复查), 立案移交."""

from __future__ import annotations

from sqlalchemy import select

from app.diagrams import inspection as diagram
from app.engine.clock import clock
from app.extensions import db
from app.models import User
from app.services import N_, timeline
from app.services.inspections import checks, findings, history
from app.services.inspections.reading import for_key, orders_of
from app.tasks import TaskContext, TaskHandler

ASSIGNED = N_("指派检查员：%(names)s")
REFERRED = N_("立案移交")
REFERRED_TICKET = N_("立案移交：%(subject)s（%(number)s）")


def _user(username) -> User | None:
    return db.session.scalar(select(User).where(User.username == username)) if username else None


class AssignInspectorsHandler(TaskHandler):
    def after_submit(self, ctx: TaskContext) -> None:
        insp = for_key(ctx.item.business_key)
        if insp is None:
            return
        first, second = _user(ctx.data.get(diagram.INSPECTOR_1)), _user(ctx.data.get(diagram.INSPECTOR_2))
        insp.inspector1_id = first.id if first else None
        insp.inspector2_id = second.id if second else None
        note = ctx.data.get(diagram.ASSIGN_NOTE)
        history.add(insp, "assign", ASSIGNED, ctx.actor, [[N_("指派说明"), note]] if note else None,
                    names="、".join(u.name for u in (first, second) if u))


class CheckHandler(TaskHandler):
    """The checklist (``ctx.input``, a ``checks.CheckInput``) becomes a record, then maybe an order."""

    def validate(self, ctx: TaskContext) -> dict[str, str]:
        return checks.validate_check(for_key(ctx.item.business_key), ctx.item, ctx.input)

    def before_submit(self, ctx: TaskContext) -> None:
        insp = for_key(ctx.item.business_key)
        record = checks.record_check(insp, ctx.item, ctx.actor, ctx.input)
        ctx.data.update(checks.process_variables(ctx.item, record, ctx.input))
        ctx.result.update(record=record, ref=f"record:{record.id}")

    def after_submit(self, ctx: TaskContext) -> None:
        insp, record = for_key(ctx.item.business_key), ctx.result["record"]
        order = checks.issue_order(insp, ctx.item, record, ctx.input, ctx.actor, ctx.snapshot.data)
        findings.after_check(insp, record, order, ctx.actor)


class ReferCaseHandler(TaskHandler):
    def after_submit(self, ctx: TaskContext) -> None:
        insp = for_key(ctx.item.business_key)
        if insp is None:
            return
        rows = [[N_("移交单位"), ctx.data.get(diagram.REFERRED_TO) or ""],
                [N_("移交文号"), ctx.data.get(diagram.REFERRAL_NO) or ""],
                [N_("移交说明"), ctx.data.get(diagram.REFERRAL_NOTE) or ""]]
        rows = [r for r in rows if r[1]]
        history.add(insp, "refer", REFERRED, ctx.actor, rows)
        for order in [o for o in orders_of(insp) if o.status in ("整改中", "逾期未改正")]:
            order.status, order.closed_at = "立案移交", clock.now()
        if insp.ticket is not None:
            timeline.add(insp.ticket, "inspection", REFERRED_TICKET, ctx.actor, rows, subject=insp.subject_name,
                         number=insp.number)
