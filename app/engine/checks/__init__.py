"""The deploy check: what in a diagram would break the desk, found before anything is stored.

``check(xml, context)`` is a pure function (no database): the service layer builds the
``CheckContext`` (known function names, candidate groups, users, process inputs) and
``jiesu deploy``, ``jiesu lint``, the upload page and the modeler all call it through
``app.services.deployment``. Each problem names the element id, its name and the reason
in Chinese; ``severity`` is ``error`` (refused) or ``warning`` (may be intended).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    element_id: str
    element_name: str
    message: str
    severity: str = ERROR

    def __str__(self) -> str:
        if not self.element_id:
            return self.message
        name = f"（{self.element_name}）" if self.element_name and self.element_name != self.element_id else ""
        return f"{self.element_id}{name}：{self.message}"

    def line(self) -> str:
        return f"{'错误' if self.severity == ERROR else '提醒'} {self}"


@dataclass
class Report:
    process_key: str = ""
    process_name: str = ""
    problems: list[Problem] = field(default_factory=list)
    _seen: set = field(default_factory=set, repr=False, compare=False)  # each problem once, in constant time

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors

    def add(self, element_id, element_name, message, severity=ERROR) -> None:
        name = " ".join((element_name or "").split())  # names drawn on two lines in the modeler
        problem = Problem(element_id or "", name, message, severity)
        key = (problem.element_id, problem.element_name, problem.message, problem.severity)
        if key not in self._seen:
            self._seen.add(key)
            self.problems.append(problem)

    def as_dict(self) -> dict:
        return {"process_key": self.process_key, "process_name": self.process_name, "ok": self.ok,
                "problems": [asdict(p) for p in self.problems]}


@dataclass(frozen=True)
class Reliance:
    """One thing of a product diagram the product's code relies on: without it tickets in flight break.

    ``kind`` is ``element`` (``ident`` an element id of BPMN type ``tag``), ``field`` (a form field
    ``ident`` of the task ``owner``), ``option`` (the value ``ident`` of the field ``owner``, written
    ``task/field``), ``message``, ``state`` (a ``ticket_state`` a user task gives), ``variable`` or
    ``end`` (the name of an end event). ``label`` is its name in the shipped diagram; ``purpose`` says
    in Chinese what stops working without it; ``form_key`` (an element) the ``camunda:formKey`` of the
    shipped task that names a form or handlers of the code (``jiesu:dispatch``), which it must keep.
    """

    kind: str
    process: str
    ident: str
    tag: str = ""
    owner: str = ""
    label: str = ""
    purpose: str = ""
    severity: str = ERROR
    form_key: str = ""


@dataclass(frozen=True)
class CheckContext:
    """What the product knows. ``None`` for a part means "not known here, not checked"."""

    functions: frozenset[str] = frozenset()  # callable from expressions (BPMN functions, services)
    groups: frozenset[str] | None = None  # candidate groups: role codes, section codes
    users: frozenset[str] | None = None  # usernames (``user:<name>`` as a candidate group too)
    inputs: frozenset[str] | None = None  # variables the product hands the process at start
    relied_on: tuple[Reliance, ...] = ()  # what the product's code relies on in its own processes
    group_names: tuple[tuple[str, str], ...] = ()  # (candidate group, its Chinese name): what an unknown one is told
    started_by_product: bool | None = None  # a service of the product starts this process (else only 发起流程 can)


def element_label(node) -> tuple[str, str]:
    """(id, name) of the BPMN element a problem is about: an extension element names its BPMN owner."""
    while node is not None and node.get("id") is None:
        node = node.getparent()
    if node is None:
        return "", ""
    return node.get("id") or "", (node.get("name") or "").strip()
