"""What happens around each kind of user task, keyed by BPMN element id or formKey.

A handler may add variables before the data reaches the process (``before_submit``)
and update domain rows afterwards (``after_submit``). Tasks without a handler of
their own use the base class, which does nothing extra.
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


_handlers: dict[str, TaskHandler] = {}
_default = TaskHandler()


def register(*keys: str):
    def wrap(cls):
        for key in keys:
            _handlers[key] = cls()
        return cls

    return wrap


def handler_for(spec_name: str, form_key: str = "") -> TaskHandler:
    return _handlers.get(form_key) or _handlers.get(spec_name) or _default


from app.tasks import callback, dispatch, respond, sign  # noqa: E402,F401  (register the handlers)
