"""Whether two files hold the same diagram although they are written differently.

The modeler writes a diagram back in its own way: shapes in drawing order, its own namespace
prefixes and indentation, ``exporter`` attributes. Deploying that unchanged diagram should be "the
same as the current version", not a new version. The fingerprint is a digest of the parsed tree
in which what carries no meaning is left out or put in a fixed order; what does carry meaning keeps
its order (a form's fields and options, an edge's waypoints, a script's text).
"""

from __future__ import annotations

import hashlib

from app.engine import dialect, foreign

_DI = "http://www.omg.org/spec/BPMN/20100524/DI"
_DC = "http://www.omg.org/spec/DD/20100524/DC"
_DD_DI = "http://www.omg.org/spec/DD/20100524/DI"
_C = f"{{{dialect.CAMUNDA_NS}}}"

# children whose order means something: form fields, an option list, waypoints, a list of properties; in
# Activiti's and Flowable's namespaces too (they run as Camunda's: app/engine/foreign.adopt_camunda), and a
# form property's enum values
_ORDERED = {f"{{{ns}}}{local}" for ns in (dialect.CAMUNDA_NS, *foreign.FOREIGN)
            for local in ("formData", "formField", "formProperty", "properties", "inputOutput", "list", "map")
            } | {f"{{{_DI}}}BPMNEdge"}
_NOISE = {"exporter", "exporterVersion"}  # what wrote the file, not what it says
_XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
_NUMBERS = {f"{{{_DC}}}Bounds", f"{{{_DD_DI}}}waypoint"}


def _attribute(node, name: str, value: str) -> str:
    if name == _XSI_TYPE and ":" in value:  # a QName: its prefix is the file's choice
        prefix, _, local = value.partition(":")
        return f"{{{node.nsmap.get(prefix, prefix)}}}{local}"
    if node.tag in _NUMBERS:
        try:
            return repr(float(value))
        except ValueError:
            return value
    return value


# an Activiti or Flowable form's fields, direct children of the extensionElements (whose other children are not ordered)
_IN_ORDER = {f"{{{ns}}}formProperty" for ns in (dialect.CAMUNDA_NS, *foreign.FOREIGN)}


def _canonical(node) -> str:
    children = [c for c in node if isinstance(c.tag, str)]
    if node.tag in _ORDERED:
        children = [_canonical(c) for c in children]
    else:
        children = (sorted(_canonical(c) for c in children if c.tag not in _IN_ORDER)
                    + [_canonical(c) for c in children if c.tag in _IN_ORDER])
    attributes = sorted((k, _attribute(node, k, v)) for k, v in node.attrib.items() if k not in _NOISE)
    return repr((node.tag, attributes, (node.text or "").strip(), children))


def fingerprint(xml: bytes) -> str:
    """A digest equal for two files of the same diagram; "" when the file does not parse."""
    try:
        root = dialect.parse_xml(xml)
    except Exception:  # an old stored file that no longer parses is simply "different"
        return ""
    return hashlib.sha256(_canonical(root).encode("utf-8")).hexdigest()
