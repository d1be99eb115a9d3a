"""An interim dry run for the modeler, until engine-safety's ``app.services.deployment.dry_run`` lands.

Starts the diagram in memory (nothing stored) with sample data, completes every user task it
meets with its form defaults (first option of a choice) overlaid with the sample, and fires
the waiting timers one by one, noting each timer's due instant as computed at that point.
Reports the element ids passed, the timers, the user tasks met and the first problem.
"""

from __future__ import annotations

from uuid import UUID

from SpiffWorkflow.util.task import TaskState

from app.engine import calendar_store, specs
from app.engine.progress import path, timers, waiting
from app.engine.runtime import EngineError, Runtime

MAX_STEPS = 200


def _answers(meta: dict, sample: dict) -> dict:
    answers = {}
    for f in meta.get("fields", []):
        value = f.get("default")
        if value in (None, "") and f.get("options"):
            value = f["options"][0][0]
        if value in (None, "") and f.get("type") == "boolean":
            value = False
        answers[f["id"]] = value
    answers.update(sample)
    return answers


def dry_run(xml: bytes | str, sample_data: dict | None = None) -> dict:
    sample = dict(sample_data or {})
    problems: list[dict] = []
    try:
        parsed = specs.parse(xml)
    except specs.DiagramError as exc:
        return {"path": [], "timers": [], "user_tasks": [], "waiting": [], "completed": False,
                "problems": [{"element_id": "", "element_name": "", "severity": "error", "message": p}
                             for p in exc.problems]}
    runtime = Runtime(("dry-run", specs.checksum(parsed.xml)), specs.dump_specs(parsed), parsed.task_meta,
                      calendar_store.get_calendar())
    seen_timers: dict[str, dict] = {}
    user_tasks: list[dict] = []
    wf = None
    try:
        wf = runtime.new(sample)
        runtime.run(wf)
        for _ in range(MAX_STEPS):
            for timer in timers(wf):
                seen_timers.setdefault(timer["guid"], timer)
            ready = wf.get_tasks(state=TaskState.READY, manual=True)
            if ready:
                task = ready[0]
                meta = parsed.task_meta.get(task.task_spec.bpmn_id, {})
                user_tasks.append({"element_id": task.task_spec.bpmn_id, "element_name": meta.get("title", "")})
                runtime.snapshot(wf)  # evaluates candidate groups, assignee and due dates as the desk would
                runtime.complete(wf, str(task.id), _answers(meta, sample))
                continue
            pending = timers(wf)
            if wf.completed or not pending:
                break
            first = wf.get_task_from_id(UUID(pending[0]["guid"]))
            if getattr(first.task_spec.event_definition, "event_definitions", None):
                break  # an event-based gateway: its timer is reported, the run stops there
            first.internal_data["event_fired"] = True  # virtual time: this timer is due now
            runtime.run(wf)
    except EngineError as exc:
        problems.append({"element_id": "", "element_name": "", "severity": "error", "message": str(exc)})
    except Exception as exc:  # an expression failing inside the engine: name it, never a 500
        problems.append({"element_id": "", "element_name": "", "severity": "error", "message": f"试运行出错：{exc}"})
    result_timers = [{k: v for k, v in t.items() if k != "guid"} for t in seen_timers.values()]
    return {
        "path": path(wf) if wf is not None else [],
        "timers": result_timers,
        "user_tasks": user_tasks,
        "waiting": waiting(wf) if wf is not None else [],
        "completed": bool(wf is not None and wf.completed),
        "problems": problems,
    }
