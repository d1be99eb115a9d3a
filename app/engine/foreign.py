"""Activiti's and Flowable's extensions read as Camunda's, on the parsed tree.

Their extensions (``activiti:assignee``, ``flowable:candidateGroups``, ``activiti:formData`` ...) are
Camunda's under another namespace (Camunda 7 and Flowable 6 both began as forks of Activiti 5):
``adopt_camunda`` renames them. A file converted between the tools often carries both on one element;
Camunda's is kept and a differing other one is reported (a textual swap of the namespace made them one
attribute twice, a file lxml refuses). Their forms (``activiti:formProperty`` / ``flowable:formProperty``,
also Camunda's older form) become ``camunda:formData`` fields, which is all SpiffWorkflow reads; what a
form property says that those fields cannot (a double, a hidden field, an expression it is written
through) is reported. BPMN's own ``humanPerformer`` and ``potentialOwner`` (``user(kermit),
group(management)``, a bare name a group), which Activiti, Flowable and Camunda 7 all read and their
example diagrams use, become the task's ``camunda:assignee``, ``candidateUsers`` and ``candidateGroups``.
The deploy check adopts with ``mark=True``, so its messages name an extension as the owner wrote it
(``written``: ``activiti:class``, ``flowable:taskListener``).
"""

from __future__ import annotations

import re

from lxml import etree

from app.engine.dialect import BPMN_NS, CAMUNDA_NS, IDENTIFIER, JUEL_KEYWORDS

ACTIVITI_NS = "http://activiti.org/bpmn"
FLOWABLE_NS = "http://flowable.org/bpmn"
FOREIGN = {ACTIVITI_NS: "activiti", FLOWABLE_NS: "flowable"}  # namespaces whose extensions are Camunda's, with the prefix named to the owner
WRITTEN_NS = "urn:jiesu:written"  # the deploy check's marks on its own tree (never stored): the prefix an extension had


def _short(value: str, limit: int = 60) -> str:
    return value if len(value) <= limit else value[:limit] + "…"


def _shape(node) -> tuple:
    """What an extension element says, whatever its namespaces: names, attributes, text, children."""
    return (etree.QName(node).localname,
            tuple(sorted((etree.QName(k).localname, v) for k, v in node.attrib.items())),
            (node.text or "").strip(),
            tuple(_shape(c) for c in node if isinstance(c.tag, str)))


def tool(prefix: str) -> str:
    return prefix.capitalize()  # activiti -> Activiti: the tool a prefix comes from, as its owner knows it


def _converted(written: str, kept: str) -> str:
    return f"在 {tool(written)} 和 {tool(kept)} 之间转换过的文件常见"


def written(node, local: str | None = None) -> str:
    """An adopted extension as its owner wrote it: ``written(task, "class")`` is ``activiti:class`` on an Activiti
    task, ``written(listener)`` ``flowable:taskListener`` for a Flowable listener, else Camunda's name; an attribute
    the element lacks (advice: ``请改用 flowable:expression``) in the dialect its file declares. Only a tree adopted
    with ``mark=True`` (the deploy check's) knows what was renamed; on any other it is Camunda's."""
    if local is None:
        return f"{node.get(f'{{{WRITTEN_NS}}}as') or 'camunda'}:{etree.QName(node).localname}"
    mark = node.get(f"{{{WRITTEN_NS}}}{local}")
    if mark:
        return f"{mark}:{local}"
    if node.get(f"{{{CAMUNDA_NS}}}{local}") is not None:
        return f"camunda:{local}"
    return f"{declared_prefix(node)}:{local}"


def declared_prefix(node) -> str:
    """The dialect an element's file writes extensions in: Activiti's or Flowable's where it declares no Camunda's
    (on its root: an adopted element declares Camunda's namespace for its renamed attributes)."""
    declared = set(node.getroottree().getroot().nsmap.values())
    if CAMUNDA_NS in declared:
        return "camunda"
    return next((prefix for ns, prefix in FOREIGN.items() if ns in declared), "camunda")


def dialect_of(node, local: str | None = None) -> str:
    """The prefix an adopted extension was written with (``activiti``, ``flowable`` or ``camunda``): a message's
    advice is given in it (``请改用 flowable:expression``)."""
    return written(node, local).split(":", 1)[0]


def _adopt_attributes(node, dropped: list, mark: bool = False) -> None:
    origin: dict[str, str] = {}  # camunda attribute -> the prefix it was written with (when not camunda's own)
    for name in [k for k in node.attrib if etree.QName(k).namespace in FOREIGN]:
        qname = etree.QName(name)
        value, camunda = node.attrib.pop(name), f"{{{CAMUNDA_NS}}}{qname.localname}"
        kept = node.get(camunda)
        prefix, local = FOREIGN[qname.namespace], qname.localname
        if kept is None:
            node.set(camunda, value)
            origin[local] = prefix
            if mark:
                node.set(f"{{{WRITTEN_NS}}}{local}", prefix)
        elif kept != value:
            other = origin.get(local, "camunda")
            dropped.append((node, f"同时写有 {other}:{local}=\"{_short(kept)}\" 和 {prefix}:{local}=\"{_short(value)}\"，"
                                  f"取值不同：按 {other}:{local} 执行，{prefix}:{local} 不起作用（{_converted(prefix, other)}）；"
                                  "请删除不用的一个，或改成相同的取值"))


def _adopt_children(node, dropped: list, mark: bool = False) -> dict[str, str]:
    """Foreign extension elements renamed into Camunda's namespace; where one kind is written in several
    namespaces, Camunda's (else the first written) is kept. Returns the prefix each kept kind was written with."""
    kinds: dict[str, dict[str, list]] = {}  # local name -> namespace -> its elements, in document order
    for child in node:
        if isinstance(child.tag, str):
            qname = etree.QName(child)
            if qname.namespace == CAMUNDA_NS or qname.namespace in FOREIGN:
                kinds.setdefault(qname.localname, {}).setdefault(qname.namespace, []).append(child)
    origin = {}
    for local, written in kinds.items():
        kept_ns = CAMUNDA_NS if CAMUNDA_NS in written else next(iter(written))
        kept = FOREIGN.get(kept_ns, "camunda")
        origin[local] = kept
        for namespace, children in written.items():
            if namespace == kept_ns:
                for child in children:
                    child.tag = f"{{{CAMUNDA_NS}}}{local}"
                continue
            if [_shape(c) for c in children] != [_shape(c) for c in written[kept_ns]]:  # all of one kind at once
                prefix = FOREIGN[namespace]
                dropped.append((node, f"同时写有 {kept}:{local} 和 {prefix}:{local}，内容不同：按 {kept}:{local} 执行，"
                                      f"{prefix}:{local} 不起作用（{_converted(prefix, kept)}）；"
                                      "请删除不用的一个，或改成相同的内容"))
            for child in children:
                node.remove(child)
    if mark:  # (after the comparisons: a mark is no difference between two of them)
        for local, written_with in origin.items():
            if written_with != "camunda":
                for child in node.iterfind(f"{{{CAMUNDA_NS}}}{local}"):
                    child.set(f"{{{WRITTEN_NS}}}as", written_with)
    return origin


def adopt_camunda(root, mark: bool = False) -> list[tuple]:
    """Rename Activiti's and Flowable's extension attributes and elements into Camunda's namespace, in place,
    turn their form properties into Camunda's form fields (``form_properties``) and a user task's
    ``humanPerformer`` / ``potentialOwner`` into its assignee and candidates (``resource_assignments``).

    Where an element carries both (``activiti:assignee`` and ``camunda:assignee``; an
    ``activiti:formData`` beside a ``camunda:formData``), Camunda's is kept and the other dropped.
    Returns (node, Chinese reason) for each dropped one that said something else, and for what a
    form property says that the form cannot. ``mark``: note on each adopted one the prefix it had (``written``).
    """
    dropped: list[tuple] = []
    todo = [root]
    while todo:
        node = todo.pop()
        _adopt_attributes(node, dropped, mark)
        origin = _adopt_children(node, dropped, mark)
        if "formProperty" in origin:
            form_properties(node, origin, dropped)
        if node.tag == f"{{{BPMN_NS}}}userTask":
            resource_assignments(node, dropped)
        todo.extend(c for c in node if isinstance(c.tag, str))
    return dropped


def _split_commas(text: str) -> list[str]:
    """``user(a), group(${g(1, 2)})`` -> its two parts: commas inside ``${…}`` or brackets do not split."""
    parts, depth, current = [], 0, ""
    for ch in text:
        if ch in "({[":
            depth += 1
        elif ch in ")}]":
            depth = max(depth - 1, 0)
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    return [p.strip() for p in [*parts, current] if p.strip()]


def _formal_expression(performer) -> str:
    expression = performer.find(f"{{{BPMN_NS}}}resourceAssignmentExpression/{{{BPMN_NS}}}formalExpression")
    return " ".join((expression.text or "").split()) if expression is not None else ""


def resource_assignments(task, dropped: list) -> None:
    """A user task's ``humanPerformer`` as its ``camunda:assignee``; its ``potentialOwner`` (``user(x)``,
    ``group(x)``, a bare name a group, or a ``resourceRef`` to a ``bpmn:resource``) added to its
    ``camunda:candidateUsers`` / ``candidateGroups``, as Activiti, Flowable and Camunda 7 read them."""
    b, c = f"{{{BPMN_NS}}}", f"{{{CAMUNDA_NS}}}"
    for performer in task.iterfind(f"{b}humanPerformer"):
        who = _formal_expression(performer)
        kept = (task.get(f"{c}assignee") or "").strip()
        if who and not kept:
            task.set(f"{c}assignee", who)
        elif who and kept != who:
            said = written(task, "assignee")
            dropped.append((task, f"同时写有 {said}=\"{_short(kept)}\" 和 humanPerformer（{_short(who)}），取值不同："
                                  f"按 {said} 执行，humanPerformer 不起作用；请删除不用的一个，或改成相同的取值"))
    users, groups = [], []
    for owner in task.iterfind(f"{b}potentialOwner"):
        ref = owner.find(f"{b}resourceRef")
        if ref is not None and (ref.text or "").strip():
            ident = ref.text.strip()
            ident = ident.split(":", 1)[1] if ":" in ident else ident  # (a QName)
            resource = next((r for r in task.getroottree().iter(f"{b}resource") if r.get("id") == ident), None)
            groups.append((resource.get("name") or ident) if resource is not None else ident)
        for part in _split_commas(_formal_expression(owner)):
            for kind, into in (("user(", users), ("group(", groups)):
                if part.startswith(kind) and part.endswith(")"):
                    into.append(part[len(kind):-1].strip())
                    break
            else:
                groups.append(part)
    for attribute, found in (("candidateUsers", users), ("candidateGroups", groups)):
        have = [v.strip() for v in _split_commas(task.get(f"{c}{attribute}") or "")]
        added = [v for v in dict.fromkeys(found) if v and v not in have]
        if added:
            task.set(f"{c}{attribute}", ", ".join(have + added))


# Activiti's and Flowable's forms (and Camunda's older one): <x:formProperty id name type required readable writable
# variable expression default datePattern> with <x:value id name> for an enum, in a task's or start event's
# extensionElements. SpiffWorkflow reads only camunda:formData, so they become its form fields.
_FORM_TYPES = ("string", "long", "boolean", "date", "enum")  # Camunda's form types, which the form builder shows
_TRUE, _FALSE = ("true", "yes", "on", "enabled", "active"), ("false", "no", "off", "disabled", "inactive")  # (Activiti's)
_VARIABLE = re.compile(r"\s*[$#]\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\s*")


def form_properties(extension, origin: dict, dropped: list) -> None:
    """The ``camunda:formProperty`` children of an extensionElements as a camunda:formData in their place;
    a formData already there is kept and they are dropped. ``origin``: the prefix each kind was written with."""
    c, prefix = f"{{{CAMUNDA_NS}}}", origin.get("formProperty", "camunda")
    found = [child for child in extension if child.tag == f"{c}formProperty"]
    if not found:
        return
    owner = extension.getparent() if extension.getparent() is not None else extension
    written = f"{prefix}:formProperty"
    form = extension.find(f"{c}formData")
    if form is not None:
        theirs = [_target(p) for p in found]
        if theirs != [f.get("id") for f in form.iterfind(f"{c}formField")]:
            data = f"{origin.get('formData', 'camunda')}:formData"
            dropped.append((owner, f"同时写有 {data} 和 {written}（{'、'.join(theirs)}）：表单按 {data} 的字段显示，"
                                   f"{written} 不起作用；请删除不用的一个"))
        for prop in found:
            extension.remove(prop)
        return
    form = etree.Element(f"{c}formData")
    found[0].addprevious(form)
    for prop in found:
        field = _form_field(prop, owner, prefix, dropped)
        if field is not None:
            form.append(field)
        extension.remove(prop)


def _named(expression: str | None) -> str | None:
    """The variable an expression is no more than (``${x}``), else None."""
    found = _VARIABLE.fullmatch(expression or "")
    return found.group(1) if found and found.group(1) not in JUEL_KEYWORDS else None


def _target(prop) -> str:
    """The variable a form property's value is read from and stored in: ``variable``, else the one its
    ``expression`` names (``${x}``), else its id (as Activiti does)."""
    return (prop.get("variable") or "").strip() or _named(prop.get("expression")) or prop.get("id") or ""


def _flag(prop, attribute: str, default: bool, said) -> bool:
    value = (prop.get(attribute) or "").strip()
    if not value:
        return default
    if value.lower() in _TRUE + _FALSE:
        return value.lower() in _TRUE
    said(f"{attribute}=\"{_short(value)}\" 不是 true 或 false，按 {str(default).lower()} 处理")
    return default


def _form_field(prop, owner, prefix: str, dropped: list):
    c, name = f"{{{CAMUNDA_NS}}}", tool(prefix)
    ident, label = prop.get("id") or "", (prop.get("name") or "").strip()
    what = f"{prefix}:formProperty {ident}" + (f"（{label}）" if label and label != ident else "")

    def said(reason: str) -> None:
        before, after = ("" if what.endswith("）") else " "), (" " if reason[0].isascii() else "")
        dropped.append((owner, f"表单字段 {what}{before}的{after}{reason}"))

    target = _target(prop)
    expression, default = (prop.get("expression") or "").strip(), prop.get("default")
    named = _named(expression)
    if expression and not named and not (prop.get("variable") or "").strip():
        said(f"expression=\"{_short(expression)}\" 不受支持（本系统只能直接读写变量，不能经表达式读写）："
             f"填写的值存入变量 {ident}")
    readable = _flag(prop, "readable", True, said)
    writable = _flag(prop, "writable", True, said)
    required = _flag(prop, "required", False, said)
    if not readable:
        said(f"readable=\"false\"：{name} 不在表单中显示它，本系统同样不显示（没有转换成表单字段）"
             + (f"；它的默认值不会存入变量 {target}，需要时请用脚本任务赋值" if default is not None else ""))
        return None
    kind = (prop.get("type") or "").strip() or "string"
    if kind not in _FORM_TYPES:
        said(f"类型 {kind} 不受支持（表单支持 string、long、boolean、date、enum）：按文本（string）显示和保存"
             + (f"，流程中按数字比较前请先转换，例如 float({target})" if kind == "double" else ""))
        kind = "string"
    field = etree.Element(f"{c}formField", id=target, type=kind) if target else \
        etree.Element(f"{c}formField", type=kind)  # (no id: the deploy check refuses it, naming the task)
    if label:
        field.set("label", label)
    if default is not None:
        field.set("defaultValue", default)  # a ${…} default is computed per task, like camunda:formField's
    elif IDENTIFIER.fullmatch(target):  # shown as Activiti and Flowable show it: the variable's value, when it has one
        field.set("defaultValue", f"${{{target}}}")  # (a task met again); not for an id no expression can name
    if kind == "enum":
        for value in prop:
            if isinstance(value.tag, str) and etree.QName(value).localname == "value":
                etree.SubElement(field, f"{c}value", id=value.get("id") or "", name=value.get("name") or "")
    constraints = (["required"] if required else []) + ([] if writable else ["readonly"])
    if constraints:
        validation = etree.SubElement(field, f"{c}validation")
        for name in constraints:
            etree.SubElement(validation, f"{c}constraint", name=name)
    return field
