"""Makes a diagram written for Camunda 7 run on the product's (restricted) Python expressions.

Camunda Modeler writes unquoted ISO timer literals (``PT4H``), JUEL expressions
(``${approved}``, ``${!a && b}``, ``${x eq 'gt'}``) and, in old files, the activiti
namespace. We rewrite those into Python at deploy time, so a process owner's diagram runs
as drawn. Activiti's extensions (``activiti:assignee``, ``activiti:formData`` ...) are
Camunda's under another namespace (Camunda 7 began as a fork of Activiti 5): ``adopt_camunda``
renames them on the parsed tree. A file converted between the tools often carries both on one
element; Camunda's is kept and a differing Activiti one is reported (a textual swap of the
namespace made them one attribute twice, a file lxml refuses).

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
ACTIVITI_NS = "http://activiti.org/bpmn"
FOREIGN = {ACTIVITI_NS: "activiti"}  # namespaces whose extensions are Camunda's, with the prefix named to the owner
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
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


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
        elif match := _IDENT.match(expr, i):
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
    """Parse untrusted XML: no external entities, no network, no entity expansion."""
    parser = etree.XMLParser(remove_blank_text=False, resolve_entities=False, no_network=True,
                             load_dtd=False, huge_tree=False)
    return etree.fromstring(xml, parser=parser)


def _short(value: str, limit: int = 60) -> str:
    return value if len(value) <= limit else value[:limit] + "…"


def _shape(node) -> tuple:
    """What an extension element says, whatever its namespaces: names, attributes, text, children."""
    return (etree.QName(node).localname,
            tuple(sorted((etree.QName(k).localname, v) for k, v in node.attrib.items())),
            (node.text or "").strip(),
            tuple(_shape(c) for c in node if isinstance(c.tag, str)))


def _adopt_attributes(node, dropped: list) -> None:
    for name in [k for k in node.attrib if etree.QName(k).namespace in FOREIGN]:
        qname = etree.QName(name)
        value, camunda = node.attrib.pop(name), f"{{{CAMUNDA_NS}}}{qname.localname}"
        kept = node.get(camunda)
        if kept is None:
            node.set(camunda, value)
        elif kept != value:
            prefix, local = FOREIGN[qname.namespace], qname.localname
            dropped.append((node, f"同时写有 camunda:{local}=\"{_short(kept)}\" 和 {prefix}:{local}=\"{_short(value)}\"，"
                                  f"取值不同：按 camunda:{local} 执行，{prefix}:{local} 不起作用（在 Activiti 和 Camunda "
                                  "之间转换过的文件常见）；请删除不用的一个，或改成相同的取值"))


def adopt_camunda(root) -> list[tuple]:
    """Rename Activiti's extension attributes and elements into Camunda's namespace, in place.

    Where an element carries both (``activiti:assignee`` and ``camunda:assignee``; an
    ``activiti:formData`` beside a ``camunda:formData``), Camunda's is kept and the other dropped.
    Returns (node, Chinese reason) for each dropped one that said something else.
    """
    dropped: list[tuple] = []
    todo = [root]
    while todo:
        node = todo.pop()
        _adopt_attributes(node, dropped)
        children = [c for c in node if isinstance(c.tag, str)]
        camunda = {etree.QName(c).localname for c in children if etree.QName(c).namespace == CAMUNDA_NS}
        compared: set = set()
        for child in children:
            qname = etree.QName(child)
            if qname.namespace in FOREIGN and qname.localname in camunda:
                if qname.text not in compared:  # all of one kind at once (listeners may come several)
                    compared.add(qname.text)
                    mine = [_shape(c) for c in children if c.tag == child.tag]
                    theirs = [_shape(c) for c in children if c.tag == f"{{{CAMUNDA_NS}}}{qname.localname}"]
                    if mine != theirs:
                        prefix, local = FOREIGN[qname.namespace], qname.localname
                        dropped.append((node, f"同时写有 camunda:{local} 和 {prefix}:{local}，内容不同：按 camunda:{local} "
                                              f"执行，{prefix}:{local} 不起作用（在 Activiti 和 Camunda 之间转换过的文件常见）；"
                                              "请删除不用的一个，或改成相同的内容"))
                node.remove(child)
                continue
            if qname.namespace in FOREIGN:
                child.tag = f"{{{CAMUNDA_NS}}}{qname.localname}"
            todo.append(child)
    return dropped


def normalise(xml: bytes) -> bytes:
    """Rewrite a Camunda 7 diagram into the form SpiffWorkflow's CamundaParser runs."""
    root = parse_xml(xml)
    adopt_camunda(root)  # (the deploy check reported what it dropped)
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
