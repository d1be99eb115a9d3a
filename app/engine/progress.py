"""Where an instance stands, as element ids of its diagram: the path taken, the open tasks,
the waiting timers with their due instants. Plain data for the ticket page's viewer, the
dry run and the per-process counts (like Camunda Cockpit)."""

from __future__ import annotations

from collections import Counter

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.util.task import TaskState

from app.engine import instances, pruning
from app.engine.expressions import to_iso
from app.models import ProcessInstance

_TIMER_TYPES = {"TimeDateEventDefinition", "DurationTimerEventDefinition", "CycleTimerEventDefinition"}


def path(wf) -> list[str]:
    """Element ids of the completed tasks, in the order they completed (each once)."""
    done = [t for t in wf.get_tasks(state=TaskState.COMPLETED) if t.task_spec.bpmn_id]
    done.sort(key=lambda t: t.last_state_change)
    seen: dict[str, None] = dict.fromkeys(pruning.pruned_path(wf))  # before a long loop's history was shortened
    for task in done:
        seen.setdefault(task.task_spec.bpmn_id, None)
    return list(seen)


def open_tasks(wf) -> list[dict]:
    return [{"element_id": t.task_spec.bpmn_id, "guid": str(t.id), "title": t.task_spec.bpmn_name or t.task_spec.bpmn_id}
            for t in wf.get_tasks(state=TaskState.READY, manual=True)]


def waiting(wf) -> list[str]:
    return sorted({t.task_spec.bpmn_id for t in wf.get_tasks(state=TaskState.WAITING) if t.task_spec.bpmn_id})


def _timer_element(task, member) -> tuple[str, str]:
    """The catch event a waiting timer belongs to (on an event-based gateway, the gateway's target)."""
    spec = task.task_spec
    if getattr(spec.event_definition, "event_definitions", None):
        for output in spec.outputs:
            if getattr(output, "event_definition", None) is member:
                return output.bpmn_id, output.bpmn_name or ""
    return spec.bpmn_id, spec.bpmn_name or ""


def timers(wf) -> list[dict]:
    """Each waiting timer with its due instant (ISO, Asia/Shanghai), earliest first."""
    out = []
    for task in wf.event_manager.tasks.values():
        definition = task.task_spec.event_definition
        for member in getattr(definition, "event_definitions", None) or [definition]:
            if not isinstance(member, TimerEventDefinition):
                continue
            details = member.details(task)
            value = details.value
            if isinstance(value, dict):
                value = value.get("next")
            if not value:
                continue
            due = TimerEventDefinition.get_datetime(value) if isinstance(value, str) else value
            element_id, name = _timer_element(task, member)
            out.append({"element_id": element_id, "element_name": name or member.name or "", "due": to_iso(due),
                        "guid": str(task.id)})
    out.sort(key=lambda t: t["due"])
    return out


def instance_progress(instance: ProcessInstance) -> dict:
    """path / open_tasks / timers / waiting of a stored instance (nothing is saved)."""
    runtime = instances._runtime(instance.version)
    wf = runtime.load(instance.state_json)
    return {"path": path(wf), "open_tasks": open_tasks(wf), "timers": timers(wf), "waiting": waiting(wf)}


def element_counts(instance_list: list[ProcessInstance]) -> dict[str, int]:
    """How many of these instances wait at each element now (open tasks and waiting events)."""
    counts: Counter = Counter()
    for instance in instance_list:
        runtime = instances._runtime(instance.version)
        wf = runtime.load(instance.state_json)
        here = {t["element_id"] for t in open_tasks(wf)} | set(waiting(wf))
        counts.update(here)
    return dict(counts)
