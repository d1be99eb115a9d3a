"""The registry of what exists in the application, filled once by ``app/bootstrap.py``.

It holds the event subscribers (what happens when a ticket is created, a work item
appears, a process instance changes), the task handlers (what happens around each user
task), the functions BPMN expressions may call and the named service implementations a
diagram's service task may run. Nothing registers itself when imported: reading
``bootstrap.wire`` tells everything that happens. Tests build the wiring they need.

Code reaches the wiring of the running app through :func:`current`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app

EXTENSION_KEY = "jiesu"


@dataclass(frozen=True)
class Subscriber:
    handler: Callable
    process: str | None = None  # only events about instances of this process (its key)
    guard: tuple[str, str] | None = None  # (alert kind, message): run in a savepoint, a fault raises the alert
    when: Callable | None = None  # ``when(event)`` false: the handler has nothing to do (no savepoint is opened)


class Wiring:
    def __init__(self) -> None:
        self._subscribers: dict[type, list[Subscriber]] = defaultdict(list)
        self._task_handlers: dict[str, list] = defaultdict(list)
        self.bpmn_functions: dict[str, Callable] = {}
        self.service_implementations: dict[str, Callable] = {}
        self.timer_listeners: list[Callable] = []

    # -- events ------------------------------------------------------------------------------
    def subscribe(self, event_type: type, handler: Callable, *, process: str | None = None,
                  guard: tuple[str, str] | None = None, when: Callable | None = None) -> None:
        """``handler(event)`` runs, in registration order, inside the transaction of the change.

        ``guard=(kind, message)``: a fault in the handler must not undo the change (a ticket is
        never lost because a rule failed); it is rolled back alone and an alert is raised.
        ``when(event)``: a cheap test whether the handler has anything to do; if not, it is not called.
        """
        self._subscribers[event_type].append(Subscriber(handler, str(process) if process else None, guard, when))

    def subscribers(self, event) -> list[Subscriber]:
        process = getattr(event, "process_key", None)
        return [s for s in self._subscribers.get(type(event), []) if s.process is None or s.process == process]

    # -- user tasks ----------------------------------------------------------------------------
    def handle_task(self, key: str, *handlers) -> None:
        """Handlers for a user task: ``key`` is a task (``process_key:element_id``) or a formKey."""
        self._task_handlers[str(key)].extend(handlers)

    def task_handlers(self, process_key: str, element_id: str, form_key: str = "") -> list:
        found = list(self._task_handlers.get(f"{process_key}:{element_id}", []))
        if form_key:
            found += [h for h in self._task_handlers.get(form_key, []) if h not in found]
        return found

    # -- what diagrams may call ------------------------------------------------------------------
    def bpmn_function(self, name: str, function: Callable) -> None:
        if name in self.bpmn_functions:
            raise ValueError(f"BPMN function {name!r} is wired twice")
        self.bpmn_functions[name] = function

    def service_implementation(self, name: str, function: Callable) -> None:
        self.service_implementations[name] = function

    # -- reading it ----------------------------------------------------------------------------
    def describe(self) -> list[str]:
        """One line per wired item, in order (``jiesu wiring`` prints it)."""
        lines = []
        for event_type, subs in self._subscribers.items():
            for s in subs:
                where = f" [{s.process}]" if s.process else ""
                guard = " (guarded)" if s.guard else ""
                lines.append(f"on {event_type.__name__}{where}: {_name(s.handler)}{guard}")
        for key, handlers in self._task_handlers.items():
            lines.append(f"task {key}: " + ", ".join(type(h).__name__ for h in handlers))
        lines += [f"bpmn function {name}: {_name(fn)}" for name, fn in self.bpmn_functions.items()]
        lines += [f"service implementation {name}: {_name(fn)}"
                  for name, fn in self.service_implementations.items()]
        return lines


def _name(fn) -> str:
    return f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', repr(fn))}"


def current(app=None) -> Wiring:
    """The wiring of ``app``, by default the app of the current application context."""
    return (app or current_app).extensions[EXTENSION_KEY]


def install(app, wiring: Wiring) -> Wiring:
    app.extensions[EXTENSION_KEY] = wiring
    return wiring

