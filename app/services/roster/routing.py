"""7x24 duty routing: a 签收 task that appears outside office hours goes to the dispatcher on duty.

Wired in ``app/bootstrap.py`` as a ``WorkItemCreated`` subscriber of the ticket process; it
runs in the transaction that created the ticket. Several on duty: the least loaded. No
值班派单员: a 值班员 on duty who may sign. Nobody: the task stays claimable by every
dispatcher and supervisors get an alert (排班缺岗).
"""

from __future__ import annotations

from app.engine import calendar_store
from app.engine.clock import clock
from app.extensions import db
from app.models import Alert
from app.models.roster import SHIFT_KINDS
from app.services import N_, timeline
from app.services.completion import is_candidate
from app.services.events import WorkItemCreated
from app.services.roster.duty import least_loaded, on_duty
from app.services.roster.shifts import shift_at

# User tasks handed to the on-duty dispatcher when they appear outside office hours.
ROUTED_TASKS = ("sign",)
ALERT_KIND = "排班缺岗"
ROUTED = N_("值班派单：分配给 %(person)s")
ROUTED_IN_SHIFT = N_("值班派单：分配给 %(person)s（%(shift)s）")


def route_to_duty_dispatcher(event: WorkItemCreated) -> None:
    """A 签收 task that appears outside office hours goes to the dispatcher on duty."""
    item = event.item
    if item.ticket_id is None or item.assignee_id is not None or item.spec_name not in ROUTED_TASKS:
        return
    at = item.created_at or clock.now()
    if calendar_store.get_calendar().is_office_hours(at):
        return
    person = least_loaded([u for u in on_duty("dispatcher", at) if is_candidate(u, item)])
    if person is None:  # a 值班员 who may take the task covers for a missing 值班派单员
        person = least_loaded([u for u in on_duty("duty", at) if is_candidate(u, item)])
    shift = shift_at(at)
    where = f"{shift.day.isoformat()} {SHIFT_KINDS[shift.kind]}" if shift else ""
    if person is not None:
        item.assignee_id = person.id
        item.claimed_at = at
        timeline.add(item.ticket_id, "duty", ROUTED_IN_SHIFT if where else ROUTED, at=at, person=person.name,
                     shift=where)
        return
    message = (f"非工作时间收到工单，{where or '当前时段'}没有值班派单员在岗，"
               f"“{item.title}”留在待认领，请安排值班或认领。")
    db.session.add(Alert(ticket_id=item.ticket_id, kind=ALERT_KIND, message=message[:300], raised_at=at))
    timeline.add(item.ticket_id, "alert", timeline.ALERT, at=at, alert=ALERT_KIND, text=message)
