"""Long-running loops: the finished path of an instance is shortened, so that it can run for years.

SpiffWorkflow keeps every task an instance has passed, each one level below the one before it. A loop
gets a level deeper with every element it passes: 报表周期 (report_cycle.bpmn) passes four every working
day. Every operation walks the whole tree, the stored state grows by about 0.4 KB a level, and at 1,000
levels SpiffWorkflow finds no task below (``sizes.MAX_TREE_DEPTH`` stops the instance first, with a
message): the daily reports stopped after about a year.

When everything still open (ready, waiting or predicted tasks) lies under one task more than ``PRUNE_AT``
levels down, the finished levels above it are dropped, except the ``KEEP`` nearest, together with the
finished branches that hang off them and the subprocesses of dropped tasks. Nothing open is touched, and
what the rest of the engine reads from the history is kept on the root task: the element ids passed (the
path shown on the diagram, ``progress.path``) and the main flow's end event (``Runtime.outcome_end_event``).
The ``KEEP`` levels cover the loop's current round, so the script that set a waiting timer's deadline is
still there when a calendar change recomputes it (``migration.recompute_moves``); a deadline script that ran
before them (a due date set once, or some rounds ago) is kept on the root too: its name, the data it ran on,
what it set and when (``dropped_scripts``), which is all the recomputation reads. The path includes the steps
of dropped subprocesses and call activities. An instance whose open tasks start near the root is left as it
is: a parallel branch open since the start, a timer-started event subprocess (waiting from the start), a
message-started one once it has run (SpiffWorkflow 3.2 starts it under the root and leaves a join predicted
there), a loop inside a subprocess or called process (only the top level is shortened). So is, for the moment,
one whose latest completed step would be dropped: the snapshot reads its data while nothing is ready.
"""

from __future__ import annotations

from copy import deepcopy
from types import SimpleNamespace

from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.util.task import TaskState

from app.engine.deadlines import assigned

PRUNE_AT = 200  # levels above everything open before the history is shortened
KEEP = 50  # finished levels kept directly above it
PRUNED_PATH = "jiesu_pruned_path"  # root task's internal data: element ids of the dropped tasks, in order
PRUNED_END = "jiesu_pruned_end"  # root task's internal data: (time, name) of the latest dropped end event
# root task's internal data: the latest dropped run of each deadline script, by "process spec:task spec"
PRUNED_SCRIPTS = "jiesu_pruned_scripts"


def _chain(task) -> list:
    """The task and its ancestors, root first."""
    chain = []
    while task is not None:
        chain.append(task)
        task = task.parent
    chain.reverse()
    return chain


def _common_level(wf) -> list | None:
    """The root-first chain down to the deepest task every open task lies under, or None when that task
    is not deeper than PRUNE_AT (or nothing is open)."""
    open_tasks = [t for t in wf.tasks.values() if not t.has_state(TaskState.FINISHED_MASK)]
    if not open_tasks:
        return None
    chain = _chain(open_tasks[0])
    level = {t.id: i for i, t in enumerate(chain)}
    deepest = len(chain) - 1
    for task in open_tasks[1:]:
        while task.id not in level:
            task = task.parent
        deepest = min(deepest, level[task.id])
        if deepest <= PRUNE_AT:
            return None
    return chain[:deepest + 1] if deepest > PRUNE_AT else None


def _subtree_ids(top) -> set:
    ids, stack = set(), [top]
    while stack:
        task = stack.pop()
        ids.add(task.id)
        stack.extend(task.children)
    return ids


def _subprocess_tasks(wf, task) -> list:
    """The tasks of the subprocess (or called process) a task ran, and of the ones nested in it."""
    sp = wf.subprocesses.get(task.id)
    if sp is None:
        return []
    tasks = list(sp.tasks.values())
    for inner in list(tasks):
        tasks.extend(_subprocess_tasks(wf, inner))
    return tasks


def prune(wf, deadlines=None) -> int:
    """Shorten the finished path of the top-level workflow ``wf`` (see the module's docstring); returns the
    number of tasks dropped (0, at once, for an instance of fewer than PRUNE_AT tasks). ``deadlines``: a
    callable giving the variables timers and due dates read (``deadlines.deadline_names``); the dropped
    scripts that set one are kept on the root for a later recomputation (every dropped script when None)."""
    if len(wf.tasks) < PRUNE_AT:
        return 0
    chain = _common_level(wf)
    if chain is None:
        return 0
    root, top = wf.task_tree, chain[max(1, len(chain) - 1 - KEEP)]
    kept = _subtree_ids(top)
    kept.add(root.id)
    if wf.last_task is not None and wf.last_task.id not in kept:
        return 0  # the snapshot's data comes from it while nothing is ready: later
    dropped = [t for t in wf.tasks.values() if t.id not in kept]
    inner = [t for task in dropped for t in _subprocess_tasks(wf, task)]

    passed = [t for t in dropped + inner if t.state == TaskState.COMPLETED and t.task_spec.bpmn_id]
    passed.sort(key=lambda t: t.last_state_change)
    path = dict.fromkeys(root.internal_data.get(PRUNED_PATH, []))
    path.update(dict.fromkeys(t.task_spec.bpmn_id for t in passed))
    root.internal_data[PRUNED_PATH] = list(path)
    ends = [t for t in passed if isinstance(t.task_spec, EndEvent) and t.workflow is wf
            and not in_side_branch(t)]
    if ends:
        last = ends[-1]
        root.internal_data[PRUNED_END] = [last.last_state_change, last.task_spec.bpmn_name or last.task_spec.bpmn_id]
    _keep_scripts(root, passed, deadlines() if deadlines is not None else None)

    for task in dropped:
        if task.id in wf.subprocesses:
            wf.delete_subprocess(task)
    for task in dropped:
        del wf.tasks[task.id]
        wf.event_manager.remove_task(task)
    root._children = [top.id]
    top._parent = root.id
    return len(dropped)


def _keep_scripts(root, passed: list, deadlines: set[str] | None) -> None:
    """The latest dropped run of each script that set a deadline: what ``migration.recompute_moves`` reads."""
    scripts = dict(root.internal_data.get(PRUNED_SCRIPTS, {}))
    for task in passed:  # oldest first: a later run of the same script replaces an earlier one
        script = getattr(task.task_spec, "script", None)
        if not script:
            continue
        outputs = assigned(script)
        if deadlines is not None:
            outputs &= deadlines
        if not outputs:
            continue
        scripts[f"{task.workflow.spec.name}:{task.task_spec.name}"] = {
            "spec": task.workflow.spec.name, "task": task.task_spec.name,
            "parent_data": deepcopy(task.parent.data) if task.parent is not None else {},
            "data": {k: deepcopy(task.data[k]) for k in sorted(outputs) if k in task.data},
            "ran_at": task.internal_data.get("jiesu_ran_at"), "at": task.last_state_change,
        }
    if scripts:
        root.internal_data[PRUNED_SCRIPTS] = scripts


def dropped_scripts(wf, spec, subprocess_specs: dict) -> list:
    """Stand-ins for the deadline scripts dropped from the path, with what ``migration.recompute_moves`` reads of
    a completed script task (its spec from ``spec`` / ``subprocess_specs``: a migrated instance's new version)."""
    records = wf.task_tree.internal_data.get(PRUNED_SCRIPTS, {}) if wf.task_tree is not None else {}
    out = []
    for record in records.values():
        process = spec if record["spec"] == spec.name else subprocess_specs.get(record["spec"])
        task_spec = process.task_specs.get(record["task"]) if process is not None else None
        if task_spec is None or not getattr(task_spec, "script", None):
            continue  # gone from this version
        out.append(SimpleNamespace(
            task_spec=task_spec, parent=SimpleNamespace(data=record["parent_data"]), data=record["data"],
            internal_data={"jiesu_ran_at": record["ran_at"]} if record["ran_at"] else {},
            last_state_change=record["at"]))
    return out


def in_side_branch(task) -> bool:
    """After a non-interrupting boundary event (a reminder, an escalation beside the task): a side branch, whose end
    does not decide how the process ended. An interrupting one (申诉期限 of exclusion.bpmn) replaces its task: its
    path is the main flow."""
    parent = task.parent
    while parent is not None:
        if isinstance(parent.task_spec, BoundaryEvent) and not parent.task_spec.cancel_activity:
            return True
        parent = parent.parent
    return False


def pruned_path(wf) -> list[str]:
    return list(wf.task_tree.internal_data.get(PRUNED_PATH, ())) if wf.task_tree is not None else []


def pruned_end(wf) -> tuple[float, str] | None:
    value = wf.task_tree.internal_data.get(PRUNED_END) if wf.task_tree is not None else None
    return (value[0], value[1]) if value else None
