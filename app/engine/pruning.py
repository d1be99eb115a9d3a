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
still there when a calendar change recomputes it (``migration.recompute_moves``). An instance whose open
tasks start near the root (a parallel branch or an event subprocess open from the start) is left as it is.
"""

from __future__ import annotations

from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.util.task import TaskState

PRUNE_AT = 200  # levels above everything open before the history is shortened
KEEP = 50  # finished levels kept directly above it
PRUNED_PATH = "jiesu_pruned_path"  # root task's internal data: element ids of the dropped tasks, in order
PRUNED_END = "jiesu_pruned_end"  # root task's internal data: (time, name) of the latest dropped end event


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


def prune(wf) -> int:
    """Shorten the finished path of the top-level workflow ``wf`` (see the module's docstring); returns the
    number of tasks dropped (0, at once, for an instance of fewer than PRUNE_AT tasks)."""
    if len(wf.tasks) < PRUNE_AT:
        return 0
    chain = _common_level(wf)
    if chain is None:
        return 0
    root, top = wf.task_tree, chain[max(1, len(chain) - 1 - KEEP)]
    kept = _subtree_ids(top)
    kept.add(root.id)
    dropped = [t for t in wf.tasks.values() if t.id not in kept]

    passed = [t for t in dropped if t.state == TaskState.COMPLETED and t.task_spec.bpmn_id]
    passed.sort(key=lambda t: t.last_state_change)
    path = dict.fromkeys(root.internal_data.get(PRUNED_PATH, []))
    path.update(dict.fromkeys(t.task_spec.bpmn_id for t in passed))
    root.internal_data[PRUNED_PATH] = list(path)
    ends = [t for t in passed if isinstance(t.task_spec, EndEvent) and not _after_boundary_event(t)]
    if ends:
        last = ends[-1]
        root.internal_data[PRUNED_END] = [last.last_state_change, last.task_spec.bpmn_name or last.task_spec.bpmn_id]

    for task in dropped:
        if task.id in wf.subprocesses:
            wf.delete_subprocess(task)
    for task in dropped:
        del wf.tasks[task.id]
        wf.event_manager.remove_task(task)
    root._children = [top.id]
    top._parent = root.id
    if wf.last_task is not None and wf.last_task.id not in kept:
        wf.last_task = None
    return len(dropped)


def _after_boundary_event(task) -> bool:
    parent = task.parent
    while parent is not None:
        if isinstance(parent.task_spec, BoundaryEvent):
            return True
        parent = parent.parent
    return False


def pruned_path(wf) -> list[str]:
    return list(wf.task_tree.internal_data.get(PRUNED_PATH, ())) if wf.task_tree is not None else []


def pruned_end(wf) -> tuple[float, str] | None:
    value = wf.task_tree.internal_data.get(PRUNED_END) if wf.task_tree is not None else None
    return (value[0], value[1]) if value else None
