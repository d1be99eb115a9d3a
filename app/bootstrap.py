"""The application's wiring, in one place and in order (called once by ``create_app``).

Read this file to learn what happens when a ticket arrives, a task appears in an inbox, a
process instance moves or a user task is submitted, and which functions the diagrams may
call. Nothing else registers anything: modules only define functions and classes. Tests
that need less (or other) wiring build their own ``Wiring`` (see ``tests/conftest.py``).
"""

from __future__ import annotations

from app.diagrams import carried as carried_diagram
from app.diagrams import early_warning as warning_diagram
from app.diagrams import exclusion as exclusion_diagram
from app.diagrams import extension as extension_diagram
from app.diagrams import inspection as inspection_diagram
from app.diagrams import licence_watch as licence_diagram
from app.diagrams import supervision as supervision_diagram
from app.diagrams import ticket_lifecycle as lifecycle
from app.engine import cache as workflow_cache
from app.services import (
    carried,
    casework,
    deadline_extension,
    early_warning,
    enterprises,
    exclusions,
    incidents,
    notifications,
    page_cache,
    repeats,
    replies,
    roster,
    search_index,
    supervised_cases,
    time_rules,
    wakeups,
)
from app.services.events import InstanceChanged, TicketCreated, WorkItemCreated
from app.services.inspections import following as inspection_rows
from app.services.reports import archive as report_archive
from app.tasks import callback, dispatch, handle, respond, review, sign
from app.tasks import carried as carried_tasks
from app.tasks import enterprise as enterprise_tasks
from app.tasks import extension as extension_tasks
from app.tasks import inspection as inspection_tasks
from app.tasks import warning as warning_tasks
from app.wiring import Wiring, install


def build() -> Wiring:
    w = Wiring()
    wire_bpmn_functions(w)
    wire_task_handlers(w)
    wire_subscribers(w)
    wire_timer_wakeups(w)
    return w


def wire(app, wiring: Wiring | None = None) -> Wiring:
    wakeups.install()  # committed timer instants reach this process's schedulers
    workflow_cache.install()  # the engine's per-process cache of loaded workflows follows commits
    workflow_cache.clear()  # keyed by row ids: a new app may sit on another database (tests)
    page_cache.install()  # the layout's few-seconds caches forget what this process changes
    page_cache.clear_all()
    search_index.install()  # every saved ticket keeps its search words (案件台账 full-text search)
    return install(app, wiring if wiring is not None else build())


def wire_timer_wakeups(w: Wiring) -> None:
    """A save that brings a timer forward wakes the schedulers (NOTIFY on PostgreSQL, see wakeups.py)."""
    w.timer_listeners.append(wakeups.timer_brought_forward)


def wire_bpmn_functions(w: Wiring) -> None:
    """Functions BPMN expressions may call beyond the engine's own (now, add_workdays, notify ...)."""
    w.bpmn_function("on_duty", roster.on_duty_expression)  # on_duty('dispatcher') -> username on duty
    w.bpmn_function("ticket_open", casework.ticket_open)  # supervision.bpmn: stop reporting once closed
    w.bpmn_function("carried_cases", casework.carried_cases)  # the monthly review's list
    w.bpmn_function("rule", time_rules.rule)  # rule('reply_workdays'): the 时限规则, versioned, no code
    w.bpmn_function("next_report_cycle_at", report_archive.next_report_cycle_at)  # report_cycle.bpmn: next working day 08:00
    w.bpmn_function("make_scheduled_reports", report_archive.make_scheduled_reports)  # its drafts


def wire_task_handlers(w: Wiring) -> None:
    """What happens around each user task (validate, before and after submit), by task or formKey."""
    # ticket.bpmn, the main line
    w.handle_task(lifecycle.SIGN.key, sign.SignHandler())  # 退回/转派 recorded and queued for the platform
    dispatching = dispatch.DispatchHandler()  # the chosen section becomes the ticket's section
    w.handle_task(lifecycle.DISPATCH.key, dispatching)
    w.handle_task(lifecycle.DISPATCH_FORM, dispatching)
    w.handle_task(lifecycle.RESPOND.key, respond.RespondHandler())  # first contact time, judged by 响应率
    w.handle_task(lifecycle.HANDLE.key, handle.HandleHandler())  # reply check; waiting for an inspection
    w.handle_task(lifecycle.REVIEW.key, review.ReviewHandler())  # approved reply kept, queued for the platform
    w.handle_task(lifecycle.CALLBACK.key, callback.CallbackHandler())  # outcome kept for the rates
    # side processes about a ticket
    w.handle_task(extension_diagram.REVIEW.key, extension_tasks.ExtensionReviewHandler())
    w.handle_task(carried_diagram.REVIEW.key, carried_tasks.CarryReviewHandler())
    w.handle_task(carried_diagram.MONTHLY_REVIEW.key, carried_tasks.MonthlyReviewHandler())  # 销账
    # inspections, licences, early warnings
    w.handle_task(inspection_diagram.ASSIGN.key, inspection_tasks.AssignInspectorsHandler())
    check = inspection_tasks.CheckHandler()  # the checklist record, evidence, 责令改正, report to the ticket
    w.handle_task(inspection_diagram.CHECK.key, check)
    w.handle_task(inspection_diagram.REINSPECT.key, check)
    w.handle_task(inspection_diagram.REFER.key, inspection_tasks.ReferCaseHandler())
    w.handle_task(licence_diagram.WARNING.key, enterprise_tasks.LicenceWarningHandler())  # the ledger follows
    w.handle_task(warning_diagram.ACKNOWLEDGE.key, warning_tasks.AcknowledgeHandler())
    w.handle_task(warning_diagram.ESCALATION.key, warning_tasks.EscalationHandledHandler())


def wire_subscribers(w: Wiring) -> None:
    """What follows a change, in the same transaction."""
    # A ticket arrives (hand entry, platform push, file import). The rules are guarded: a fault in
    # one raises an alert for the supervisors and the ticket is stored all the same.
    w.subscribe(TicketCreated, repeats.on_ticket_created, guard=("重复检测出错", "重复反映检测未完成"))
    w.subscribe(TicketCreated, early_warning.on_ticket_created, guard=("预警出错", "预警规则未能执行，请人工研判"))
    w.subscribe(TicketCreated, enterprises.link_on_intake)  # 涉及企业 -> the ledger enterprise

    # A user task appears in the inboxes.
    w.subscribe(WorkItemCreated, roster.route_to_duty_dispatcher, process=lifecycle.PROCESS)  # nights, holidays
    w.subscribe(WorkItemCreated, early_warning.name_ticket_in_title, process=warning_diagram.PROCESS)
    w.subscribe(WorkItemCreated, enterprises.name_enterprise_in_title, process=licence_diagram.PROCESS)
    w.subscribe(WorkItemCreated, inspection_rows.name_subject_in_title, process=inspection_diagram.PROCESS)

    # A process instance moved (a person, a timer or a message): the rows that follow it.
    w.subscribe(InstanceChanged, early_warning.follow_process, process=warning_diagram.PROCESS)
    w.subscribe(InstanceChanged, inspection_rows.follow_process, process=inspection_diagram.PROCESS)
    w.subscribe(InstanceChanged, deadline_extension.follow_process, process=extension_diagram.PROCESS)
    w.subscribe(InstanceChanged, exclusions.follow_process, process=exclusion_diagram.PROCESS)
    w.subscribe(InstanceChanged, carried.follow_process, process=carried_diagram.PROCESS)
    w.subscribe(InstanceChanged, supervised_cases.follow_process, process=supervision_diagram.PROCESS)
    # 回复上报: the reply goes to the platform when the lifecycle passes that step (after 回复审核 or later)
    w.subscribe(InstanceChanged, replies.report_reply, process=lifecycle.PROCESS, when=replies.reaches_reply)
    # an instance that nothing can move on (no user task, no timer, no message) is an incident
    w.subscribe(InstanceChanged, incidents.flag_stalled, when=incidents.is_stalled)
    # 催办 and deadline reminders (notify() in any diagram) reach the holders of the open tasks
    w.subscribe(InstanceChanged, notifications.on_instance_changed, guard=("通知出错", "提醒未能送达办理人"),
                when=notifications.has_notifications)  # most changes notify nobody: no savepoint then
    # a finished task's unread notices are settled with it (read, 任务已结束)
    w.subscribe(InstanceChanged, notifications.settle_closed, when=notifications.has_closed_items)
