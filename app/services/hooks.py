"""Extension points: modules register what should happen when the lifecycle reaches a point.

Each hook runs inside the transaction of the change that triggered it, so what it writes
is saved together with that change (or not at all).
"""

from __future__ import annotations

from collections.abc import Callable

# (ticket, actor) after a ticket is stored and its process started: repeat detection, early warning ...
ticket_created: list[Callable] = []
# (work_item, instance) after a new user task appears in the inboxes
work_item_created: list[Callable] = []
# (instance, snapshot) after every engine operation on an instance without a ticket (inspections ...)
instance_changed: list[Callable] = []


def run(hooks: list[Callable], *args) -> None:
    for hook in hooks:
        hook(*args)
