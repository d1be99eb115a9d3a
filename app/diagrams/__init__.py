"""The words of each diagram that the code relies on, one module per process.

Python compares with values that live in the BPMN files: element ids (a handler for the
task ``sign``), the options of a form field (``退回``), the names of end events (``已挂账``),
message names. Each module declares them once, here, as typed strings; nowhere else in the
code is such a literal written. ``tests/unit/test_diagram_vocabulary.py`` checks every
declaration against the files in ``processes/``, so a process owner's rename fails a test
instead of silently breaking a rule.

The declarations are plain ``str`` subclasses: ``decision == lifecycle.SIGN_RETURN`` reads as
it should and they can be used wherever the literal was.
"""

from __future__ import annotations


class _Word(str):
    """A str with a declaration attached; copies and pickles are plain strings (process data stays plain)."""

    purpose = ""  # what stops working without it, in Chinese (the deploy check's reason)

    def __reduce__(self):
        return (str, (str(self),))


class Process(_Word):
    """A process key, with the file it is deployed from and what the code relies on in it."""

    file: str
    declared: list

    def __new__(cls, key: str, file: str):
        obj = super().__new__(cls, key)
        obj.file = file
        obj.declared = []
        return obj

    def _keep(self, item, purpose: str = ""):
        if purpose:
            item.purpose = purpose
        self.declared.append(item)
        return item

    def element(self, element_id: str, kind: str = "userTask", purpose: str = "") -> Element:
        return self._keep(Element(self, element_id, kind), purpose)

    def task(self, element_id: str, purpose: str = "") -> Element:
        return self.element(element_id, "userTask", purpose)

    def end(self, name: str) -> EndName:
        """The name of an end event (the outcome the code reads from ``snapshot.end_event``)."""
        return self._keep(EndName(self, name))

    def message(self, name: str) -> Message:
        return self._keep(Message(self, name))

    def state(self, name: str) -> State:
        """A state a user task gives its subject (``camunda:property ticket_state``)."""
        return self._keep(State(self, name))

    def variable(self, name: str) -> Variable:
        """A process variable the code reads, written by a script or a form of this diagram."""
        return self._keep(Variable(self, name))


class Element(_Word):
    process: Process
    kind: str

    def __new__(cls, process: Process, element_id: str, kind: str):
        obj = super().__new__(cls, element_id)
        obj.process, obj.kind = process, kind
        return obj

    @property
    def key(self) -> str:
        """How task handlers are wired: ``process_key:element_id``."""
        return f"{self.process}:{self}"

    def field(self, field_id: str) -> Field:
        return self.process._keep(Field(self, field_id))


class Field(_Word):
    element: Element

    def __new__(cls, element: Element, field_id: str):
        obj = super().__new__(cls, field_id)
        obj.element = element
        return obj

    def option(self, value: str) -> Option:
        return self.element.process._keep(Option(self, value))


class Option(_Word):
    field: Field

    def __new__(cls, field: Field, value: str):
        obj = super().__new__(cls, value)
        obj.field = field
        return obj


class EndName(_Word):
    def __new__(cls, process: Process, name: str):
        obj = super().__new__(cls, name)
        obj.process = process
        return obj


class Message(EndName):
    pass


class Variable(EndName):
    pass


class State(EndName):
    pass
