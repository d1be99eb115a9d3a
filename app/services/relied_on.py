"""The deploy check's list of what the code relies on in a product process (``CheckContext.relied_on``).

The declarations of ``app/diagrams`` become plain records for the engine's check, each with its
name in the shipped diagram (so the message says 回复上报, not only ``record_reply``). Options
are warnings (a process owner may drop a choice on purpose); everything else is refused, since the
code would meet tickets without it.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from flask import current_app
from lxml import etree

from app.diagrams import Element, EndName, Field, Message, Option, State, Variable
from app.diagrams.catalog import BY_KEY
from app.engine import dialect
from app.engine.checks import ERROR, WARNING, Reliance

_C = f"{{{dialect.CAMUNDA_NS}}}"
CODE_FORM_PREFIX = "jiesu:"  # a formKey naming a form or task handlers of the code (app/forms, app/bootstrap.py)


@lru_cache(maxsize=32)
def _names(path: str) -> dict[str, str]:
    """Element id -> name, ``task/field`` -> label and ``task#formKey`` -> the code's formKey (``jiesu:…``)
    in a shipped diagram ({} if unreadable)."""
    try:
        root = dialect.parse_xml(Path(path).read_bytes())
    except (OSError, etree.XMLSyntaxError):
        return {}
    names = {}
    for node in root.iter():
        if isinstance(node.tag, str) and node.get("id") and node.get("name"):
            names.setdefault(node.get("id"), " ".join(node.get("name").split()))
    for node in root.iter():
        form_key = node.get(f"{_C}formKey") if isinstance(node.tag, str) else None
        if node.get("id") and form_key and form_key.startswith(CODE_FORM_PREFIX):
            names.setdefault(f"{node.get('id')}#formKey", form_key)
    for field in root.iter(f"{_C}formField"):
        task = next((a for a in field.iterancestors() if a.get("id") and not a.tag.startswith(_C)), None)
        if task is not None and field.get("label"):
            names[f"{task.get('id')}/{field.get('id')}"] = field.get("label")
    return names


def _record(item, process: str, names: dict[str, str]) -> Reliance | None:
    purpose = item.purpose
    if isinstance(item, Element):
        return Reliance("element", process, str(item), tag=item.kind, label=names.get(str(item), ""), purpose=purpose,
                        form_key=names.get(f"{item}#formKey", ""))
    if isinstance(item, Field):
        return Reliance("field", process, str(item), owner=str(item.element),
                        label=names.get(f"{item.element}/{item}", ""), purpose=purpose)
    if isinstance(item, Option):
        return Reliance("option", process, str(item), owner=f"{item.field.element}/{item.field}", purpose=purpose,
                        severity=WARNING)
    kind = {Message: "message", State: "state", Variable: "variable", EndName: "end"}.get(type(item))
    return Reliance(kind, process, str(item), purpose=purpose, severity=ERROR) if kind else None


def relied_on(process_key: str, process_dir: str | Path | None = None) -> tuple[Reliance, ...]:
    """What the code relies on in the process ``process_key`` (() for a process the product does not start).

    Names come from the shipped diagram in ``process_dir`` (by default the app's ``JIESU_PROCESS_DIR``).
    """
    process = BY_KEY.get(process_key)
    if process is None:
        return ()
    directory = Path(process_dir or current_app.config["JIESU_PROCESS_DIR"])
    names = _names(str(directory / process.file))
    return tuple(r for r in (_record(item, str(process), names) for item in process.declared) if r is not None)
