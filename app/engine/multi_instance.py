"""Multi-instance activities: the loop cardinality evaluated once per start, the collection read as Camunda does.

SpiffWorkflow evaluated a parallel multi-instance's ``loopCardinality`` twice when the activity started
(once for the bound on instances, once to create them; Camunda's own spec class a third time to decide
whether it is a number or a collection), so a cardinality calling ``notify()`` raised two or three alerts
and an expensive one cost as much again. Here it is evaluated once, checked against
``sizes.MAX_INSTANCES``, and kept in the task's internal data.

Camunda's classes also worked out ``camunda:collection`` / ``camunda:elementVariable`` at every start by
changing the shared spec, and a stored version came back as SpiffWorkflow's default classes, which do not:
a collection ran in the dry run but failed in a real instance. ``settle`` does that once on the spec, when
it is parsed and when it is restored; a cardinality that is not a whole number (Camunda 7 also wants one)
is refused in Chinese, pointing to the collection.

``adopt`` gives a parsed spec these classes; ``SERIALIZER_ENTRIES`` restores stored ones as them (under the
type names already stored).
"""

from __future__ import annotations

from SpiffWorkflow.bpmn.serializer.default.task_spec import MultiInstanceTaskConverter
from SpiffWorkflow.bpmn.specs.data_spec import TaskDataReference
from SpiffWorkflow.bpmn.specs.defaults import ParallelMultiInstanceTask, SequentialMultiInstanceTask
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import SequentialMultiInstanceTask as SequentialMixin
from SpiffWorkflow.util.task import TaskState

from app.engine import sizes
from app.engine.evaluator import ExpressionError


def settle(spec) -> None:
    """What Camunda's classes decided at each start, decided once: a ``camunda:collection`` is both the input
    and the output, and the element variable receives each item (or the index, with a cardinality)."""
    if spec.cardinality is None and spec.data_input is None and spec.data_output is not None:
        spec.data_input = TaskDataReference(spec.data_output.bpmn_id)
    if spec.input_item is None and spec.output_item is not None:
        spec.input_item = TaskDataReference(spec.output_item.bpmn_id)


class _Once:
    """The planned number of instances, found once per start of the activity."""

    def _count(self, my_task) -> int:
        value = my_task.workflow.script_engine.evaluate(my_task, self.cardinality)
        if not isinstance(value, int) or isinstance(value, bool):
            raise ExpressionError(
                f"多实例的循环次数（loopCardinality）{self.cardinality.strip()[:80]!r} 得到 {value!r:.60}，不是整数："
                "要为名单中的每一项各办一次，请用集合（camunda:collection）和元素变量（camunda:elementVariable）")
        my_task.internal_data["cardinality"] = value
        return value

    def check_completion_condition(self, my_task):
        """The ``completionCondition``, with the counters Camunda gives it (its usual form is
        ``${nrOfCompletedInstances >= 2}``): without them such an activity failed at every completion."""
        merged = my_task.internal_data.get("merged", [])
        if not merged or self.condition is None:
            return None
        last = next(c for c in my_task.children if str(c.id) == merged[-1])
        return my_task.workflow.script_engine.evaluate(last, self.condition, counters(self, my_task, last))

    def _bound(self, my_task, count: int) -> None:
        if count > sizes.MAX_INSTANCES:
            error = sizes.too_many_instances(count)
            inner = my_task.workflow.spec.task_specs.get(self.task_spec)  # the activity, with its name
            error.task_spec = inner if getattr(inner, "bpmn_name", None) else self
            raise error


COUNTER_NAMES = ("nrOfInstances", "nrOfCompletedInstances", "nrOfActiveInstances", "loopCounter")


def counters(spec, my_task, last) -> dict:
    """Camunda's multi-instance variables as the completion condition reads them, after ``last`` completed."""
    completed = len(my_task.internal_data.get("merged", []))
    instances = list(spec._instances(my_task))
    if isinstance(spec, SequentialMixin):
        remaining = my_task.internal_data.get("remaining")
        planned = completed + len(remaining) if remaining is not None else my_task.internal_data.get("cardinality", 0)
        active = 1 if planned > completed else 0
    else:
        planned = len(instances)
        active = sum(1 for t in instances if not t.has_state(TaskState.FINISHED_MASK))
    index = last.internal_data.get("key_or_index")
    return {"nrOfInstances": planned, "nrOfCompletedInstances": completed, "nrOfActiveInstances": active,
            "loopCounter": index if isinstance(index, int) else completed - 1}


class JiesuParallelMultiInstanceTask(_Once, ParallelMultiInstanceTask):
    TYPENAME = "ParallelMultiInstanceTask"

    def create_children(self, my_task):
        if self.data_input is not None:
            data_input = self.data_input.get(my_task)
            if hasattr(data_input, "__len__"):
                self._bound(my_task, len(data_input))
            super().create_children(my_task)  # reads the collection, evaluates nothing
            return
        count = self._count(my_task)
        self._bound(my_task, count)
        if self.data_output is not None:
            self.init_data_output_with_cardinality(my_task)
        for index in range(count):  # with a cardinality, the index is the item
            self.create_child(my_task, index, index)


class JiesuSequentialMultiInstanceTask(_Once, SequentialMultiInstanceTask):
    TYPENAME = "SequentialMultiInstanceTask"

    def _update_hook(self, my_task):
        if self.data_input is not None:
            return super()._update_hook(my_task)  # reads the collection, evaluates nothing
        super(SequentialMixin, self)._update_hook(my_task)  # what the mixin's own _update_hook starts with
        my_task.internal_data["merged"] = []
        my_task.internal_data["cardinality"] = self._count(my_task)
        my_task.internal_data["current"] = 0
        if self.data_output is not None:
            self.init_data_output_with_cardinality(my_task)
        if not self.children_complete(my_task):
            self.add_next_child(my_task)
            my_task._set_state(TaskState.STARTED)
            return None
        return True


_OURS = {ParallelMultiInstanceTask: JiesuParallelMultiInstanceTask,
         SequentialMultiInstanceTask: JiesuSequentialMultiInstanceTask}


def adopt(spec) -> None:
    """Give a parsed process spec's multi-instance activities (Camunda's or SpiffWorkflow's) these classes."""
    for task_spec in spec.task_specs.values():
        for base, ours in _OURS.items():
            if isinstance(task_spec, base) and not isinstance(task_spec, ours):
                task_spec.__class__ = ours  # the same attributes: Camunda's classes only override _update_hook
                settle(task_spec)


class _Converter(MultiInstanceTaskConverter):
    """Stored under SpiffWorkflow's type names, so versions stored before restore as these classes too."""

    def __init__(self, target_class, registry, typename=None):
        super().__init__(target_class, registry, typename or target_class.TYPENAME)

    def from_dict(self, dct):
        spec = super().from_dict(dct)
        settle(spec)
        return spec


SERIALIZER_ENTRIES = {JiesuParallelMultiInstanceTask: _Converter, JiesuSequentialMultiInstanceTask: _Converter}
