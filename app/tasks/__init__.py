"""What happens around a user task: the handler protocol.

Every user task of every process is completed through one function,
``app.services.completion.complete_task``; it calls the handlers wired for the task
(``app/bootstrap.py``, keyed by ``process_key:element_id`` or by formKey), in order:

0. ``prefill(item, variables)`` and ``notices(item, variables)`` when the form is shown: the values
   it opens with, and what stands above it (``completion.form_prefill`` / ``form_notices``);
1. ``validate(ctx)`` - checks that need the ticket, the subject or the clock; returns
   ``{field: message}`` (empty when fine); any problem refuses the submission, nothing is saved;
2. ``before_submit(ctx)`` - may change ``ctx.data``, the variables handed to the process;
3. the engine completes the task and runs on;
4. ``after_submit(ctx)`` - updates domain rows, with ``ctx.snapshot`` of the moved process.

All of it is one transaction. The modules of this package hold the handlers, one module
per kind of task.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.engine import instances
from app.engine.runtime import Snapshot
from app.models import ProcessInstance, Ticket, User, WorkItem


@dataclass
class TaskContext:
    item: WorkItem
    actor: User
    ticket: Ticket | None
    data: dict  # the variables for the process
    input: Any = None  # what a hand-written form passes beside the variables (e.g. a checklist)
    snapshot: Snapshot | None = None  # set once the engine has run
    result: dict = field(default_factory=dict)  # what handlers give back to the caller ("message": said on success)
    loaded_variables: dict | None = None  # see variables()
    kept: dict = field(default_factory=dict)  # what a handler's before_submit leaves for its after_submit

    def variables(self) -> dict:
        """The process data the task sees before this submission (read once, on demand)."""
        if self.loaded_variables is None:
            stored = self.item.variables  # kept on the work item at every save: no workflow to load
            self.loaded_variables = (instances.restore_data(stored) if stored is not None
                                     else instances.task_data(self.item.instance, self.item.task_guid))
        return self.loaded_variables

    @property
    def instance(self) -> ProcessInstance:
        return self.item.instance

    @property
    def element_id(self) -> str:
        return self.item.spec_name


class TaskHandler:
    def prefill(self, item: WorkItem, variables: dict) -> dict:
        """Values the task's form opens with (e.g. the last submission when work comes back)."""
        return {}

    def notices(self, item: WorkItem, variables: dict) -> list:
        """What the person should read before filling the form (e.g. why the task came back)."""
        return []

    def validate(self, ctx: TaskContext) -> dict[str, str]:
        return {}

    def before_submit(self, ctx: TaskContext) -> None:
        """Change ``ctx.data`` before the process sees it (e.g. add derived variables)."""

    def after_submit(self, ctx: TaskContext) -> None:
        """Update domain rows once the process has accepted the data."""
