"""The inspection row follows its process (whoever moved it: an inspector, a timer)."""

from __future__ import annotations

from app.engine.clock import clock
from app.services import N_
from app.services.events import InstanceChanged, WorkItemCreated
from app.services.inspections import history
from app.services.inspections.reading import for_key

TIMER_FIRED = N_("定时器触发：%(timer)s")
ALERT = N_("%(alert)s：%(text)s")
ENDED = N_("检查结束：%(state)s")
ENDED_WITHOUT_NAME = N_("已结束")


def follow_process(event: InstanceChanged) -> None:
    insp = for_key(event.instance.business_key)
    if insp is None:
        return
    snap = event.snapshot
    for name in snap.silent_timers:  # a timer that notified is told by its alert line
        history.add(insp, "timer", TIMER_FIRED, timer=name)
    for kind, message in snap.notifications:
        history.add(insp, "alert", ALERT, alert=kind, text=message)
    if snap.completed or snap.end_event:
        if insp.closed_at is None:  # the end event's name is the outcome (检查合格, 整改合格, 立案移交)
            insp.status = insp.outcome = snap.end_event or ENDED_WITHOUT_NAME
            insp.closed_at = clock.now()
            history.add(insp, "closed", ENDED, state=insp.status)
        return
    states = [rt.ticket_state for rt in snap.ready_tasks if rt.ticket_state]
    insp.status = states[0] if states else "整改中"


def name_subject_in_title(event: WorkItemCreated) -> None:
    """Inboxes say whose inspection a task is about."""
    insp = for_key(event.instance.business_key)
    if insp is not None:
        event.item.title = f"{event.item.title}：{insp.subject_name}"[:120]


