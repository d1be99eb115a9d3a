"""Moving a running instance to another version of its process, and recomputing its deadlines.

Migration uses SpiffWorkflow's own diff and migration utilities (``SpiffWorkflow.bpmn.util.diff``):
tasks are aligned by element id, waiting and ready tasks are reset onto the new version's specs
(their timers re-armed from the new expressions), and the result is serialized and loaded again
before anything is saved, so a preview that says "safe" has really run the migration.

Unsafe (refused, nothing changes) when a task that already ran was changed in a way the
migration cannot redo (its routing, its type), when the step an instance waits at, or a step it
already passed, is gone from the new version, or when the migrated state cannot be saved.
A merging exclusive gateway the new version puts in front of a step (bpmnlint's fake-join fix) is no
change of routing for a gateway that already led to that step.
Already-run changes the migration *can* redo are the deadline computations: a script task
whose outputs feed timers or due dates is evaluated again (``recompute``) with the rules in
force and ``now()`` as it was when the script ran.

``recompute`` alone serves rule and calendar changes ("重算未办结工单的时限").
"""

from __future__ import annotations

import json
import logging
from copy import deepcopy
from dataclasses import dataclass, field
from datetime import UTC, datetime

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.util.diff import diff_workflow, migrate_workflow
from SpiffWorkflow.util.task import TaskState

from app.engine import errors, instances, progress, pruning
from app.engine.deadlines import assigned as _assigned
from app.engine.deadlines import deadline_names
from app.engine.deadlines import read_names as _names
from app.engine.expressions import to_datetime, to_iso
from app.engine.runtime import EngineError, Runtime, Snapshot
from app.engine.specs import SPEC_REGISTRY
from app.models import ProcessInstance, ProcessVersion

log = logging.getLogger(__name__)

# spec attributes whose change does not matter to a task that already ran (its links to other steps
# included: where it led is history; a gateway's conditions are not, see cond_task_specs)
_COSMETIC = {"bpmn_name", "documentation", "form", "extensions", "lane", "description", "io_specification",
             "data_input_associations", "data_output_associations", "inputs", "outputs"}
_WAITING = TaskState.READY | TaskState.WAITING

# SpiffWorkflow's spec attributes, as a process owner names them (an attribute not listed is shown as it is)
_ATTRIBUTE_WORDS = {
    "bpmn_name": "名称", "documentation": "说明", "form": "表单", "extensions": "扩展属性", "lane": "泳道",
    "description": "描述", "io_specification": "输入输出", "data_input_associations": "数据输入",
    "data_output_associations": "数据输出", "inputs": "入口连线", "outputs": "出口连线", "script": "脚本",
    "cond_task_specs": "网关条件", "default_task_spec": "默认出口", "event_definition": "事件定义",
    "condition": "条件", "expression": "表达式", "prescript": "前置脚本", "postscript": "后置脚本",
    "cancel_activity": "是否中断", "manual": "是否人工", "loop_task": "循环", "cardinality": "循环次数",
    "collection": "集合", "element_var": "元素变量", "completion_condition": "完成条件", "spec": "被调用的流程",
    "attached_to": "依附的任务", "split_task": "拆分网关", "threshold": "合并阈值",
}


def _words(keys) -> str:
    return "、".join(sorted(_ATTRIBUTE_WORDS.get(k, k) for k in keys))


@dataclass
class MigrationResult:
    safe: bool
    reasons: list[str] = field(default_factory=list)  # why not, when unsafe
    notes: list[str] = field(default_factory=list)  # what changes
    deadlines: dict[str, list] = field(default_factory=dict)  # name -> [old ISO, new ISO]
    timers_before: list[dict] = field(default_factory=list)
    timers_after: list[dict] = field(default_factory=list)
    waiting_at: list[str] = field(default_factory=list)


# -- deadline recomputation ---------------------------------------------------------------------

def _ran_at(task) -> datetime:
    at = task.internal_data.get("jiesu_ran_at")
    return to_datetime(at) if at else datetime.fromtimestamp(task.last_state_change, UTC)


def _current_values(wf) -> dict:
    tasks = wf.get_tasks(state=_WAITING)
    data: dict = {}
    for task in tasks:
        for key, value in task.data.items():
            data.setdefault(key, value)
    return data


def _evaluate_script(runtime: Runtime, task) -> dict:
    context = deepcopy(task.parent.data if task.parent is not None else {})
    pinned = to_iso(_ran_at(task))
    runtime.script_engine.environment.execute(task.task_spec.script, context, external_context={"now": lambda: pinned})
    return context


def recompute_moves(runtime: Runtime, wf) -> dict[str, list]:
    """New values for deadline variables set by script tasks that already ran, under today's rules.

    A variable changed since its script ran (an approved extension, a later script) is left as it is.
    """
    deadlines = deadline_names(runtime)
    current = _current_values(wf)
    moves: dict[str, list] = {}
    done = [t for t in wf.get_tasks(state=TaskState.COMPLETED) if getattr(t.task_spec, "script", None)]
    done += pruning.dropped_scripts(wf, runtime.spec, runtime.subprocess_specs)  # before the path was shortened
    done.sort(key=lambda t: t.last_state_change)
    for task in done:
        outputs = _assigned(task.task_spec.script) & deadlines
        if not outputs:
            continue
        try:
            fresh = _evaluate_script(runtime, task)
        except Exception as exc:
            raise EngineError(f"重新计算 {task.task_spec.bpmn_name or task.task_spec.bpmn_id} 的时限失败：{_reason(exc)}",
                              task.task_spec.bpmn_id, task.task_spec.bpmn_name or "", f"{type(exc).__name__}: {exc}") from exc
        for name in outputs:
            if name in current and current[name] == task.data.get(name) and fresh.get(name) != current[name]:
                moves[name] = [current[name], fresh.get(name)]
    return moves


def _reason(exc: BaseException) -> str:
    """The Chinese reason shown for a failed recomputation or trial migration (the English goes to the log)."""
    if isinstance(exc, EngineError):
        return str(exc)
    log.warning("migration/recompute failed: %s: %s", type(exc).__name__, exc, exc_info=exc)
    return errors.explain(errors.root_cause(exc))


def apply_moves(wf, moves: dict[str, list]) -> None:
    """Waiting timers that read a moved variable forget their instant; open tasks see the new values."""
    values = {name: new for name, (_old, new) in moves.items()}
    for task in wf.get_tasks(state=_WAITING):
        definition = getattr(task.task_spec, "event_definition", None)
        members = getattr(definition, "event_definitions", None) or [definition]
        reads = set().union(*(_names(m.expression) for m in members if isinstance(m, TimerEventDefinition)))
        if task.state == TaskState.WAITING and reads & set(values):
            task.data.update(values)
            if task.parent is not None:
                task.parent.data.update(values)
            task.internal_data.pop("event_value", None)
            task.internal_data.pop("event_fired", None)
        elif task.state == TaskState.READY:
            task.data.update({k: v for k, v in values.items() if k in task.data})


def recompute_preview(instance: ProcessInstance) -> MigrationResult:
    """What ``recompute`` would move (with the rules and the calendar in force); nothing is saved."""
    runtime = instances._runtime(instance.version)
    wf = runtime.load(instance.state_json)
    return MigrationResult(safe=True, deadlines=recompute_moves(runtime, wf))


def recompute(instance: ProcessInstance) -> tuple[Snapshot, MigrationResult]:
    """Deadlines of a running instance computed again with the rules in force; saved."""
    runtime = instances._runtime(instance.version)
    wf = runtime.load(instance.state_json)
    result = MigrationResult(safe=True, timers_before=progress.timers(wf))
    result.deadlines = recompute_moves(runtime, wf)
    if result.deadlines:
        apply_moves(wf, result.deadlines)
        runtime.run(wf)
    result.timers_after = progress.timers(wf)
    snap = runtime.snapshot(wf)
    instances._save(instance, runtime, wf, snap)
    return snap, result


# -- migration ------------------------------------------------------------------------------------

def _label(task) -> str:
    spec = task.task_spec
    return f"{spec.bpmn_name or spec.bpmn_id}（{spec.bpmn_id}）"


def _check(diffs, spec_diffs, result: MigrationResult, runtime_old: Runtime, new_runtime: Runtime) -> None:
    deadlines = deadline_names(new_runtime)
    for wf_diff, spec_diff in zip(diffs, spec_diffs, strict=True):
        for task in wf_diff.removed:
            if not task.task_spec.bpmn_id:
                continue
            if task.state & _WAITING:
                result.reasons.append(f"正在等待的步骤 {_label(task)}在新版本中已不存在")
            elif task.state == TaskState.COMPLETED:
                result.reasons.append(f"已执行的步骤 {_label(task)}在新版本中已删除")
        for task in wf_diff.changed:
            if not task.task_spec.bpmn_id:
                continue
            keys = set(spec_diff.changed.get(task.task_spec, []))
            if task.state & _WAITING:
                result.notes.append(f"等待中的步骤 {_label(task)}按新版本重新开始等待（{_words(keys)}）")
            elif task.state == TaskState.COMPLETED:
                rest = {k for k in keys - _COSMETIC
                        if not _same_through_alignment(k, task.task_spec, spec_diff.alignment[task.task_spec], spec_diff)}
                if not rest:
                    continue
                if rest == {"script"}:
                    new_spec = spec_diff.alignment[task.task_spec]
                    outputs_old = _assigned(task.task_spec.script)
                    outputs_new = _assigned(new_spec.script)
                    if outputs_old == outputs_new and _same_non_deadline(task, new_spec, runtime_old, deadlines):
                        result.notes.append(f"已执行的脚本 {_label(task)}已修改：按新脚本重新计算时限")
                        continue
                    result.reasons.append(f"已执行的脚本 {_label(task)}改变了时限以外的变量，迁移无法补做")
                    continue
                result.reasons.append(f"已执行的步骤 {_label(task)}已修改（{_words(rest)}），迁移无法补做")


def _same_through_alignment(key: str, old, new, spec_diff) -> bool:
    """Links to other steps that differ only because those steps were renamed (and aligned), or because the
    new version put a merging gateway in front of them (see ``_past_merges``), are no change."""
    def mapped(name):
        aligned = spec_diff.alignment.get(old._wf_spec.task_specs.get(name)) if name else None
        return aligned.name if aligned is not None else (None if name is None else f"?{name}")

    def target(name):
        return _past_merges(new._wf_spec, name, spec_diff)

    if key == "default_task_spec":
        return mapped(getattr(old, key)) == target(getattr(new, key))
    if key == "cond_task_specs":
        before = SPEC_REGISTRY.convert(old).get(key) or []
        after = SPEC_REGISTRY.convert(new).get(key) or []
        return [(c["condition"], mapped(c["task_spec"])) for c in before] == \
            [(c["condition"], target(c["task_spec"])) for c in after]
    return False


def _past_merges(wf_spec, name: str | None, spec_diff) -> str | None:
    """The step a link of the new version reaches past the merging gateways the new version added.

    A merging gateway (exclusive, one outgoing flow, no condition) only passes the flow on: a gateway that
    already ran and now leads to one, which leads to the step it led to before, routes as it did (bpmnlint's
    fake-join fix puts such gateways in front of tasks). A parallel or inclusive join waits, so it is no
    pass-through; neither is a gateway the old version had (it is aligned, not added).
    """
    added = {spec.name for spec in spec_diff.added}
    seen = set()
    while name in added and name not in seen:
        seen.add(name)
        spec = wf_spec.task_specs.get(name)
        converted = SPEC_REGISTRY.convert(spec) if spec is not None else {}
        conditions = converted.get("cond_task_specs") or []
        if converted.get("typename") != "ExclusiveGateway" or len(spec.outputs) != 1 or \
                any(c.get("condition") for c in conditions):
            break
        name = spec.outputs[0].name
    return name


def _same_non_deadline(task, new_spec, runtime: Runtime, deadlines: set[str]) -> bool:
    """Does the new script give the same values as the old one for everything but the deadlines?"""
    context_old = deepcopy(task.parent.data)
    context_new = deepcopy(task.parent.data)
    pinned = to_iso(_ran_at(task))
    try:
        runtime.script_engine.environment.execute(task.task_spec.script, context_old, external_context={"now": lambda: pinned})
        runtime.script_engine.environment.execute(new_spec.script, context_new, external_context={"now": lambda: pinned})
    except Exception:
        return False
    keys = (set(context_old) | set(context_new)) - deadlines
    return all(context_old.get(k) == context_new.get(k) for k in keys)


def _migrate(instance: ProcessInstance, target: ProcessVersion):
    """The migration done in memory: (new runtime, migrated workflow, result)."""
    old_runtime = instances._runtime(instance.version)
    wf = old_runtime.load(instance.state_json)
    result = MigrationResult(safe=False, timers_before=progress.timers(wf), waiting_at=progress.waiting(wf)
                             + [t["element_id"] for t in progress.open_tasks(wf)])
    new_runtime = instances._runtime(target)
    top, sub = diff_workflow(SPEC_REGISTRY, wf, new_runtime.spec, new_runtime.subprocess_specs)
    pairs = [(top, wf, new_runtime.spec)]
    for sp_id, sp_diff in sub.items():
        sp = wf.subprocesses[sp_id]
        if sp_diff is None:
            result.reasons.append(f"子流程 {sp.spec.name} 在新版本中已不存在")
            continue
        pairs.append((sp_diff, sp, new_runtime.subprocess_specs[sp.spec.name]))
    from SpiffWorkflow.bpmn.util.diff import SpecDiff

    spec_diffs = [SpecDiff(SPEC_REGISTRY, w.spec, s) for _d, w, s in pairs]
    _check([d for d, _w, _s in pairs], spec_diffs, result, old_runtime, new_runtime)
    if result.reasons:
        return new_runtime, None, result
    kept = {t.id: deepcopy(t.data) for t in wf.get_tasks(state=_WAITING)}  # e.g. an approved extension's deadline
    try:
        for wf_diff, workflow, spec in pairs:
            migrate_workflow(wf_diff, workflow, spec)
        wf.subprocess_specs = new_runtime.subprocess_specs
        for task in wf.get_tasks(state=_WAITING | TaskState.FUTURE):
            if task.id in kept:
                task.data = kept[task.id]
        wf.script_engine = new_runtime.script_engine
        # the migrated state must save and load again before anything is stored
        wf = new_runtime.load(new_runtime.dump(wf))
        new_runtime.run(wf)
        result.deadlines = recompute_moves(new_runtime, wf)
        if result.deadlines:
            apply_moves(wf, result.deadlines)
            new_runtime.run(wf)
        new_runtime.snapshot(wf)  # candidate groups, assignees and due dates evaluate on the new version
        json.loads(new_runtime.dump(wf))
    except Exception as exc:  # whatever the engine says, the instance stays where it was
        result.reasons.append(f"迁移试算失败：{_reason(exc)}")
        return new_runtime, None, result
    result.safe = True
    result.timers_after = progress.timers(wf)
    return new_runtime, wf, result


def preview(instance: ProcessInstance, target: ProcessVersion) -> MigrationResult:
    """What migrating would do (nothing is saved)."""
    return _migrate(instance, target)[2]


def migrate(instance: ProcessInstance, target: ProcessVersion) -> tuple[Snapshot | None, MigrationResult]:
    """Migrate and save in the caller's transaction; (None, result) when unsafe."""
    runtime, wf, result = _migrate(instance, target)
    if wf is None:
        return None, result
    snap = runtime.snapshot(wf)
    instance.version_id = target.id
    instance.version = target
    instances._save(instance, runtime, wf, snap)
    return snap, result
