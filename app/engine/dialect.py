"""Makes a diagram written for Camunda 7 run on SpiffWorkflow's Python expressions.

Camunda Modeler writes unquoted ISO timer literals (``PT4H``), JUEL conditions
(``${approved}``, ``${!a && b}``) and, in old files, the activiti namespace. We
rewrite those into Python at deploy time, so a process owner's diagram runs as drawn;
anything that still is not valid Python is refused with the element named.
"""

from __future__ import annotations

import re

from lxml import etree

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
ACTIVITI_NS = "http://activiti.org/bpmn"
NS = {"bpmn": BPMN_NS, "camunda": CAMUNDA_NS}

_ISO_LITERAL = re.compile(
    r"^(R\d*/)?(P[0-9YMWDTHS.,]+|\d{4}-\d{2}-\d{2}(T[0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?)"
    r"(/(P[0-9YMWDTHS.,]+|\d{4}-\d{2}-\d{2}\S*))?$",
    re.IGNORECASE,
)
_JUEL = re.compile(r"^\s*[$#]\{(.*)\}\s*$", re.DOTALL)


def juel_to_python(text: str) -> str:
    """``${a && !b}`` -> ``a and not b``; text without ``${}`` is returned unchanged."""
    match = _JUEL.match(text)
    if not match:
        return text.strip()
    expr = match.group(1)
    out, i, quote = [], 0, None
    while i < len(expr):  # rewrite operators outside string literals only
        ch = expr[i]
        if quote:
            out.append(ch)
            if ch == quote:
                quote = None
            i += 1
            continue
        if ch in "'\"":
            quote = ch
            out.append(ch)
        elif expr.startswith("&&", i):
            out.append(" and ")
            i += 1
        elif expr.startswith("||", i):
            out.append(" or ")
            i += 1
        elif ch == "!" and not expr.startswith("!=", i):
            out.append(" not ")
        else:
            out.append(ch)
        i += 1
    python = "".join(out)
    replacements = {
        r"\bnull\b": "None", r"\btrue\b": "True", r"\bfalse\b": "False",
        r"\beq\b": "==", r"\bne\b": "!=", r"\bgt\b": ">", r"\blt\b": "<",
        r"\bge\b": ">=", r"\ble\b": "<=", r"\bempty\s+": "not ",
    }
    for pattern, repl in replacements.items():
        python = re.sub(pattern, repl, python)
    return " ".join(python.split())


def timer_to_python(text: str) -> str:
    """``PT4H`` -> ``'PT4H'``; ``${deadline}`` -> ``deadline``; Python stays as it is."""
    stripped = text.strip()
    if _ISO_LITERAL.match(stripped):
        return repr(stripped)
    return juel_to_python(stripped)


def normalise(xml: bytes) -> bytes:
    """Rewrite a Camunda 7 diagram into the form SpiffWorkflow's CamundaParser runs."""
    if ACTIVITI_NS.encode() in xml:
        xml = xml.replace(ACTIVITI_NS.encode(), CAMUNDA_NS.encode())
    root = etree.fromstring(xml, parser=etree.XMLParser(remove_blank_text=False, resolve_entities=False))
    for tag in ("timeDate", "timeDuration", "timeCycle"):
        for node in root.iterfind(f".//{{{BPMN_NS}}}{tag}"):
            if node.text and node.text.strip():
                node.text = timer_to_python(node.text)
    for node in root.iterfind(f".//{{{BPMN_NS}}}conditionExpression"):
        if node.text and node.text.strip():
            node.text = juel_to_python(node.text)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
