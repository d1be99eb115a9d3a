"""Non-interrupting message boundary events that keep listening while their activity runs.

BPMN says a non-interrupting boundary event may fire any number of times while the
activity it is attached to is active (Camunda behaves so). SpiffWorkflow 3.2 fires such
an event once and then stops waiting, so a second 催办 from the platform on the same
ticket would be refused. ``RepeatingBoundaryEvent`` does for messages what SpiffWorkflow
itself does for cycle timers (``CycleTimerEventDefinition.update_task``): on each message
it starts the event's outgoing branch as a new child of the waiting event task, hands it
the message payload, and goes on waiting. When the activity ends, SpiffWorkflow's
``BoundaryEventJoin`` cancels the waiting event as usual; branches that already ran stay
in the history.

Interrupting boundary events and every other event kind behave exactly as in
SpiffWorkflow. ``JiesuCamundaParser`` and ``SERIALIZER_CONFIG`` are the parser and the
serializer configuration that know the class; use them wherever a diagram is parsed or
a spec or instance is (de)serialized.
"""

from __future__ import annotations

from SpiffWorkflow.bpmn.parser.event_parsers import ReceiveTaskParser
from SpiffWorkflow.bpmn.parser.util import full_tag
from SpiffWorkflow.bpmn.serializer.default.task_spec import MultiInstanceTaskConverter
from SpiffWorkflow.bpmn.specs.defaults import (
    BoundaryEvent,
    ParallelMultiInstanceTask,
    ReceiveTask,
    ScriptTask,
    SequentialMultiInstanceTask,
)
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.camunda.parser.CamundaParser import CamundaParser
from SpiffWorkflow.camunda.parser.event_parsers import (
    CamundaBoundaryEventParser,
    CamundaEventDefinitionParser,
)
from SpiffWorkflow.camunda.serializer.config import CAMUNDA_CONFIG
from SpiffWorkflow.util.task import TaskState

from app.engine import call_data, multi_instance
from app.engine.service_tasks import ExpressionTaskParser


class RepeatingBoundaryEvent(BoundaryEvent):
    """A boundary event; when non-interrupting and message-triggered, it fires on every message."""

    def _repeats(self) -> bool:
        return not self.cancel_activity and isinstance(self.event_definition, MessageEventDefinition)

    def catch(self, my_task, event):
        if not self._repeats():
            return super().catch(my_task, event)
        definition = self.event_definition
        definition.update_internal_data(my_task, event)
        definition.update_task_data(my_task)  # the payload, as the catch event's result variable
        my_task.internal_data.pop(definition.name, None)
        for output in self.outputs:
            child = my_task._add_child(output, TaskState.FUTURE)
            child.task_spec._predict(child, mask=TaskState.NOT_FINISHED_MASK)
            child.task_spec._update(child)


class CamundaReceiveTaskParser(CamundaEventDefinitionParser, ReceiveTaskParser):
    """A receive task waits for its message like a catch event, with the Camunda message definition
    (the one the serializer and ``Runtime.send_message`` know)."""

    def create_task(self):
        return ReceiveTaskParser.create_task(self)


class JiesuCamundaParser(CamundaParser):
    OVERRIDE_PARSER_CLASSES = {
        **CamundaParser.OVERRIDE_PARSER_CLASSES,
        full_tag("boundaryEvent"): (CamundaBoundaryEventParser, RepeatingBoundaryEvent),
        # camunda:expression service / send tasks run as one-line scripts (see service_tasks.py)
        full_tag("serviceTask"): (ExpressionTaskParser, ScriptTask),
        full_tag("sendTask"): (ExpressionTaskParser, ScriptTask),
        full_tag("receiveTask"): (CamundaReceiveTaskParser, ReceiveTask),
        # camunda:in / camunda:out followed (see call_data.py)
        full_tag("callActivity"): (call_data.MappedCallActivityParser, call_data.MappedCallActivity),
    }


SERIALIZER_CONFIG = dict(CAMUNDA_CONFIG)
SERIALIZER_CONFIG[RepeatingBoundaryEvent] = CAMUNDA_CONFIG[BoundaryEvent]
# a multi-instance script, service or send task: its parser (ScriptTaskParser, not Camunda's task parser)
# builds SpiffWorkflow's default multi-instance specs, which CAMUNDA_CONFIG replaced by Camunda's own; without
# these a version with one could not be stored (a 500 when the modeler deployed it)
SERIALIZER_CONFIG[ParallelMultiInstanceTask] = MultiInstanceTaskConverter
SERIALIZER_CONFIG[SequentialMultiInstanceTask] = MultiInstanceTaskConverter
# every multi-instance activity is one of app/engine/multi_instance.py's classes (specs.parse adopts them);
# registered last, they are what the stored type names restore as
SERIALIZER_CONFIG = {**SERIALIZER_CONFIG, **multi_instance.SERIALIZER_ENTRIES}
# a call activity with its mappings; registered last, the stored type name CallActivity restores as it
SERIALIZER_CONFIG[call_data.MappedCallActivity] = call_data.MappedCallActivityConverter
