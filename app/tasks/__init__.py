"""What happens around each kind of user task, keyed by BPMN element id or formKey.

A handler may check the form (``validate``), add variables before the data reaches the
process (``before_submit``) and update domain rows afterwards (``after_submit``).
Several modules may register for the same task (e.g. the reply check and the platform
outbox both act on 回复审核); they run in the order their modules were imported.
"""

from __future__ import annotations


class TaskHandler:
    def validate(self, ticket, form) -> dict[str, str]:
        """Checks that need the ticket or the clock: {field name: message}; empty when fine."""
        return {}

    def before_submit(self, ticket, data: dict, actor) -> dict:
        """Return the data to hand to the process (may add derived variables)."""
        return data

    def after_submit(self, ticket, data: dict, actor) -> None:
        """Update domain rows once the process has accepted the data."""


_handlers: dict[str, list[TaskHandler]] = {}


def register(*keys: str):
    def wrap(cls):
        for key in keys:
            _handlers.setdefault(key, []).append(cls())
        return cls

    return wrap


class _Chain(TaskHandler):
    def __init__(self, handlers: list[TaskHandler]):
        self.handlers = handlers

    def validate(self, ticket, form):
        problems = {}
        for handler in self.handlers:
            for name, message in handler.validate(ticket, form).items():
                problems.setdefault(name, message)
        return problems

    def before_submit(self, ticket, data, actor):
        for handler in self.handlers:
            data = handler.before_submit(ticket, data, actor)
        return data

    def after_submit(self, ticket, data, actor):
        for handler in self.handlers:
            handler.after_submit(ticket, data, actor)


def handler_for(spec_name: str, form_key: str = "") -> TaskHandler:
    """All handlers registered for the task's formKey and its element id, as one."""
    handlers = [*_handlers.get(form_key, []), *(_handlers.get(spec_name, []) if spec_name != form_key else [])]
    return _Chain(handlers)


from app.tasks import callback, casework, dispatch, handle, respond, review, sign  # noqa: E402,F401  (register the handlers)
