"""Every diagram word the code relies on (app/diagrams) exists in the BPMN file it names."""

import importlib
import pkgutil
from pathlib import Path

import pytest
from lxml import etree

import app.diagrams as diagrams
from app.diagrams import Element, EndName, Field, Message, Option, Process, State, Variable

PROCESS_DIR = Path(__file__).resolve().parents[2] / "processes"
BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA = "http://camunda.org/schema/1.0/bpmn"
NS = {"bpmn": BPMN, "camunda": CAMUNDA}


def _declared_processes() -> list[Process]:
    found = []
    for info in pkgutil.iter_modules(diagrams.__path__):
        module = importlib.import_module(f"app.diagrams.{info.name}")
        found += [v for v in vars(module).values() if isinstance(v, Process) and v not in found]
    return found


PROCESSES = _declared_processes()


def _process_node(process: Process, directory: Path):
    root = etree.parse(str(directory / process.file)).getroot()
    node = root.find(f"bpmn:process[@id='{process}']", NS)
    assert node is not None, f"{process.file} has no process with id {process!r}"
    return root, node


def test_every_process_file_is_declared():
    assert {p.file for p in PROCESSES} == {p.name for p in PROCESS_DIR.glob("*.bpmn")}


@pytest.mark.parametrize("process", PROCESSES, ids=str)
def test_declared_words_exist_in_the_diagram(process: Process):
    check(process, PROCESS_DIR)


def check(process: Process, directory: Path) -> None:
    root, node = _process_node(process, directory)
    text = etree.tostring(node, encoding="unicode")
    for item in process.declared:
        if isinstance(item, Element):
            found = node.find(f".//bpmn:{item.kind}[@id='{item}']", NS)
            assert found is not None, f"{process.file}: no {item.kind} with id {item!r}"
        elif isinstance(item, Field):
            found = node.find(f".//*[@id='{item.element}']//camunda:formField[@id='{item}']", NS)
            assert found is not None, f"{process.file}: task {item.element!r} has no form field {item!r}"
        elif isinstance(item, Option):
            field = item.field
            found = node.find(f".//*[@id='{field.element}']//camunda:formField[@id='{field}']"
                              f"/camunda:value[@id='{item}']", NS)
            assert found is not None, f"{process.file}: field {field!r} has no option {item!r}"
        elif isinstance(item, Message):
            names = {m.get("name") for m in root.findall("bpmn:message", NS)}
            assert item in names, f"{process.file}: no message named {item!r}"
        elif isinstance(item, State):
            found = node.find(f".//camunda:property[@name='ticket_state'][@value='{item}']", NS)
            assert found is not None, f"{process.file}: no task gives the state {item!r}"
        elif isinstance(item, Variable):
            assert item in text, f"{process.file}: the variable {item!r} is no longer used"
        elif isinstance(item, EndName):
            names = {e.get("name") for e in node.iterfind(".//bpmn:endEvent", NS)}
            assert item in names, f"{process.file}: no end event named {item!r}"
        else:  # pragma: no cover - a new kind of declaration needs a check here
            pytest.fail(f"unchecked declaration {item!r}")


def test_a_rename_in_the_diagram_is_caught(tmp_path):
    """The check is not vacuous: renaming an option in a copy of ticket.bpmn makes it fail."""
    from app.diagrams import ticket_lifecycle

    copy = Process("ticket_lifecycle", "ticket.bpmn")
    copy.declared = [ticket_lifecycle.SIGN_RETURN]
    original = (PROCESS_DIR / "ticket.bpmn").read_text(encoding="utf-8")
    renamed = original.replace('id="退回"', 'id="退件"')
    assert renamed != original
    (tmp_path / "ticket.bpmn").write_text(renamed, encoding="utf-8")
    with pytest.raises(AssertionError, match="退回"):
        check(copy, tmp_path)
    check(copy, PROCESS_DIR)
