"""Service and send tasks that call what the product provides: ``camunda:expression``.

Camunda Modeler's "Expression" implementation (``camunda:expression="${notify('催办', no)}"``,
optionally ``camunda:resultVariable``) runs as a one-line script in the restricted
evaluator, so it may call exactly the functions and named service implementations the
product registers. Java classes, delegates, external tasks and connectors are refused by
the deploy check (``app/engine/checks/rules.py``) before a parser ever sees them.
"""

from __future__ import annotations

from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.camunda.parser.task_spec import ScriptTaskParser

from app.engine import dialect


class ExpressionTaskParser(ScriptTaskParser):
    """Parses a serviceTask / sendTask with camunda:expression into a script task."""

    def get_script(self):
        expression = self.node.get(f"{{{dialect.CAMUNDA_NS}}}expression")
        if not expression:
            raise ValidationException("服务任务没有 camunda:expression", node=self.node, file_name=self.filename)
        python = dialect.juel_to_python(expression)
        result = self.node.get(f"{{{dialect.CAMUNDA_NS}}}resultVariable")
        return f"{result} = {python}" if result else python
