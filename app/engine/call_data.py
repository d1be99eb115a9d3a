"""What a call activity passes to the process it calls and takes back: ``camunda:in`` / ``camunda:out``.

SpiffWorkflow hands the called process all of the caller's data and copies all of its data back, and reads no
Camunda mapping, so ``<camunda:in source="base" target="start_value"/>`` was ignored and the called process
failed on ``start_value``. Here, as in Camunda 7:

* ``camunda:in source="a" target="b"`` (or ``sourceExpression="${…}"``, evaluated in the caller) gives the called
  process ``b`` (None when the caller has no ``a``, as Camunda passes null); with any ``camunda:in``, the called process starts with those variables only, unless one of them
  is ``variables="all"``. Without any, it gets all of the caller's data (SpiffWorkflow's way, kept).
* ``camunda:out source="x" target="y"`` (or ``sourceExpression``, evaluated at the called process's end) sets the
  caller's ``y``; with any ``camunda:out``, only those come back (all with ``variables="all"``). Without any,
  all of its data comes back.

``businessKey`` and ``local`` are not read (there is one business key per instance here).
"""

from __future__ import annotations

from copy import deepcopy

from SpiffWorkflow.bpmn.parser.task_parsers import CallActivityParser
from SpiffWorkflow.bpmn.serializer.default.task_spec import SubWorkflowConverter
from SpiffWorkflow.bpmn.specs.defaults import CallActivity

from app.engine import dialect

C = f"{{{dialect.CAMUNDA_NS}}}"


def _mappings(node, tag: str) -> list[dict]:
    found = []
    for each in node.iter(f"{C}{tag}"):
        if each.get("variables") == "all":
            found.append({"all": True})
        elif each.get("target") and (each.get("source") or each.get("sourceExpression")):
            found.append({"source": each.get("source"), "expression": each.get("sourceExpression"),
                          "target": each.get("target")})
    return found


def _value(task, mapping: dict):
    """A mapping's value: its expression evaluated, or its source variable (None when there is none, as Camunda
    passes null for a variable not set)."""
    expression = mapping.get("expression")
    if expression:
        return task.workflow.script_engine.evaluate(task, dialect.juel_to_python(expression))
    return task.data.get(mapping["source"])


class MappedCallActivity(CallActivity):
    """A call activity that follows its ``camunda:in`` / ``camunda:out`` mappings."""

    def __init__(self, wf_spec, bpmn_id, subworkflow_spec, in_mappings=(), out_mappings=(), **kwargs):
        super().__init__(wf_spec, bpmn_id, subworkflow_spec, **kwargs)
        self.in_mappings = list(in_mappings)
        self.out_mappings = list(out_mappings)

    def copy_data(self, my_task, subworkflow):
        if not self.in_mappings:
            return super().copy_data(my_task, subworkflow)
        start = subworkflow.get_next_task(subworkflow.task_tree, skip_subprocesses=True, spec_name="Start")
        data = deepcopy(my_task.data) if any(m.get("all") for m in self.in_mappings) else {}
        for mapping in self.in_mappings:
            if not mapping.get("all"):
                data[mapping["target"]] = deepcopy(_value(my_task, mapping))
        start.set_data(**data)

    def update_data(self, my_task, subworkflow):
        if not self.out_mappings:
            return super().update_data(my_task, subworkflow)
        last = subworkflow.last_task
        if any(m.get("all") for m in self.out_mappings):
            my_task.data.update(deepcopy(last.data))
        for mapping in self.out_mappings:
            if not mapping.get("all"):
                my_task.data[mapping["target"]] = deepcopy(_value(last, mapping))


class MappedCallActivityParser(CallActivityParser):
    def create_task(self):
        task = super().create_task()
        task.in_mappings = _mappings(self.node, "in")
        task.out_mappings = _mappings(self.node, "out")
        return task


class MappedCallActivityConverter(SubWorkflowConverter):
    """Stored under SpiffWorkflow's type name (CallActivity), so versions stored before restore as this class."""

    def __init__(self, target_class, registry, typename=None):
        super().__init__(target_class, registry, typename or "CallActivity")

    def to_dict(self, spec):
        dct = super().to_dict(spec)
        dct["in_mappings"] = list(getattr(spec, "in_mappings", []))
        dct["out_mappings"] = list(getattr(spec, "out_mappings", []))
        return dct
