"""Running process instances: start, complete a task, fire timers, save and load.

The web layer never sees a workflow object: every operation returns a ``Snapshot``
of plain data that the service layer turns into work items, ticket fields, alerts
and timeline entries in the same database transaction.
"""

from __future__ import annotations

import json
import time
from copy import deepcopy
from dataclasses import dataclass, field
from datetime import UTC, datetime
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.util.task import TaskState

from app.engine import errors, pruning, sizes, storable
from app.engine.clock import clock, install_spiff_clock
from app.engine.evaluator import ExpressionError
from app.engine.events import SERIALIZER_CONFIG
from app.engine.expressions import due_instant, make_script_engine, to_datetime, to_iso
from app.engine.specs import load_specs
from app.engine.workcalendar import WorkCalendar

install_spiff_clock()  # idempotent: SpiffWorkflow's timers read our clock, naive times are Beijing time

_TIMER_TYPES = {"TimeDateEventDefinition", "DurationTimerEventDefinition", "CycleTimerEventDefinition"}


class EngineError(Exception):
    """A process could not go on (an expression failed, a task is gone...).

    ``str()`` is a Chinese sentence for the person who met it, naming the step; ``element_id``,
    ``element_name`` and ``detail`` (the technical cause) go into the incident.
    """

    def __init__(self, message: str, element_id: str = "", element_name: str = "", detail: str = ""):
        super().__init__(message)
        self.element_id = element_id
        self.element_name = element_name
        self.detail = detail or message
        self.instance_id: int | None = None  # set by app.engine.instances
        self.version_id: int | None = None


class NotWaiting(EngineError):
    """The process is not waiting for this message now."""


class TaskNotReady(EngineError):
    """The task was completed or cancelled by someone else meanwhile."""


class InstanceStateConverter(BpmnWorkflowConverter):
    """Serializes instance state only: the spec is stored once per process version."""

    def to_dict(self, workflow):
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct):
        spec = dct.pop("spec")  # restored spec objects, put in by load()
        subprocess_specs = dct.pop("subprocess_specs")
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


_config = dict(SERIALIZER_CONFIG)
_config[BpmnWorkflow] = InstanceStateConverter
SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(_config))
# Dumps only: a registry kept in SpiffWorkflow's "encoder mode" (as its serialize_json uses it), where the
# data is not walked in Python first; the JSON encoder converts the few non-JSON values (UUID, datetime,
# timedelta) it meets. Same text as SERIALIZER's to_dict + json.dumps. A registry of its own, never
# switched back, so threads reading SERIALIZER (ReadyTask.data) never see the mode.
_DUMPER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(_config))
_DUMPER.registry._encoder_mode = True


@dataclass
class ReadyTask:
    guid: str
    spec_name: str
    title: str
    lane: str
    candidate_groups: list[str]
    candidate_users: list[str]
    assignee: str | None
    due_at: datetime | None
    form_key: str
    ticket_state: str
    data: dict = field(default_factory=dict)  # the task's variables, converted to plain JSON (restore_data)
    follow_up_at: datetime | None = None  # camunda:followUpDate: when its holder should look at it again


@dataclass
class Snapshot:
    """What the rest of the app needs to know after an engine operation."""

    ready_tasks: list[ReadyTask]
    data: dict
    completed: bool
    end_event: str
    next_timer_at: datetime | None
    notifications: list[tuple[str, str]] = field(default_factory=list)
    fired_timers: list[str] = field(default_factory=list)
    # the fired timers whose branch raised no notify(): the others are told by their notification
    silent_timers: list[str] = field(default_factory=list)
    started: bool = False  # the operation started the instance (it has no work items yet)
    # (element id, name) where the instance stopped with nothing left that can move it on, else None
    stalled_at: tuple[str, str] | None = None
    # element ids the engine ran through in this operation (scripts, gateways, events; not the task a person
    # completed): what the code attaches to a step of the diagram, such as 回复上报
    passed: tuple[str, ...] = ()


class Runtime:
    """One engine operation on one instance. ``task_meta`` comes from the process version."""

    def __init__(self, version_key: tuple | None, spec_json, task_meta: dict, calendar: WorkCalendar,
                 functions: dict | None = None, specs: tuple | None = None):
        """``spec_json``: the stored spec, or a callable returning it (see load_specs);
        ``functions``: the BPMN functions and service implementations by name (the wiring's);
        ``specs``: (spec, subprocess_specs) already parsed (a dry run), instead of a stored version."""
        self.spec, self.subprocess_specs = specs if specs is not None else load_specs(version_key, spec_json)
        self.task_meta = task_meta
        self.calendar = calendar
        self.notifications: list[tuple[str, str]] = []
        self.fired: list[str] = []
        self.passed: list[str] = []  # element ids the engine completed in this operation, in order
        self._steps = 0  # elements completed since run() began (bounded by sizes.MAX_ELEMENTS_PER_OPERATION)
        self._announced: set[int] = set()  # indexes into ``fired`` whose branch called notify()
        self._notices_seen = 0
        self.moves: list[dict] = []
        self.observers: list = []  # called with each task that completes (the dry run's path)
        self.script_engine = make_script_engine(calendar, self.notifications, self.moves, functions)
        self._began = time.time()  # (SpiffWorkflow stamps a task's state changes with time.time())

    # -- persistence -------------------------------------------------------
    def new(self, data: dict) -> BpmnWorkflow:
        try:  # (SpiffWorkflow predicts the whole path here: a loop it cannot see round recurses past the stack)
            wf = BpmnWorkflow(self.spec, self.subprocess_specs, script_engine=self.script_engine)
        except Exception as exc:
            raise errors.engine_error(exc, EngineError) from exc
        start = wf.get_next_task(state=TaskState.READY)
        start.data.update(deepcopy(data))
        return wf

    def load(self, state_json: str) -> BpmnWorkflow:
        dct = json.loads(state_json)
        dct["spec"] = self.spec
        dct["subprocess_specs"] = self.subprocess_specs
        wf = SERIALIZER.from_dict(dct)
        wf.script_engine = self.script_engine  # not serialized: set again after every load
        return wf

    @staticmethod
    def dump(wf: BpmnWorkflow) -> str:
        return json.dumps(_DUMPER.to_dict(wf), cls=_DUMPER._encoder_cls, separators=(",", ":"))

    # -- operations ----------------------------------------------------------
    def run(self, wf: BpmnWorkflow) -> None:
        """Run engine steps and fire every timer that is due, until nothing moves (at most
        sizes.MAX_ELEMENTS_PER_OPERATION elements: then TooManySteps, as the element's failure)."""
        self._steps = 0
        try:
            wf.refresh_timers()
            wf.do_engine_steps(did_complete_task=self._note_timer)
            while self.moves:
                self._apply_moves(wf, self.moves.pop(0))
                wf.refresh_timers()
                wf.do_engine_steps(did_complete_task=self._note_timer)
        except Exception as exc:
            raise errors.engine_error(exc, EngineError) from exc

    @staticmethod
    def _apply_moves(wf: BpmnWorkflow, variables: dict) -> None:
        """move_deadlines(): waiting timers forget their computed instant and see the new values;
        open user tasks see them too (their due dates follow)."""
        for task in wf.get_tasks(state=TaskState.WAITING | TaskState.READY):
            definition = getattr(task.task_spec, "event_definition", None)
            if isinstance(definition, TimerEventDefinition) and task.state == TaskState.WAITING:
                # a waiting event re-inherits its parent's data on every update: give both the values
                task.data.update(variables)
                if task.parent is not None:
                    task.parent.data.update(variables)
                task.internal_data.pop("event_value", None)
                task.internal_data.pop("event_fired", None)
            elif task.task_spec.manual and task.state == TaskState.READY:
                task.data.update(variables)

    def _note_timer(self, task) -> None:
        if getattr(task.task_spec, "script", None):  # when it ran, for recomputing deadlines (engine/migration.py)
            task.internal_data["jiesu_ran_at"] = to_iso(clock.now())
        self.passed.append(task.task_spec.bpmn_id or "")
        self._steps += 1
        if self._steps > sizes.MAX_ELEMENTS_PER_OPERATION:
            raise sizes.too_many_elements(task.task_spec.bpmn_name or task.task_spec.bpmn_id or "")
        if task.depth > sizes.MAX_TREE_DEPTH:
            raise sizes.too_long(task.task_spec.bpmn_name or task.task_spec.bpmn_id or "")
        if getattr(task.workflow, "depth", 0) > sizes.MAX_NESTING:
            caller = task.workflow.top_workflow.get_task_from_id(task.workflow.parent_task_id)
            spec = getattr(caller, "task_spec", task.task_spec)  # the call activity, not its process's start
            error = sizes.too_deep(spec.bpmn_name or spec.bpmn_id or "")
            error.task_spec = spec
            raise error
        for observer in self.observers:
            observer(task)
        if len(self.notifications) > self._notices_seen:  # this step notified: the latest timer is told
            self._notices_seen = len(self.notifications)
            pending = [i for i in range(len(self.fired)) if i not in self._announced]
            if pending:
                self._announced.add(pending[-1])
        definition = getattr(task.task_spec, "event_definition", None)
        if isinstance(definition, TimerEventDefinition):
            self.fired.append(task.task_spec.bpmn_name or task.task_spec.bpmn_id)
        elif getattr(definition, "event_definitions", None):  # an event-based gateway: did its timer fire?
            for event in task.internal_data.get("seen_events", []):
                if isinstance(event.event_definition, TimerEventDefinition):
                    self.fired.append(event.event_definition.name or task.task_spec.bpmn_name or task.task_spec.bpmn_id)

    def complete(self, wf: BpmnWorkflow, guid: str, data: dict) -> None:
        try:
            task = wf.get_task_from_id(UUID(guid))
        except Exception:
            task = None
        if task is None or task.state != TaskState.READY or not task.task_spec.manual:
            raise TaskNotReady(guid)
        task.set_data(**deepcopy(data))
        try:
            task.run()
        except Exception as exc:
            raise errors.engine_error(exc, EngineError, task) from exc
        self.run(wf)

    def send_message(self, wf: BpmnWorkflow, name: str, payload, result_var: str = "message") -> None:
        """Deliver a BPMN message (e.g. 督办 from the platform) to whatever catch event waits for it."""
        from SpiffWorkflow.bpmn.util.event import BpmnEvent
        from SpiffWorkflow.camunda.specs.event_definitions import MessageEventDefinition

        event = BpmnEvent(MessageEventDefinition(name), payload={"payload": payload, "result_var": result_var})
        try:
            wf.send_event(event)
        except WorkflowException as exc:
            raise NotWaiting(f"流程当前不接收消息“{name}”") from exc
        self.run(wf)

    @staticmethod
    def waiting_messages(wf: BpmnWorkflow) -> list[str]:
        return sorted({e.name for e in _waiting_events(wf) if e.event_type == "MessageEventDefinition"})

    def evaluate(self, task, expression: str):
        return self.script_engine.evaluate(task, expression)

    # -- reading -------------------------------------------------------------
    def snapshot(self, wf: BpmnWorkflow) -> Snapshot:
        ready = []
        for task in wf.get_tasks(state=TaskState.READY, manual=True):
            ready.append(self._ready_task(task))
        end_event = self.outcome_end_event(wf)
        return Snapshot(
            ready_tasks=ready,
            data=self._current_data(wf, ready),
            completed=wf.completed,
            end_event=end_event,
            next_timer_at=self.next_timer_at(wf),
            notifications=list(self.notifications),
            fired_timers=list(self.fired),
            silent_timers=[name for i, name in enumerate(self.fired) if i not in self._announced],
            stalled_at=self.stalled_at(wf, ready),
            passed=tuple(self.passed),
        )

    @staticmethod
    def stalled_at(wf: BpmnWorkflow, ready: list) -> tuple[str, str] | None:
        """Where an instance stands that nothing can move on: not completed, no user task ready and no
        event (timer, message, signal) waited for. A parallel join waiting for a path an exclusive
        gateway did not take is the usual cause; the deploy check cannot see it, the run can."""
        if ready or wf.completed or wf.event_manager.tasks:
            return None
        waiting = [t for t in wf.get_tasks(state=TaskState.WAITING)  # the innermost: not a subprocess's host
                   if t.task_spec.bpmn_id and t.id not in wf.subprocesses]
        task = waiting[0] if waiting else wf.last_task
        if task is None:
            return ("", "")
        return (task.task_spec.bpmn_id or "", task.task_spec.bpmn_name or "")

    @staticmethod
    def outcome_end_event(wf: BpmnWorkflow) -> str:
        """The name of the end event the main flow reached ('' while it has not).

        End events after a non-interrupting boundary event (a reminder, an escalation) are side
        branches: they do not decide how the process ended.
        """
        ends = [t for t in wf.get_tasks(state=TaskState.COMPLETED)
                if isinstance(t.task_spec, EndEvent) and t.workflow is wf and not pruning.in_side_branch(t)]
        dropped = pruning.pruned_end(wf)  # an end reached before a long loop's history was shortened
        if not ends:
            return dropped[1] if dropped else ""
        last = max(ends, key=lambda t: t.last_state_change)
        if dropped and dropped[0] > last.last_state_change:
            return dropped[1]
        return last.task_spec.bpmn_name or last.task_spec.bpmn_id

    def _ready_task(self, task) -> ReadyTask:
        spec = task.task_spec
        meta = self.task_meta.get(spec.bpmn_id, {})
        groups = [str(self._eval(task, g)) for g in meta.get("candidate_groups", [])]
        users = [str(self._eval(task, u)) for u in meta.get("candidate_users", [])]
        assignee = self._eval(task, meta["assignee"]) if meta.get("assignee") else None
        due_at = self._instant(task, meta.get("due_date"), "到期时间", "dueDate")
        follow_up_at = self._instant(task, meta.get("follow_up_date"), "跟进时间", "followUpDate")
        try:
            data = SERIALIZER.registry.convert(dict(task.data))
            json.dumps(data)  # what the work item stores: a set put into a list in place (x.append({2})) fails here
        except RecursionError as exc:  # (a list in a list … hundreds deep: small, but past the serializer's recursion)
            cause = sizes.TooLarge("流程数据嵌套过深（列表或字典套了几百层），无法保存：请检查前面生成这些数据的脚本")
            raise errors.engine_error(cause, EngineError, task) from exc
        except (TypeError, ValueError) as exc:  # (the script's own variables were checked as it ended: storable.py)
            found = next((p for k, v in task.data.items() if (p := storable.problem(k, v))), None)
            cause = ExpressionError(f"流程数据无法保存：{found or '其中有无法保存的值'}（它可能是之前的脚本原地放进去的）")
            raise errors.engine_error(cause, EngineError, task) from exc
        return ReadyTask(
            guid=str(task.id),
            spec_name=spec.bpmn_id,
            title=meta.get("title") or spec.bpmn_name or spec.bpmn_id,
            lane=spec.lane or "",
            candidate_groups=[g for g in groups if g and g != "None"],
            candidate_users=[u for u in users if u and u != "None"],
            assignee=str(assignee) if assignee else None,
            due_at=due_at,
            form_key=meta.get("form_key", ""),
            ticket_state=meta.get("ticket_state", ""),
            data=data,
            follow_up_at=follow_up_at,
        )

    def _instant(self, task, expression: str | None, what: str, attribute: str) -> datetime | None:
        """A user task's ``camunda:dueDate`` or ``followUpDate``, evaluated: None when not set. It is evaluated
        again at every save (a 延期 moves the variables it reads), but "now" is the instant the task became
        ready, kept on the task: a duration (PT10M) or ``add_workdays(now(), 2)`` does not drift with each save."""
        if not expression:
            return None
        since = self._ready_since(task)
        value = self._eval(task, expression, {"now": lambda: to_iso(since)})
        try:
            return due_instant(value, since) if value else None
        except Exception as exc:
            spec = task.task_spec
            raise EngineError(f"步骤「{spec.bpmn_name or spec.bpmn_id}」的{what} {value!r} 不是日期、时长或日期时间",
                              spec.bpmn_id, spec.bpmn_name or "", f"{attribute} {expression!r} -> {value!r}: {exc}"
                              ) from exc

    def _ready_since(self, task) -> datetime:
        since = task.internal_data.get("jiesu_ready_at")
        if since is None:
            at = clock.now()
            if task.last_state_change < self._began:  # ready before this operation (an instance saved before
                # the instant was kept): SpiffWorkflow's own record of it, in real time, moved onto our clock
                at += datetime.fromtimestamp(task.last_state_change, UTC) - datetime.now(UTC)
            since = task.internal_data["jiesu_ready_at"] = to_iso(at)
        return to_datetime(since)

    def _eval(self, task, expression: str, context: dict | None = None):
        try:
            return self.script_engine.evaluate(task, expression, context)
        except Exception as exc:
            raise errors.engine_error(exc, EngineError, task, expression) from exc

    @staticmethod
    def _current_data(wf: BpmnWorkflow, ready: list[ReadyTask]) -> dict:
        if wf.completed:
            return dict(wf.data)
        main = [r for r in ready if r.ticket_state] or ready
        if main:
            return dict(wf.get_task_from_id(UUID(main[0].guid)).data)
        return dict(wf.last_task.data) if wf.last_task is not None else {}

    @staticmethod
    def next_timer_at(wf: BpmnWorkflow) -> datetime | None:
        """The earliest instant at which a waiting timer of this instance is due."""
        instants = []
        for event in _waiting_events(wf):
            if event.event_type not in _TIMER_TYPES:
                continue
            value = event.value
            if isinstance(value, dict):
                value = value.get("next")
            if value:
                instants.append(TimerEventDefinition.get_datetime(value) if isinstance(value, str) else value)
        return min(instants) if instants else None

    def task_data(self, wf: BpmnWorkflow, guid: str) -> dict:
        task = wf.get_task_from_id(UUID(guid))
        return dict(task.data) if task is not None else {}


def restore_data(converted: dict) -> dict:
    """A ready task's variables as the engine had them (``ReadyTask.data`` is their JSON form)."""
    return SERIALIZER.registry.restore(converted)


def _waiting_events(wf: BpmnWorkflow) -> list:
    """``wf.waiting_events()``, with the events an event-based gateway waits for listed one by one.

    SpiffWorkflow reports such a gateway as a single MultipleEventDefinition without a name
    or a due time; its timer's due time is kept on the gateway task, where ``details`` reads it.
    """
    events = []
    for task in wf.event_manager.tasks.values():
        definition = task.task_spec.event_definition
        for member in getattr(definition, "event_definitions", None) or [definition]:
            events.append(member.details(task))
    return events



def now():
    return clock.now()
