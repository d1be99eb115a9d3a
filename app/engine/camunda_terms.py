"""A diagram written for Activiti or Flowable, rewritten in Camunda's terms for the web modeler.

The deploy check reads ``activiti:assignee`` or ``flowable:formProperty`` as Camunda's own
(``foreign.adopt_camunda``), but the modeler's properties panel shows only the ``camunda:`` ones: a
Flowable file opened there showed no candidate groups, no assignee and no form. ``rewrite`` gives the
modeler the file as the engine will read it, with the Camunda names, the expressions as written
(``${approved}``, no Python) and the layout untouched, and says what the renaming dropped or could not
say (as the deploy check's warnings, each naming its element).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from app.engine import dialect, foreign
from app.engine.checks import WARNING, Report, element_label
from app.engine.specs import bpmn_root


@dataclass
class Rewritten:
    xml: bytes
    renamed: int = 0  # foreign attributes and elements that now have Camunda's names
    report: Report = field(default_factory=Report)  # what was dropped or cannot be said in Camunda's terms


def _foreign(root) -> int:
    count = 0
    for node in root.iter():
        if not isinstance(node.tag, str):
            continue
        count += etree.QName(node).namespace in foreign.FOREIGN
        count += sum(etree.QName(name).namespace in foreign.FOREIGN for name in node.attrib)
    return count


def rewrite(xml: bytes) -> Rewritten:
    """``xml`` in Camunda's terms; unchanged (``renamed`` 0) when it has nothing of Activiti or Flowable.
    DiagramError when it is no BPMN file (``specs.bpmn_root``'s words)."""
    root = bpmn_root(xml)
    renamed = _foreign(root)
    if not renamed:
        return Rewritten(xml)
    report = Report()
    for node, reason in foreign.adopt_camunda(root):
        report.add(*element_label(node), reason, WARNING)
    # the Camunda namespace declared once, on the root, with the prefix the modeler writes; the foreign ones go
    etree.cleanup_namespaces(root, top_nsmap={"camunda": dialect.CAMUNDA_NS})
    return Rewritten(etree.tostring(root, xml_declaration=True, encoding="UTF-8"), renamed, report)
