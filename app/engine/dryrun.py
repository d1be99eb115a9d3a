"""Dry run: start a diagram on a virtual clock, walk its default path, fire its timers.

Every user task met is completed with sample values (the form's defaults, the first option
of a choice, or what the process owner gives), every timer on the way is fired by moving
this thread's virtual clock (the rest of the app keeps its time), and the report lists the
path, each timer's due instant and the tasks met. A function that does not exist, a due date
that is no date, a gateway no condition leads out of: each is reported with its element
before a ticket meets it. Nothing is stored.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from SpiffWorkflow.bpmn.specs.event_definitions.conditional import ConditionalEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import SignalEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.util.task import TaskState

from app.engine import specs, start_forms
from app.engine.checks import ERROR, WARNING, CheckContext, Problem
from app.engine.clock import LOCAL_TZ, MAX_DURATION_YEARS, clock
from app.engine.dialect import is_juel
from app.engine.runtime import EngineError, Runtime

MAX_STEPS = 200


@dataclass
class DryRunReport:
    path: list[str] = field(default_factory=list)  # element ids in the order they completed
    timers: list[dict] = field(default_factory=list)  # element_id, element_name, due (ISO), fired
    user_tasks: list[dict] = field(default_factory=list)  # element_id, element_name, groups, assignee, due
    problems: list[Problem] = field(default_factory=list)
    completed: bool = False
    end_event: str = ""
    started_at: str = ""
    ended_at: str = ""
    timers_repeat: bool = False  # stopped where a timer loop came round again

    @property
    def ok(self) -> bool:
        return not any(p.severity == ERROR for p in self.problems)

    def as_dict(self) -> dict:
        data = asdict(self)
        data["ok"] = self.ok
        return data


def _iso(value: datetime | None) -> str:
    return value.astimezone(LOCAL_TZ).isoformat(timespec="seconds") if value else ""


def _due(task) -> datetime | None:
    value = task._get_internal_data("event_value")
    if isinstance(value, dict):
        value = value.get("next")
    if not value:
        return None
    try:
        return TimerEventDefinition.get_datetime(value) if isinstance(value, str) else value
    except Exception:
        return None


def _timer_tasks(wf) -> list:
    """(task, definition) for every timer the instance waits on (event-based gateways included)."""
    found = []
    for task in wf.event_manager.tasks.values():
        definition = task.task_spec.event_definition
        for member in getattr(definition, "event_definitions", None) or [definition]:
            if isinstance(member, TimerEventDefinition):
                found.append(task)
    return found


def _waiting_for(wf, kind) -> list:
    """(task, definition) for each event of ``kind`` (signal, conditional) the instance waits on."""
    found = []
    for task in wf.event_manager.tasks.values():
        definition = task.task_spec.event_definition
        found.extend((task, member) for member in getattr(definition, "event_definitions", None) or [definition]
                     if isinstance(member, kind))
    return found


def _sample_values(meta: dict, sample: dict, now: datetime) -> dict:
    values = {}
    for spec in meta.get("fields", []):
        default = spec.get("default")
        if isinstance(default, str) and is_juel(default):
            default = None  # computed per task (often the variable's own value): the sample's, else as if empty
        kind = spec.get("type")
        if kind == "enum":
            options = [o[0] for o in spec.get("options", [])]
            value = default if default not in (None, "") else (options[0] if options else None)
        elif kind == "boolean":
            value = str(default).lower() == "true"
        elif kind == "long":
            value = int(default) if default not in (None, "") and str(default).lstrip("-").isdigit() else 0
        elif kind == "date":
            value = default or _iso(now)
        elif kind == "file":
            value = None
        elif default not in (None, ""):
            value = default
        elif any(word in spec["id"] for word in ("date", "expiry", "deadline", "_at", "time")):
            value = _iso(now + timedelta(days=30))  # a text field that holds a date
        else:
            value = "试运行"
        values[spec["id"]] = value
    values.update({k: v for k, v in sample.items() if k in values})
    return values


def _start_values(xml: bytes, process_key: str, now: datetime) -> dict:
    """What starting the process by hand gives it (start_forms.py): its start form's fields, sampled as a
    task's are, and the ``camunda:initiator`` variable. The sample the owner typed wins over these."""
    values = _sample_values(start_forms.start_form(xml, process_key), {}, now)
    who = start_forms.initiator(xml, process_key)
    if who:
        values[who] = "试运行发起人"  # (whoever starts it; an assignee written ${initiator} gets this)
    return values


def run(xml: bytes, sample: dict, context: CheckContext | None, calendar, functions: dict,
        start: datetime | None = None) -> DryRunReport:
    report = DryRunReport()
    try:
        parsed = specs.parse(xml, context=context)
    except specs.DiagramError as exc:
        report.problems = list(exc.report.problems)
        return report
    report.problems = list(parsed.report.problems)
    sample = {**_start_values(xml, parsed.process_key, start or clock.now()), **sample}
    runtime = Runtime(None, None, parsed.task_meta, calendar, functions,
                      specs=(parsed.spec, parsed.subprocess_specs))
    timers: dict = {}  # task id -> entry

    def observe(task):
        spec = task.task_spec
        if getattr(spec, "bpmn_id", None):
            report.path.append(spec.bpmn_id)
        if isinstance(getattr(spec, "event_definition", None), TimerEventDefinition) and task.id in timers:
            timers[task.id]["fired"] = True

    runtime.observers.append(observe)
    at = start or clock.now()
    report.started_at = _iso(at)
    with clock.virtual(at):
        try:
            _walk(runtime, parsed, sample, report, timers)
        except EngineError as exc:  # the Chinese reason, with the expression; the engine's English stays in logs
            expression = getattr(exc, "expression", "")
            report.problems.append(Problem(exc.element_id, exc.element_name,
                                           f"{exc}（表达式 {expression!r}）" if expression else str(exc)))
        report.ended_at = _iso(clock.now())
    report.timers = list(timers.values())
    return report


def _walk(runtime: Runtime, parsed, sample: dict, report: DryRunReport, timers: dict) -> None:
    wf = runtime.new(dict(sample))
    runtime.run(wf)
    fired_ids: set = set()
    for _step in range(MAX_STEPS):
        waiting = _timer_tasks(wf)
        for task in waiting:
            if task.id not in timers:
                spec = task.task_spec
                if any(t["element_id"] == spec.bpmn_id and t["fired"] for t in timers.values()):
                    report.problems.append(Problem(spec.bpmn_id, spec.bpmn_name or "",
                                                   "流程循环回到这个定时器（周期性工作），试运行到此为止", WARNING))
                    report.timers_repeat = True
                    return
                timers[task.id] = {"element_id": spec.bpmn_id, "element_name": spec.bpmn_name or "",
                                   "due": _iso(_due(task)), "fired": False}
        if wf.completed:
            report.completed = True
            report.end_event = runtime.outcome_end_event(wf)
            return
        ready = wf.get_tasks(state=TaskState.READY, manual=True)
        # timers that do not cut the default path short: intermediate ones, non-interrupting boundaries
        passive = [t for t in waiting if t.id not in fired_ids and _due(t) is not None
                   and not (isinstance(t.task_spec, BoundaryEvent) and t.task_spec.cancel_activity)]
        if ready and not passive:
            task = ready[0]
            met = runtime._ready_task(task)  # evaluates assignee, candidate groups and due date
            report.user_tasks.append({"element_id": met.spec_name, "element_name": met.title,
                                      "candidate_groups": met.candidate_groups + [f"user:{u}" for u in
                                                                                  met.candidate_users],
                                      "assignee": met.assignee, "due": _iso(met.due_at)})
            values = _sample_values(runtime.task_meta.get(met.spec_name, {}), sample, clock.now())
            values[f"{met.spec_name}_by"] = "dryrun"
            report.path.append(met.spec_name)
            runtime.complete(wf, met.guid, values)
            continue
        candidates = passive or [t for t in waiting if _due(t) is not None]
        if candidates:
            task = min(candidates, key=_due)
            fired_ids.add(task.id)
            due = _due(task)
            if due.year > clock.now().year + MAX_DURATION_YEARS:  # (9999-12-31 plus a second is no date)
                spec = task.task_spec
                report.problems.append(Problem(spec.bpmn_id, spec.bpmn_name or "",
                                               f"定时器到期时间 {_iso(due)} 在 {MAX_DURATION_YEARS} 年以后：不像有效的时限"
                                               "（请检查计算它的表达式或数据），试运行不再等它，到此为止"))
                return
            if due > clock.now():
                clock.set_virtual(due + timedelta(seconds=1))
            runtime.run(wf)
            continue
        messages = runtime.waiting_messages(wf)
        signals, conditions = _waiting_for(wf, SignalEventDefinition), _waiting_for(wf, ConditionalEventDefinition)
        if messages:
            report.problems.append(Problem("", "", f"流程在等待消息：{'、'.join(messages)}；试运行不发送消息，到此为止",
                                           WARNING))
        elif signals:
            task, definition = signals[0]
            names = "、".join(dict.fromkeys(d.name or t.task_spec.bpmn_id for t, d in signals))
            report.problems.append(Problem(task.task_spec.bpmn_id, task.task_spec.bpmn_name or "",
                                           f"流程在等待信号：{names}，但流程中已没有步骤会发出它（本系统不在流程之间传递信号）："
                                           "请在同一流程中用信号抛出事件发出它，或改用消息事件"))
        elif conditions:
            task, definition = conditions[0]
            report.problems.append(Problem(task.task_spec.bpmn_id, task.task_spec.bpmn_name or "",
                                           f"流程在等待条件事件的条件 {definition.expression!r} 成立，但已没有步骤能改变流程数据："
                                           "请检查条件，或在示例数据中给出它用到的变量"))
        else:
            report.problems.append(Problem("", "", "流程停住了：没有可办理的任务，也没有等待中的定时器"))
        return
    report.problems.append(Problem("", "", f"试运行走了 {MAX_STEPS} 步仍未结束（流程可能在循环）", WARNING))
