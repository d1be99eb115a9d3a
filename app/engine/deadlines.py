"""The variables an instance's deadlines read: those a timer's expression or a user task's due date names."""

from __future__ import annotations

import ast

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition


def read_names(expression: str | None) -> set[str]:
    """The names an expression reads."""
    if not expression:
        return set()
    try:
        tree = ast.parse(expression, mode="eval")
    except SyntaxError:
        return set()
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}


def assigned(script: str) -> set[str]:
    """The names a script assigns."""
    try:
        tree = ast.parse(script)
    except SyntaxError:
        return set()
    names = set()
    for node in ast.walk(tree):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
            node, ast.AugAssign | ast.AnnAssign) else []
        for target in targets:
            names |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
    return names


def _all_specs(runtime):
    for spec in [runtime.spec, *runtime.subprocess_specs.values()]:
        yield from spec.task_specs.values()


def deadline_names(runtime) -> set[str]:
    """Variables read by a timer or a user task's due date: the instance's deadlines."""
    names: set[str] = set()
    for spec in _all_specs(runtime):
        definition = getattr(spec, "event_definition", None)
        for member in getattr(definition, "event_definitions", None) or [definition]:
            if isinstance(member, TimerEventDefinition):
                names |= read_names(member.expression)
    for meta in runtime.task_meta.values():
        names |= read_names(meta.get("due_date"))
    return names
