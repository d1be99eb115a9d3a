"""Makes a diagram written for Camunda 7 run on the product's (restricted) Python expressions.

Camunda Modeler writes unquoted ISO timer literals (``PT4H``) and JUEL expressions
(``${approved}``, ``${!a && b}``, ``${x eq 'gt'}``). We rewrite those into Python at deploy time
(``normalise``), so a process owner's diagram runs as drawn; Activiti's and Flowable's extensions
are Camunda's first (app/engine/foreign.py).

JUEL is converted token by token: words inside string literals stay as written
(``${decision == 'true'}`` compares with the text ``'true'``). What cannot be converted
(``a ? b : c``, ``instanceof``) is reported by ``juel_problems``; method calls on Java
objects (``execution.getVariable('x')``) are refused by the deploy check.
"""

from __future__ import annotations

import re

from lxml import etree

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
NS = {"bpmn": BPMN_NS, "camunda": CAMUNDA_NS}

_ISO_LITERAL = re.compile(
    r"^(R\d*/)?(P[0-9YMWDTHS.,]+|\d{4}-\d{2}-\d{2}(T[0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?)"
    r"(/(P[0-9YMWDTHS.,]+|\d{4}-\d{2}-\d{2}\S*))?$",
    re.IGNORECASE,
)
_JUEL = re.compile(r"^\s*[$#]\{(.*)\}\s*$", re.DOTALL)
_JUEL_PART = re.compile(r"[$#]\{(.*?)\}", re.DOTALL)

_WORDS = {
    "null": "None", "true": "True", "false": "False",
    "eq": "==", "ne": "!=", "gt": ">", "lt": "<", "ge": ">=", "le": "<=",
    "and": "and", "or": "or", "not": "not", "empty": "not", "div": "/", "mod": "%",
}
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")  # a variable name
JUEL_KEYWORDS = frozenset(_WORDS)  # (not variable names: ${true} names none)


def is_juel(text: str | None) -> bool:
    return bool(text) and ("${" in text or "#{" in text)


def _tokens(expr: str):
    """(kind, text) for JUEL source: 'str', 'word', 'op', 'space', 'other'."""
    i = 0
    while i < len(expr):
        ch = expr[i]
        if ch in "'\"":
            j = i + 1
            while j < len(expr) and expr[j] != ch:
                j += 2 if expr[j] == "\\" else 1
            yield "str", expr[i:j + 1]
            i = j + 1
        elif ch.isspace():
            j = i
            while j < len(expr) and expr[j].isspace():
                j += 1
            yield "space", " "
            i = j
        elif match := IDENTIFIER.match(expr, i):
            yield "word", match.group(0)
            i = match.end()
        elif expr.startswith(("&&", "||", "==", "!=", ">=", "<="), i):
            yield "op", expr[i:i + 2]
            i += 2
        else:
            yield "op" if ch in "!?:" else "other", ch
            i += 1


def _convert(expr: str) -> str:
    out: list[str] = []
    previous = ""  # the last token that was not a space
    for kind, text in _tokens(expr):
        if kind == "word" and previous != "." and text in _WORDS:
            out.append(f" {_WORDS[text]} ")
        elif kind == "op" and text == "&&":
            out.append(" and ")
        elif kind == "op" and text == "||":
            out.append(" or ")
        elif kind == "op" and text == "!":
            out.append(" not ")
        else:
            out.append(text)
        if kind != "space":
            previous = text
    # collapse the spaces the rewriting added, never inside string literals
    return "".join(text for _kind, text in _tokens("".join(out))).strip()


def juel_to_python(text: str) -> str:
    """``${a && !b}`` -> ``a and not b``; text without ``${}`` is returned stripped.

    Composite text (``工单 ${no} 超期``) becomes a concatenation of strings.
    """
    match = _JUEL.match(text)
    if match and not _JUEL_PART.search(match.group(1) + "}"):
        return _convert(match.group(1))
    if not is_juel(text):
        return text.strip()
    parts, last = [], 0
    for part in _JUEL_PART.finditer(text):
        if part.start() > last:
            parts.append(repr(text[last:part.start()]))
        parts.append(f"str({_convert(part.group(1))})")
        last = part.end()
    if last < len(text):
        parts.append(repr(text[last:]))
    return " + ".join(parts)


def juel_problems(text: str) -> list[str]:
    """JUEL that has no Python counterpart here, in Chinese (empty when it converts)."""
    if not is_juel(text):
        return []
    found = []
    for part in _JUEL_PART.finditer(text):
        tokens = [t for t in _tokens(part.group(1)) if t[0] != "space"]
        if any(k == "op" and t == "?" for k, t in tokens):
            found.append("不支持 JUEL 的条件运算 a ? b : c，请写成 Python 的 b if a else c")
        if any(k == "word" and t == "instanceof" for k, t in tokens):
            found.append("不支持 JUEL 的 instanceof")
    return found


def timer_to_python(text: str) -> str:
    """``PT4H`` -> ``'PT4H'``; ``${deadline}`` -> ``deadline``; Python stays as it is."""
    stripped = text.strip()
    if _ISO_LITERAL.match(stripped):
        return repr(stripped)
    return juel_to_python(stripped)


def is_iso_literal(text: str) -> bool:
    return bool(_ISO_LITERAL.match(text.strip()))


def parse_xml(xml: bytes):
    """Parse untrusted XML: no external entities, no network, no entity expansion. A namespace declared with
    a space in its address (IBM Process Designer's ``xmlns:Process=".../Collapsed Process"``), which libxml2
    refuses and every modeler reads, is read with the space written %20 (such namespaces are a tool's own)."""
    parser = etree.XMLParser(remove_blank_text=False, resolve_entities=False, no_network=True,
                             load_dtd=False, huge_tree=False)
    try:
        return etree.fromstring(xml, parser=parser)
    except etree.XMLSyntaxError as exc:
        if "is not a valid URI" not in (exc.msg or "") or not isinstance(xml, bytes):
            raise
        mended = _SPACED_NAMESPACE.sub(lambda m: m.group(1) + m.group(2).replace(b" ", b"%20") + m.group(3), xml)
        if mended == xml:
            raise
        return etree.fromstring(mended, parser=parser)


_SPACED_NAMESPACE = re.compile(rb'(\sxmlns(?::[\w.-]+)?\s*=\s*")([^"<>]*\s[^"<>]*)(")')


def normalise(root) -> bytes:
    """Rewrite a parsed Camunda 7 diagram (Activiti's and Flowable's names already Camunda's:
    ``foreign.adopt_camunda``) into the form SpiffWorkflow's CamundaParser runs."""
    for tag in ("timeDate", "timeDuration", "timeCycle"):
        for node in root.iterfind(f".//{{{BPMN_NS}}}{tag}"):
            if node.text and node.text.strip():
                node.text = timer_to_python(node.text)
    for tag in ("conditionExpression", "loopCardinality", "completionCondition", "loopCondition"):
        for node in root.iterfind(f".//{{{BPMN_NS}}}{tag}"):
            if node.text and node.text.strip():
                node.text = juel_to_python(node.text)
    for node in root.iterfind(f".//{{{BPMN_NS}}}conditionalEventDefinition/{{{BPMN_NS}}}condition"):
        if node.text and node.text.strip():  # a conditional event's condition, as Camunda writes it (${…})
            node.text = juel_to_python(node.text)
    for node in root.iterfind(f".//{{{BPMN_NS}}}multiInstanceLoopCharacteristics"):
        collection = node.get(f"{{{CAMUNDA_NS}}}collection")
        if collection and collection_variable(collection):
            node.set(f"{{{CAMUNDA_NS}}}collection", collection_variable(collection))  # ${reviewers} -> reviewers
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


_COLLECTION = re.compile(r"\s*(?:\$\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}|([A-Za-z_][A-Za-z0-9_]*))\s*")


def collection_variable(text: str) -> str | None:
    """The variable a ``camunda:collection`` names (``reviewers`` or ``${reviewers}``); None for another expression."""
    found = _COLLECTION.fullmatch(text or "")
    return (found.group(1) or found.group(2)) if found else None
